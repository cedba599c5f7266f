/** Inspections: typed wrappers over the app's Tauri commands (`src-tauri/src/commands/inspections.rs`). */
import { invoke } from '@tauri-apps/api/core'
import type { InspectionSummary } from './types/InspectionSummary'
import type { SyncReport } from './types/SyncReport'

export type { InspectionSummary, SyncReport }

/** All inspections on this device, as stored locally. Rejects with an `ErrorBody`. */
export function listInspections(): Promise<InspectionSummary[]> {
  return invoke<InspectionSummary[]>('list_inspections')
}

/** Synchronises the local store with the sync server at `server`. Rejects with an `ErrorBody`. */
export function syncNow(server: string): Promise<SyncReport> {
  return invoke<SyncReport>('sync_now', { server })
}
