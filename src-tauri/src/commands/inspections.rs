//! Inspections: list, create, show, edit, end and lock.

use fieldtrail_core::{Edit, InspectionView};
use fieldtrail_terminal::{InspectionPage, ListCursor, Terminal};
use tauri::State;

use crate::AppError;
use crate::state::Unlocked;
use crate::views::{InspectionDraft, InspectionEdit};

/// A page of the inspections in the local store, newest start first: up to `limit` after `cursor`.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub fn list_inspections(
    terminal: State<'_, Terminal>,
    cursor: Option<ListCursor>,
    limit: u32,
) -> Result<InspectionPage, AppError> {
    Ok(terminal.inspection_page(cursor.as_ref(), limit)?)
}

/// Opens an inspection with its scope (category and region); returns its id.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub fn create_inspection(terminal: State<'_, Terminal>, draft: InspectionDraft) -> Result<String, AppError> {
    let id = terminal.create_inspection(&draft.new_inspection())?;
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

/// Officer `number` (unlocked) applies `edits` (the unsaved ones), ends and locks the inspection: all of it or
/// nothing (two officers must have presented).
#[tauri::command]
#[tracing::instrument(skip(terminal, unlocked, edits), err)]
pub fn lock_inspection(
    terminal: State<'_, Terminal>,
    unlocked: State<'_, Unlocked>,
    id: String,
    number: String,
    edits: Vec<InspectionEdit>,
) -> Result<(), AppError> {
    let edits: Vec<Edit> = edits.into_iter().map(Edit::from).collect();
    Ok(terminal.end_and_lock(&id, &edits, &*unlocked.get(&number)?)?)
}
