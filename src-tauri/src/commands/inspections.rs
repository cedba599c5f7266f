//! Inspections: list, create, show, edit, lock.

use fieldtrail_core::{Edit, InspectionSummary, InspectionView};
use tauri::{AppHandle, State};

use crate::AppError;
use crate::blocking::blocking;
use crate::position::{POSITION_TIMEOUT, PositionSource};
use crate::state::Unlocked;
use crate::views::{InspectionDraft, InspectionEdit};

/// Every inspection in the local store.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn list_inspections(app: AppHandle) -> Result<Vec<InspectionSummary>, AppError> {
    blocking(app, |terminal| Ok(terminal.list_inspections()?)).await
}

/// Opens an inspection with its scope (category and region) where the tablet is now (REC-1); returns its id.
/// Async: the position source is waited for off the window's thread.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn create_inspection(
    app: AppHandle,
    source: State<'_, PositionSource>,
    draft: InspectionDraft,
) -> Result<String, AppError> {
    let new = draft.new_inspection(source.current(POSITION_TIMEOUT).await);
    blocking(app, move |terminal| {
        let id = terminal.create_inspection(&new)?;
        terminal.edit(&id, &[draft.scope()])?;
        Ok(id)
    })
    .await
}

/// The inspection with its conflicts.
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn show_inspection(app: AppHandle, id: String) -> Result<InspectionView, AppError> {
    blocking(app, move |terminal| Ok(terminal.show(&id)?)).await
}

/// Applies the officer's edits, all or none.
#[tauri::command]
#[tracing::instrument(skip(app, edits), err)]
pub async fn edit_inspection(app: AppHandle, id: String, edits: Vec<InspectionEdit>) -> Result<(), AppError> {
    blocking(app, move |terminal| Ok(terminal.edit(&id, &edits.into_iter().map(Edit::from).collect::<Vec<_>>())?)).await
}

/// Officer `number` (unlocked) locks the inspection; needs two officers' presentations.
#[tauri::command]
#[tracing::instrument(skip(app, unlocked), err)]
pub async fn lock_inspection(
    app: AppHandle,
    unlocked: State<'_, Unlocked>,
    id: String,
    number: String,
) -> Result<(), AppError> {
    let officer = unlocked.get(&number)?;
    blocking(app, move |terminal| Ok(terminal.lock(&id, &officer)?)).await
}
