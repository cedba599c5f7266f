//! Settings: what the app runs with.

use tauri::State;

use crate::Settings;

/// The settings the app was started with.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn get_settings(settings: State<'_, Settings>) -> Settings {
    settings.inner().clone()
}
