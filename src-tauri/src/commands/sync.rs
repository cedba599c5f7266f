//! Sync: documents with the server, evidence uploads with per-file progress events, and the home screen's status.
//!
//! The ui drives a sync in steps (documents, then each pending file), so each step is one command and the ui
//! shows each file's state as it goes.

use fieldtrail_terminal::{SyncReport, Terminal, TerminalStatus, UploadOptions};
use tauri::{AppHandle, Emitter, State};

use crate::views::{PendingUpload, UPLOAD_PROGRESS_EVENT, UploadProgress, UploadResult};
use crate::{AppError, Settings};

/// Synchronises the local documents with the configured sync server.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn sync_documents(
    terminal: State<'_, Terminal>,
    settings: State<'_, Settings>,
) -> Result<SyncReport, AppError> {
    Ok(terminal.sync(&settings.server).await?)
}

/// The evidence files the server has not confirmed storing, oldest first.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub fn pending_uploads(
    terminal: State<'_, Terminal>,
    settings: State<'_, Settings>,
) -> Result<Vec<PendingUpload>, AppError> {
    let size =
        |sha256: &str| terminal.evidence_path(sha256).ok().and_then(|p| p.metadata().ok()).map_or(0, |m| m.len());
    Ok(terminal
        .evidence_to_upload(&settings.server)?
        .into_iter()
        .map(|s| PendingUpload { size: size(&s), sha256: s })
        .collect())
}

/// Uploads one evidence file, resuming an interrupted upload; emits `upload-progress` after every chunk.
#[tauri::command]
#[tracing::instrument(skip(app, terminal, settings), err)]
pub async fn upload_evidence(
    app: AppHandle,
    terminal: State<'_, Terminal>,
    settings: State<'_, Settings>,
    sha256: String,
) -> Result<UploadResult, AppError> {
    let progress =
        |sent, total| drop(app.emit(UPLOAD_PROGRESS_EVENT, UploadProgress { sha256: sha256.clone(), sent, total }));
    Ok(UploadResult::new(
        &sha256,
        terminal.upload_evidence(&settings.server, &sha256, &UploadOptions::default(), progress).await?,
    ))
}

/// What the home screen shows: last sync, revocation list, unsynced work.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub fn terminal_status(
    terminal: State<'_, Terminal>,
    settings: State<'_, Settings>,
) -> Result<TerminalStatus, AppError> {
    Ok(terminal.status(&settings.server)?)
}
