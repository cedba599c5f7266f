//! Inspections: list them, sync them with the server.

use fieldtrail_core::InspectionSummary;
use fieldtrail_terminal::{SyncReport, Terminal};
use tauri::State;

use crate::AppError;

/// Every inspection in the local store.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub fn list_inspections(terminal: State<'_, Terminal>) -> Result<Vec<InspectionSummary>, AppError> {
    Ok(terminal.list_inspections()?)
}

/// Synchronises the local store with the sync server at `server`.
#[tauri::command]
#[tracing::instrument(skip(terminal), err)]
pub async fn sync_now(terminal: State<'_, Terminal>, server: String) -> Result<SyncReport, AppError> {
    Ok(terminal.sync(&server).await?)
}
