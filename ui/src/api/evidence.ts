/** Evidence: typed wrappers over `src-tauri/src/commands/evidence.rs`. Every call rejects with an `ErrorBody`. */
import { Channel, invoke } from '@tauri-apps/api/core'
import type { Evidence } from './types/Evidence'
import type { EvidenceItem } from './types/EvidenceItem'
import type { IntakeProgress } from './types/IntakeProgress'
import { base64Utf8 } from '../lib/bytes'

export type { Evidence, EvidenceItem }

/**
 * Imports the file at `path` (on this device) into inspection `inspectionId`, signed by officer `number`;
 * `onStored` hears how many bytes are hashed and stored.
 */
export function importEvidence(
  inspectionId: string,
  number: string,
  path: string,
  onStored: (done: number, total: number) => void = () => undefined,
): Promise<Evidence> {
  const progress = new Channel<IntakeProgress>((p) => onStored(p.done, p.total))
  return invoke<Evidence>('import_evidence', { inspectionId, number, path, progress })
}

/** Starts a large file sent in pieces; resolves to its id. */
export function beginIncoming(): Promise<string> {
  return invoke<string>('begin_incoming')
}

/** Sends one piece of incoming file `incoming` as raw bytes; resolves to the bytes received so far. */
export function appendIncoming(incoming: string, piece: Uint8Array): Promise<number> {
  return invoke<number>('append_incoming', piece, { headers: { incoming } })
}

/** Takes the complete incoming file into the inspection; `onStored` hears how many bytes are hashed and stored. */
export function addEvidenceIncoming(
  inspectionId: string,
  number: string,
  incoming: string,
  fileName: string,
  onStored: (done: number, total: number) => void,
): Promise<Evidence> {
  const progress = new Channel<IntakeProgress>((p) => onStored(p.done, p.total))
  return invoke<Evidence>('add_evidence_incoming', { inspectionId, number, incoming, fileName, progress })
}

/** Forgets an incoming file (cancelled, or a piece failed). */
export function discardIncoming(incoming: string): Promise<void> {
  return invoke<void>('discard_incoming', { incoming })
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
