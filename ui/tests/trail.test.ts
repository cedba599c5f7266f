import { describe, expect, it } from 'vitest'
import { translator } from './helpers'
import {
  Strokes,
  amendmentChanges,
  amendmentEdit,
  canvasPoint,
  fieldLabel,
  isKeyStep,
  readable,
  shortDevice,
  timelineSteps,
  whatKey,
  whatLabel,
} from '../src/lib/trail'
import zhCN from '../src/locales/zh-CN'
import type { TimelineEntry } from '../src/api/types/TimelineEntry'

/** Every change message the core crate writes (`Edit::name` and the creation). */
const EDIT_NAMES = [
  'create inspection',
  'set findings',
  'set result',
  'set status',
  'set kind',
  'set agency',
  'set item',
  'set party',
  'set location',
  'add legal basis',
  'add officer',
  'add checklist item',
  'set checklist result',
  'set checklist note',
  'set ended at',
  'set scope',
  'present certificate',
  'lock',
  'amend',
  'party signed',
  'party refused to sign',
  'record interference',
  'add evidence',
]

describe('timeline labels', () => {
  it('has a Chinese and an English label for every edit the core records', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const i18n = translator(locale)
      for (const what of EDIT_NAMES) {
        const label = whatLabel(i18n, what)
        expect(label, `${locale} ${what}`).not.toBe(what)
        expect(label.trim()).not.toBe('')
      }
    }
    expect(Object.keys(zhCN.trail.what)).toHaveLength(EDIT_NAMES.length + 1)
  })

  it('labels the key steps in Chinese and falls back to the raw text', () => {
    const i18n = translator('zh-CN')
    expect(whatLabel(i18n, 'present certificate')).toBe('出示执法证件')
    expect(whatLabel(i18n, 'lock')).toBe('锁定笔录')
    expect(whatLabel(i18n, 'amend')).toBe('更正笔录')
    expect(whatLabel(i18n, 'party refused to sign')).toBe('当事人拒绝签名')
    expect(whatLabel(i18n, 'merge schema v2')).toBe('merge schema v2')
    expect(whatLabel(i18n, 'Weird.Key')).toBe('Weird.Key')
    expect(whatLabel(i18n, '')).toBe('未命名的修改')
    expect(whatKey('set result')).toBe('trail.what.set_result')
    expect(whatKey('a.b')).toBeNull()
  })

  it('numbers the steps, names this tablet and shortens other devices', () => {
    const i18n = translator('zh-CN')
    const entries: TimelineEntry[] = [
      { hash: 'h1', actor: 'dev-aaaa-1111', device_time: '2026-11-21T02:03:00Z', what: 'create inspection', changes: ['a = 1'] },
      { hash: 'h2', actor: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', device_time: 'not a time', what: 'lock', changes: [] },
    ]
    const steps = timelineSteps(i18n, entries, 'dev-aaaa-1111')
    expect(steps.map((s) => [s.n, s.label, s.device, s.thisDevice])).toEqual([
      [1, '创建检查', '本机', true],
      [2, '锁定笔录', '0f1e2d3c…', false],
    ])
    expect(steps[0]?.time).toMatch(/^2026-11-2\d \d\d:03$/)
    expect(steps[1]?.time).toBe('not a time')
    expect(steps[0]?.changes).toEqual(['a = 1'])
    expect(timelineSteps(i18n, entries, null).every((s) => !s.thisDevice)).toBe(true)
    expect(shortDevice('abc')).toBe('abc')
    expect(isKeyStep('lock') && isKeyStep('amend') && !isKeyStep('set result')).toBe(true)
  })
})

describe('amendments', () => {
  it('shows each changed field before and after, the earlier text kept', () => {
    const changes = amendmentChanges({
      before: JSON.stringify({ result: '未发现违法行为', status: 'locked' }),
      after: JSON.stringify({ result: '责令改正', ended_at: '2026-11-21T03:00:00Z' }),
    })
    expect(changes).toEqual([
      { field: 'result', before: '未发现违法行为', after: '责令改正' },
      { field: 'status', before: 'locked', after: '' },
      { field: 'ended_at', before: '', after: '2026-11-21T03:00:00Z' },
    ])
  })

  it('survives bad JSON and shows non-text values as JSON', () => {
    expect(amendmentChanges({ before: 'not json', after: '[1]' })).toEqual([])
    expect(readable({ a: 1 })).toBe('{"a":1}')
    expect(readable(3)).toBe('3')
    expect(readable(null)).toBe('')
  })

  it('names the fields in the locale and builds the edit', () => {
    expect(fieldLabel(translator('zh-CN'), 'result')).toBe('处理结果')
    expect(fieldLabel(translator('en'), 'findings')).toBe('Findings')
    expect(fieldLabel(translator('zh-CN'), 'unknown_field')).toBe('unknown_field')
    expect(amendmentEdit('result', 'x')).toEqual({ type: 'result', text: 'x' })
    expect(amendmentEdit('findings', 'y')).toEqual({ type: 'findings', text: 'y' })
  })
})

describe('signature pad', () => {
  it('records strokes, draws segments only while a stroke is under way, and clears', () => {
    const pad = new Strokes()
    expect(pad.hasInk).toBe(false)
    expect(pad.extend({ x: 1, y: 1 })).toBeNull()
    pad.begin({ x: 0, y: 0 })
    expect(pad.hasInk).toBe(true)
    expect(pad.extend({ x: 5, y: 5 })).toEqual([{ x: 0, y: 0 }, { x: 5, y: 5 }])
    expect(pad.extend({ x: 9, y: 5 })).toEqual([{ x: 5, y: 5 }, { x: 9, y: 5 }])
    pad.end()
    expect(pad.extend({ x: 20, y: 20 })).toBeNull()
    pad.begin({ x: 30, y: 30 })
    pad.end()
    expect(pad.strokes).toHaveLength(2)
    pad.clear()
    expect(pad.hasInk).toBe(false)
    expect(pad.strokes).toHaveLength(0)
  })

  it('maps a pointer to bitmap pixels when the canvas is scaled by CSS', () => {
    const rect = { left: 20, top: 100, width: 600, height: 240 }
    expect(canvasPoint({ clientX: 320, clientY: 220 }, rect, { width: 1200, height: 480 })).toEqual({ x: 600, y: 240 })
    expect(canvasPoint({ clientX: 20, clientY: 100 }, { ...rect, width: 0, height: 0 }, { width: 1200, height: 480 })).toEqual({
      x: 0,
      y: 0,
    })
  })
})
