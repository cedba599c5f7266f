/**
 * Taking a large file into the evidence store without freezing the window: the bytes go to the app in pieces
 * (one IPC message holding a whole video is read on the window's main thread), then the app hashes and stores
 * the whole file, reporting how far it has gone. The steps are injected, so the sequence is tested without Tauri.
 */

/** Bytes per piece: small enough that reading one on the main thread takes a few milliseconds. */
export const PIECE = 2 * 1024 * 1024

/** `sending`: pieces going to the app; `storing`: the app hashes and copies the file into the store. */
export type IntakePhase = 'sending' | 'storing'

export interface IntakeProgress {
  phase: IntakePhase
  done: number
  total: number
}

export interface IntakeSteps<T> {
  begin: () => Promise<string>
  append: (incoming: string, piece: Uint8Array) => Promise<unknown>
  finish: (incoming: string, onStored: (done: number, total: number) => void) => Promise<T>
  discard: (incoming: string) => Promise<unknown>
}

/** Whether `size` bytes go in pieces rather than as one message. */
export function inPieces(size: number): boolean {
  return size > PIECE
}

/** Percentage 0–100 of a progress report. */
export function intakePercent(p: IntakeProgress): number {
  return p.total <= 0 ? 0 : Math.min(100, Math.round((p.done / p.total) * 100))
}

/**
 * Sends `file` in pieces and has it stored; `update` receives every report. When a piece fails the app's copy
 * is discarded (nothing half-sent stays) and the error is thrown as it came.
 */
export async function sendInPieces<T>(
  file: Blob,
  steps: IntakeSteps<T>,
  update: (progress: IntakeProgress) => void,
): Promise<T> {
  const total = file.size
  const incoming = await steps.begin()
  try {
    for (let offset = 0; offset < total; offset += PIECE) {
      const piece = new Uint8Array(await file.slice(offset, offset + PIECE).arrayBuffer())
      await steps.append(incoming, piece)
      update({ phase: 'sending', done: Math.min(total, offset + piece.length), total })
    }
  } catch (error) {
    await steps.discard(incoming).catch(() => undefined)
    throw error
  }
  update({ phase: 'storing', done: 0, total })
  return steps.finish(incoming, (done, all) => update({ phase: 'storing', done, total: all }))
}
