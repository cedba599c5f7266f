/**
 * The full-process record: typed wrappers over `src-tauri/src/commands/trail.rs`. Every call rejects with an
 * `ErrorBody`.
 */
import { invoke } from '@tauri-apps/api/core'
import type { InspectionEdit } from './types/InspectionEdit'
import type { TimelineEntry } from './types/TimelineEntry'

export type { TimelineEntry }

/**
 * The party signed: the pad's PNG goes as the raw body (no JSON, no base64), kept as evidence signed by officer
 * `number` (the one holding the tablet). Resolves to the image's SHA-256.
 */
export function partySigned(inspectionId: string, number: string, png: Uint8Array): Promise<string> {
  return invoke<string>('party_signed', png, { headers: { 'inspection-id': inspectionId, officer: number } })
}

/** The party refused to sign; `reason` is what they said. */
export function signatureRefused(id: string, reason: string): Promise<void> {
  return invoke<void>('signature_refused', { id, reason })
}

/** Unlocked officer `number` amends locked inspection `id` with `edit`, for `reason`. */
export function amendInspection(id: string, edit: InspectionEdit, reason: string, number: string): Promise<void> {
  return invoke<void>('amend_inspection', { id, edit, reason, number })
}

/** Unlocked officer `number` records an attempt to interfere with inspection `id`. */
export function recordInterference(id: string, description: string, number: string): Promise<void> {
  return invoke<void>('record_interference', { id, description, number })
}

/** The case replayed step by step, in causal order. */
export function inspectionTimeline(id: string): Promise<TimelineEntry[]> {
  return invoke<TimelineEntry[]>('inspection_timeline', { id })
}
