//! Sync: documents with the server, evidence uploads with per-file progress on a channel, and the home screen's
//! status.
//!
//! The ui drives a sync in steps (documents, then each pending file), so each step is one command and the ui
//! shows each file's state as it goes.

use fieldtrail_terminal::{SyncProgress, SyncReport, Terminal, TerminalStatus, UploadOptions};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::blocking::blocking;
use crate::views::{PendingUpload, UploadProgress, UploadResult};
use crate::{AppError, Settings};

/// Synchronises the local documents with the configured sync server, telling `progress` after every round. It
/// runs on Tauri's async runtime, never on the main thread.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn sync_documents(
    terminal: State<'_, Terminal>,
    settings: State<'_, Settings>,
    progress: Channel<SyncProgress>,
) -> Result<SyncReport, AppError> {
    Ok(terminal.sync_reporting(&settings.server, |p| drop(progress.send(p))).await?)
}

/// The evidence files the server has not confirmed storing, oldest first.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn pending_uploads(app: AppHandle, settings: State<'_, Settings>) -> Result<Vec<PendingUpload>, AppError> {
    let server = settings.server.clone();
    blocking(app, move |terminal| {
        let size =
            |sha256: &str| terminal.evidence_path(sha256).ok().and_then(|p| p.metadata().ok()).map_or(0, |m| m.len());
        Ok(terminal
            .evidence_to_upload(&server)?
            .into_iter()
            .map(|s| PendingUpload { size: size(&s), sha256: s })
            .collect())
    })
    .await
}

/// Uploads one evidence file, resuming an interrupted upload; sends its progress on `progress` after every chunk.
#[tauri::command]
#[tracing::instrument(skip(terminal, settings, progress), err)]
pub async fn upload_evidence(
    terminal: State<'_, Terminal>,
    settings: State<'_, Settings>,
    sha256: String,
    progress: Channel<UploadProgress>,
) -> Result<UploadResult, AppError> {
    let report = |sent, total| drop(progress.send(UploadProgress { sha256: sha256.clone(), sent, total }));
    Ok(UploadResult::new(
        &sha256,
        terminal.upload_evidence(&settings.server, &sha256, &UploadOptions::default(), report).await?,
    ))
}

/// What the home screen shows: last sync, revocation list, unsynced work.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn terminal_status(app: AppHandle, settings: State<'_, Settings>) -> Result<TerminalStatus, AppError> {
    let server = settings.server.clone();
    blocking(app, move |terminal| Ok(terminal.status(&server)?)).await
}
