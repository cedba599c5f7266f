//! Conflicts (SYNC-2): the officer resolves one by picking a value or writing a new one.

use fieldtrail_terminal::Terminal;
use tauri::State;

use crate::AppError;

/// Sets `field` of inspection `id` to `value`, one ordinary edit that replaces every concurrent value.
#[tauri::command]
#[tracing::instrument(skip(terminal, value), err)]
pub fn resolve_conflict(
    terminal: State<'_, Terminal>,
    id: String,
    field: String,
    value: String,
) -> Result<(), AppError> {
    Ok(terminal.resolve_conflict(&id, &field, &value)?)
}
