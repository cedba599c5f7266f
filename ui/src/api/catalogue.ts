/** The item catalogue (执法事项清单): typed wrapper over `src-tauri/src/commands/catalogue.rs`. Rejects with an `ErrorBody`. */
import { invoke } from '@tauri-apps/api/core'
import type { CatalogueItem } from './types/CatalogueItem'

export type { CatalogueItem }

/** Items whose code, name or category contains `query`; every item for a blank query. */
export function searchCatalogue(query: string): Promise<CatalogueItem[]> {
  return invoke<CatalogueItem[]>('catalogue_search', { query })
}
