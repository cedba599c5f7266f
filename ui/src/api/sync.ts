/** Sync: typed wrappers over `src-tauri/src/commands/sync.rs`. Every call rejects with an `ErrorBody`. */
import { invoke } from '@tauri-apps/api/core'
import { listen, type UnlistenFn } from '@tauri-apps/api/event'
import type { PendingUpload } from './types/PendingUpload'
import type { SyncReport } from './types/SyncReport'
import type { TerminalStatus } from './types/TerminalStatus'
import type { UploadProgress } from './types/UploadProgress'
import type { UploadResult } from './types/UploadResult'

export type { PendingUpload, SyncReport, TerminalStatus, UploadProgress, UploadResult }

/** Synchronises the inspections with the configured server. */
export function syncDocuments(): Promise<SyncReport> {
  return invoke<SyncReport>('sync_documents')
}

/** Evidence files the server does not hold yet. */
export function pendingUploads(): Promise<PendingUpload[]> {
  return invoke<PendingUpload[]>('pending_uploads')
}

/** Uploads one evidence file, resuming an interrupted upload; progress arrives through `onUploadProgress`. */
export function uploadEvidence(sha256: string): Promise<UploadResult> {
  return invoke<UploadResult>('upload_evidence', { sha256 })
}

/** Calls `handler` on every upload's progress until the returned function is called. */
export function onUploadProgress(handler: (progress: UploadProgress) => void): Promise<UnlistenFn> {
  return listen<UploadProgress>('upload-progress', (event) => handler(event.payload))
}

/** Last sync, revocation list, unsynced work. */
export function terminalStatus(): Promise<TerminalStatus> {
  return invoke<TerminalStatus>('terminal_status')
}
