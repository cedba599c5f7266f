/**
 * A whole sync as the officer watches it: documents first, then every pending evidence file in turn, each with
 * its own state. The steps are injected, so the sequence is tested without Tauri.
 */
import { errorMessage, toErrorBody, type Translator } from './errors'

/**
 * `waiting`: not started; `sending`: bytes going out; `done`: the server has it; `resumed`: done, continuing an
 * upload an earlier attempt left unfinished; `failed`: with a reason.
 */
export type Phase = 'waiting' | 'sending' | 'resumed' | 'done' | 'failed'

export interface SyncStep {
  /** `DOCUMENTS` for the inspections, else an evidence file's SHA-256. */
  id: string
  phase: Phase
  sent: number
  total: number
  /** Where a resumed upload continued from (bytes). */
  resumedFrom: number
  /** The sentence to show when `phase` is `failed`. */
  reason: string
}

export interface SyncSteps {
  /** `report(sent, total)`: documents sent so far and to send, after each round. */
  syncDocuments: (report: (sent: number, total: number) => void) => Promise<unknown>
  pendingUploads: () => Promise<{ sha256: string; size: number }[]>
  uploadEvidence: (sha256: string) => Promise<{ resumed_from: number }>
}

export const DOCUMENTS = 'documents'

function step(id: string, phase: Phase, total: number): SyncStep {
  return { id, phase, sent: 0, total, resumedFrom: 0, reason: '' }
}

/** Percentage 0–100 of a step. */
export function percent(s: SyncStep): number {
  if (s.phase === 'done' || s.phase === 'resumed') return 100
  if (s.total <= 0) return 0
  return Math.min(100, Math.round((s.sent / s.total) * 100))
}

/** Whether a step has finished, well or not. */
export function finished(s: SyncStep): boolean {
  return s.phase === 'done' || s.phase === 'resumed' || s.phase === 'failed'
}

/** Applies an upload's progress report: the file's bytes on the server so far. Finished steps stay as they are. */
export function progressed(list: SyncStep[], sha256: string, sent: number, total: number): SyncStep[] {
  return list.map((s) => (s.id !== sha256 || finished(s) ? s : { ...s, sent, total, phase: 'sending' }))
}

/**
 * Runs the sync; `update` receives the whole list after every change. When the server cannot be reached at all
 * the uploads are not tried (each would fail the same way); any other failure is kept with its step.
 */
export async function runSync(
  steps: SyncSteps,
  i18n: Translator,
  update: (list: SyncStep[]) => void,
): Promise<SyncStep[]> {
  let list: SyncStep[] = [step(DOCUMENTS, 'sending', 1)]
  const set = (id: string, change: Partial<SyncStep>): void => {
    list = list.map((s) => (s.id === id ? { ...s, ...change } : s))
    update(list)
  }
  update(list)
  try {
    await steps.syncDocuments((sent, total) => set(DOCUMENTS, { sent, total: Math.max(total, sent) }))
    set(DOCUMENTS, { phase: 'done' })
  } catch (error) {
    set(DOCUMENTS, { phase: 'failed', reason: errorMessage(i18n, error) })
    if (toErrorBody(error).code === 'server_unreachable') return list
  }
  let pending: { sha256: string; size: number }[]
  try {
    pending = await steps.pendingUploads()
  } catch (error) {
    set(DOCUMENTS, { phase: 'failed', reason: errorMessage(i18n, error) })
    return list
  }
  list = [...list, ...pending.map((p) => step(p.sha256, 'waiting', p.size))]
  update(list)
  for (const file of pending) {
    set(file.sha256, { phase: 'sending' })
    try {
      const result = await steps.uploadEvidence(file.sha256)
      const resumed = result.resumed_from > 0
      set(file.sha256, { phase: resumed ? 'resumed' : 'done', sent: file.size, resumedFrom: result.resumed_from })
    } catch (error) {
      set(file.sha256, { phase: 'failed', reason: errorMessage(i18n, error) })
    }
  }
  return list
}
