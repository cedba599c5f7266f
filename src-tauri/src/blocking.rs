//! Runs the terminal's blocking work off the window's main thread.
//!
//! Tauri runs a synchronous command on the main thread, the one that also paints the window and answers taps: a
//! database read, a file hashed, an Argon2 PIN check there freezes the screen for as long as it takes. So every
//! command that touches the terminal is `async` and hands its work to [`blocking`], which runs it on Tauri's pool
//! of blocking threads. The [`Terminal`] is reached through the `AppHandle` (managed state lives as long as the
//! app), and guards its SQLite connection with a mutex, so two commands running at once stay correct.

use fieldtrail_terminal::Terminal;
use tauri::{AppHandle, Manager};

use crate::AppError;

/// Runs `work` with the app's terminal on a blocking thread and returns its result.
///
/// # Errors
///
/// What `work` returns, or `unknown` when it panicked (the app keeps running).
pub async fn blocking<R, F>(app: AppHandle, work: F) -> Result<R, AppError>
where
    R: Send + 'static,
    F: FnOnce(&Terminal) -> Result<R, AppError> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(move || work(&app.state::<Terminal>()))
        .await
        .map_err(|e| AppError::new("unknown", format!("the command's work stopped: {e}")))?
}
