/** Conflicts: typed wrapper over `src-tauri/src/commands/conflicts.rs`. Every call rejects with an `ErrorBody`. */
import { invoke } from '@tauri-apps/api/core'
import type { Conflict } from './types/Conflict'
import type { ConflictValue } from './types/ConflictValue'

export type { Conflict, ConflictValue }

/** Sets `field` of inspection `id` to `value` (one of its values or a new one): one edit that resolves the conflict. */
export function resolveConflict(id: string, field: string, value: string): Promise<void> {
  return invoke<void>('resolve_conflict', { id, field, value })
}
