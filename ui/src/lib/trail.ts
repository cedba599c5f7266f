/** Display logic of the full-process record: timeline steps, amendments before/after, the signature pad. */
import type { Amendment } from '../api/types/Amendment'
import type { InspectionEdit } from '../api/types/InspectionEdit'
import type { TimelineEntry } from '../api/types/TimelineEntry'
import type { Translator } from './errors'
import { formatDateTime } from './format'

/** The locale key of a history step's `what` (`set result` → `trail.what.set_result`), if it is a plain name. */
export function whatKey(what: string): string | null {
  return /^[a-z][a-z ]*$/.test(what) ? `trail.what.${what.replaceAll(' ', '_')}` : null
}

/** The locale's label of a history step's `what`; an edit the locale does not know shows as recorded. */
export function whatLabel(i18n: Translator, what: string): string {
  const key = whatKey(what)
  if (key !== null && i18n.te(key)) return i18n.t(key, {})
  return what.trim() === '' ? i18n.t('trail.what.unnamed', {}) : what
}

/** The locale's name of an inspection field (`result` → 处理结果); an unknown field shows as its key. */
export function fieldLabel(i18n: Translator, field: string): string {
  const key = /^[a-z_]+$/.test(field) ? `trail.fields.${field}` : null
  return key !== null && i18n.te(key) ? i18n.t(key, {}) : field
}

/** A JSON value as a reader sees it: text as itself, anything else as compact JSON; nothing as `""`. */
export function readable(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

function parseObject(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** One changed field of an amendment: the text before stays readable beside the text after. */
export interface FieldChange {
  field: string
  before: string
  after: string
}

/** The fields an amendment changed, from its `before` and `after` JSON objects, in the order they first appear. */
export function amendmentChanges(amendment: Pick<Amendment, 'before' | 'after'>): FieldChange[] {
  const before = parseObject(amendment.before)
  const after = parseObject(amendment.after)
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  return fields.map((field) => ({ field, before: readable(before[field]), after: readable(after[field]) }))
}

/** A timeline step as the screen shows it. */
export interface TimelineStep {
  /** 1-based position in the history. */
  n: number
  hash: string
  label: string
  time: string
  /** The device, shortened; the locale's "this tablet" for the tablet showing it. */
  device: string
  thisDevice: boolean
  changes: string[]
}

/** The history as numbered steps; `deviceId` is this tablet's id, shown as such. */
export function timelineSteps(i18n: Translator, entries: TimelineEntry[], deviceId?: string | null): TimelineStep[] {
  return entries.map((entry, i) => {
    const thisDevice = deviceId !== undefined && deviceId !== null && entry.actor === deviceId
    return {
      n: i + 1,
      hash: entry.hash,
      label: whatLabel(i18n, entry.what),
      time: formatDateTime(entry.device_time),
      device: thisDevice ? i18n.t('trail.thisDevice', {}) : shortDevice(entry.actor),
      thisDevice,
      changes: entry.changes,
    }
  })
}

/** A device id shortened for a list: its first 8 characters. */
export function shortDevice(actor: string): string {
  return actor.length > 8 ? `${actor.slice(0, 8)}…` : actor
}

/** A point of a stroke, in the canvas's own pixels. */
export interface Point {
  x: number
  y: number
}

/**
 * The strokes drawn on the signature pad. A stroke starts on pointer down, grows on move and ends on up; a tap
 * makes a dot. `hasInk` says whether there is anything to confirm.
 */
export class Strokes {
  readonly strokes: Point[][] = []
  private drawing = false

  begin(p: Point): void {
    this.strokes.push([p])
    this.drawing = true
  }

  /** Adds `p` to the current stroke; returns the segment to draw, or null when no stroke is under way. */
  extend(p: Point): [Point, Point] | null {
    const stroke = this.strokes[this.strokes.length - 1]
    if (!this.drawing || stroke === undefined) return null
    const last = stroke[stroke.length - 1] ?? p
    stroke.push(p)
    return [last, p]
  }

  end(): void {
    this.drawing = false
  }

  clear(): void {
    this.strokes.length = 0
    this.drawing = false
  }

  get hasInk(): boolean {
    return this.strokes.length > 0
  }
}

/**
 * Where a pointer event lands in the canvas's pixels: the element may be drawn at another size than its
 * bitmap (CSS scaling), so client coordinates are scaled by bitmap size over displayed size.
 */
export function canvasPoint(
  client: { clientX: number; clientY: number },
  rect: { left: number; top: number; width: number; height: number },
  bitmap: { width: number; height: number },
): Point {
  const sx = rect.width > 0 ? bitmap.width / rect.width : 1
  const sy = rect.height > 0 ? bitmap.height / rect.height : 1
  return { x: (client.clientX - rect.left) * sx, y: (client.clientY - rect.top) * sy }
}

/** A canvas's content as PNG bytes. */
export function canvasPng(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (blob === null) {
        reject(new Error('the signature could not be encoded as PNG'))
        return
      }
      blob.arrayBuffer().then((buffer) => resolve(new Uint8Array(buffer)), reject)
    }, 'image/png')
  })
}

/** The fields an officer amends after lock. */
export type AmendableField = 'findings' | 'result'

/** The edit an amendment of `field` to `text` carries. */
export function amendmentEdit(field: AmendableField, text: string): InspectionEdit {
  return field === 'findings' ? { type: 'findings', text } : { type: 'result', text }
}

/** The steps the timeline marks: who presented, signed, locked, amended, and interference. */
const KEY_STEPS = new Set(['present certificate', 'lock', 'amend', 'party signed', 'party refused to sign', 'record interference'])

/** Whether a history step is one the timeline marks. */
export function isKeyStep(what: string): boolean {
  return KEY_STEPS.has(what)
}
