/** Inspections: typed wrappers over `src-tauri/src/commands/inspections.rs`. Every call rejects with an `ErrorBody`. */
import { invoke } from '@tauri-apps/api/core'
import type { InspectionDraft } from './types/InspectionDraft'
import type { InspectionEdit } from './types/InspectionEdit'
import type { InspectionSummary } from './types/InspectionSummary'
import type { InspectionView } from './types/InspectionView'

export type { InspectionDraft, InspectionEdit, InspectionSummary, InspectionView }

/** All inspections on this device, newest first. */
export function listInspections(): Promise<InspectionSummary[]> {
  return invoke<InspectionSummary[]>('list_inspections')
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

/** Officer `number` (unlocked) locks inspection `id`; two officers must have presented. */
export function lockInspection(id: string, number: string): Promise<void> {
  return invoke<void>('lock_inspection', { id, number })
}
