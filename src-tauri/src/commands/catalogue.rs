//! The item catalogue (执法事项清单): searched when the officer opens an inspection.

use fieldtrail_core::CatalogueItem;
use tauri::AppHandle;

use crate::AppError;
use crate::blocking::blocking;

/// Items whose code, name or category contains `query`; every item for a blank query, none before a
/// catalogue is imported.
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn catalogue_search(app: AppHandle, query: String) -> Result<Vec<CatalogueItem>, AppError> {
    blocking(app, move |terminal| Ok(terminal.search_catalogue(&query)?)).await
}
