//! Inspections: list, create, show, edit, end and lock.

use fieldtrail_core::{Edit, InspectionView};
use fieldtrail_terminal::{InspectionPage, ListCursor};
use tauri::{AppHandle, State};

use crate::AppError;
use crate::blocking::blocking;
use crate::position::{POSITION_TIMEOUT, PositionSource};
use crate::state::Unlocked;
use crate::views::{InspectionDraft, InspectionEdit};

/// A page of the inspections in the local store, newest start first: up to `limit` after `cursor`.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn list_inspections(
    app: AppHandle,
    cursor: Option<ListCursor>,
    limit: u32,
) -> Result<InspectionPage, AppError> {
    blocking(app, move |terminal| Ok(terminal.inspection_page(cursor.as_ref(), limit)?)).await
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

/// Officer `number` (unlocked) applies `edits` (the unsaved ones), ends and locks the inspection: all of it or
/// nothing (two officers must have presented).
#[tauri::command]
#[tracing::instrument(skip(app, unlocked, edits), err)]
pub async fn lock_inspection(
    app: AppHandle,
    unlocked: State<'_, Unlocked>,
    id: String,
    number: String,
    edits: Vec<InspectionEdit>,
) -> Result<(), AppError> {
    let (officer, edits) = (unlocked.get(&number)?, edits.into_iter().map(Edit::from).collect::<Vec<_>>());
    blocking(app, move |terminal| Ok(terminal.end_and_lock(&id, &edits, &officer)?)).await
}
