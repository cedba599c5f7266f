//! The item catalogue (执法事项清单): searched when the officer opens an inspection.

use fieldtrail_core::CatalogueItem;
use fieldtrail_terminal::Terminal;
use tauri::State;

use crate::AppError;

/// Items whose code, name or category contains `query`; every item for a blank query, none before a
/// catalogue is imported.
#[tauri::command]
#[tracing::instrument(skip(terminal), err)]
pub fn catalogue_search(terminal: State<'_, Terminal>, query: String) -> Result<Vec<CatalogueItem>, AppError> {
    Ok(terminal.search_catalogue(&query)?)
}
