/** Evidence: typed wrappers over `src-tauri/src/commands/evidence.rs`. Every call rejects with an `ErrorBody`. */
import { invoke } from '@tauri-apps/api/core'
import type { Evidence } from './types/Evidence'
import type { EvidenceItem } from './types/EvidenceItem'
import { base64Utf8 } from '../lib/bytes'

export type { Evidence, EvidenceItem }

/** Imports the file at `path` (on this device) into inspection `inspectionId`, signed by officer `number`. */
export function importEvidence(inspectionId: string, number: string, path: string): Promise<Evidence> {
  return invoke<Evidence>('import_evidence', { inspectionId, number, path })
}

/** Adds a capture or a picked file, sent as raw bytes (no JSON, no base64 of the media). */
export function addEvidenceBytes(
  inspectionId: string,
  number: string,
  fileName: string,
  bytes: Uint8Array,
): Promise<Evidence> {
  return invoke<Evidence>('add_evidence_bytes', bytes, {
    headers: { 'inspection-id': inspectionId, officer: number, 'file-name': base64Utf8(fileName) },
  })
}

/** The inspection's evidence, photos with thumbnails. */
export function listEvidence(inspectionId: string): Promise<EvidenceItem[]> {
  return invoke<EvidenceItem[]>('list_evidence', { inspectionId })
}
