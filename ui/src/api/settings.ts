/** Settings: typed wrappers over the app's Tauri commands (`src-tauri/src/commands/settings.rs`). */
import { invoke } from '@tauri-apps/api/core'
import type { Settings } from './types/Settings'

export type { Settings }

/** The settings the app runs with. Rejects with an `ErrorBody`. */
export function getSettings(): Promise<Settings> {
  return invoke<Settings>('get_settings')
}
