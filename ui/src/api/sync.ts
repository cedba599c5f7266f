/** Sync: typed wrappers over `src-tauri/src/commands/sync.rs`. Every call rejects with an `ErrorBody`. */
import { Channel, invoke } from '@tauri-apps/api/core'
import type { PendingUpload } from './types/PendingUpload'
import type { SyncProgress } from './types/SyncProgress'
import type { SyncReport } from './types/SyncReport'
import type { TerminalStatus } from './types/TerminalStatus'
import type { UploadProgress } from './types/UploadProgress'
import type { UploadResult } from './types/UploadResult'

export type { PendingUpload, SyncProgress, SyncReport, TerminalStatus, UploadProgress, UploadResult }

/** Synchronises the inspections with the configured server; `onProgress` hears how far it has come after each round. */
export function syncDocuments(onProgress: (progress: SyncProgress) => void = () => undefined): Promise<SyncReport> {
  return invoke<SyncReport>('sync_documents', { progress: new Channel<SyncProgress>(onProgress) })
}

/** Evidence files the server does not hold yet. */
export function pendingUploads(): Promise<PendingUpload[]> {
  return invoke<PendingUpload[]>('pending_uploads')
}

/** Uploads one evidence file, resuming an interrupted upload; `onProgress` hears every chunk the server holds. */
export function uploadEvidence(
  sha256: string,
  onProgress: (progress: UploadProgress) => void = () => undefined,
): Promise<UploadResult> {
  return invoke<UploadResult>('upload_evidence', { sha256, progress: new Channel<UploadProgress>(onProgress) })
}

/** Last sync, revocation list, unsynced work. */
export function terminalStatus(): Promise<TerminalStatus> {
  return invoke<TerminalStatus>('terminal_status')
}
