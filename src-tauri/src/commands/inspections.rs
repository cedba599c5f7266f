//! Inspections: list, create, show, edit, lock.

use fieldtrail_core::{Edit, InspectionSummary, InspectionView};
use fieldtrail_terminal::Terminal;
use tauri::State;

use crate::AppError;
use crate::position::{POSITION_TIMEOUT, PositionSource};
use crate::state::Unlocked;
use crate::views::{InspectionDraft, InspectionEdit};

/// Every inspection in the local store.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub fn list_inspections(terminal: State<'_, Terminal>) -> Result<Vec<InspectionSummary>, AppError> {
    Ok(terminal.list_inspections()?)
}

/// Opens an inspection with its scope (category and region) where the tablet is now (REC-1); returns its id.
/// Async: the position source is waited for off the window's thread.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn create_inspection(
    terminal: State<'_, Terminal>,
    source: State<'_, PositionSource>,
    draft: InspectionDraft,
) -> Result<String, AppError> {
    let id = terminal.create_inspection(&draft.new_inspection(source.current(POSITION_TIMEOUT).await))?;
    terminal.edit(&id, &[draft.scope()])?;
    Ok(id)
}

/// The inspection with its conflicts.
#[tauri::command]
#[tracing::instrument(skip(terminal), err)]
pub fn show_inspection(terminal: State<'_, Terminal>, id: String) -> Result<InspectionView, AppError> {
    Ok(terminal.show(&id)?)
}

/// Applies the officer's edits, all or none.
#[tauri::command]
#[tracing::instrument(skip(terminal, edits), err)]
pub fn edit_inspection(terminal: State<'_, Terminal>, id: String, edits: Vec<InspectionEdit>) -> Result<(), AppError> {
    Ok(terminal.edit(&id, &edits.into_iter().map(Edit::from).collect::<Vec<_>>())?)
}

/// Officer `number` (unlocked) locks the inspection; needs two officers' presentations.
#[tauri::command]
#[tracing::instrument(skip(terminal, unlocked), err)]
pub fn lock_inspection(
    terminal: State<'_, Terminal>,
    unlocked: State<'_, Unlocked>,
    id: String,
    number: String,
) -> Result<(), AppError> {
    Ok(terminal.lock(&id, &*unlocked.get(&number)?)?)
}
