/** Inspections: typed wrappers over `src-tauri/src/commands/inspections.rs`. Every call rejects with an `ErrorBody`. */
import { invoke } from '@tauri-apps/api/core'
import type { InspectionDraft } from './types/InspectionDraft'
import type { InspectionEdit } from './types/InspectionEdit'
import type { InspectionSummary } from './types/InspectionSummary'
import type { InspectionView } from './types/InspectionView'
import type { InspectionPage } from './types/InspectionPage'
import type { ListCursor } from './types/ListCursor'

export type { InspectionDraft, InspectionEdit, InspectionPage, InspectionSummary, InspectionView, ListCursor }

/** Up to `limit` inspections on this device after `cursor` (from the newest when `null`), newest start first. */
export function listInspections(cursor: ListCursor | null, limit: number): Promise<InspectionPage> {
  return invoke<InspectionPage>('list_inspections', { cursor, limit })
}

/** Opens an inspection; resolves to its id. */
export function createInspection(draft: InspectionDraft): Promise<string> {
  return invoke<string>('create_inspection', { draft })
}

/** The inspection with its conflicts. */
export function showInspection(id: string): Promise<InspectionView> {
  return invoke<InspectionView>('show_inspection', { id })
}

/** Applies `edits` to inspection `id`, all or none. */
export function editInspection(id: string, edits: InspectionEdit[]): Promise<void> {
  return invoke<void>('edit_inspection', { id, edits })
}

/**
 * Officer `number` (unlocked) applies `edits` (the officer's unsaved ones), ends and locks inspection `id` in one
 * step: all of it, or, when refused (two officers must have presented), nothing.
 */
export function lockInspection(id: string, number: string, edits: InspectionEdit[]): Promise<void> {
  return invoke<void>('lock_inspection', { id, number, edits })
}
