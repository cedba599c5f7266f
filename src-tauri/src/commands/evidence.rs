//! Evidence: import a file, take the webview's capture as bytes or a large file in pieces, list an inspection's
//! evidence with thumbnails.
//!
//! Thumbnails travel as `data:` URLs rather than through Tauri's asset protocol: they are JPEGs of at most
//! 320 px (tens of kB), the CSP already allows `data:` images, and the asset protocol would need a filesystem
//! scope opening the evidence store to the webview.
//!
//! A large file (a video) comes in pieces through [`begin_incoming`], [`append_incoming`] and
//! [`add_evidence_incoming`]: one IPC message holding the whole file would be read on the window's main thread.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fieldtrail_core::Evidence;
use fieldtrail_terminal::Capture;
use tauri::ipc::{Channel, InvokeBody, Request};
use tauri::{AppHandle, Manager, State};

use crate::AppError;
use crate::blocking::blocking;
use crate::position::{POSITION_TIMEOUT, PositionSource};
use crate::state::Unlocked;
use crate::views::{EvidenceItem, IntakeProgress, image_data_url};

/// Imports the file at `path` into inspection `inspection_id`, signed by unlocked officer `number` with where
/// the tablet is now (REC-2); reports the bytes hashed and stored so far on `progress`.
#[tauri::command]
#[tracing::instrument(skip(app, unlocked, source, progress), err)]
pub async fn import_evidence(
    app: AppHandle,
    unlocked: State<'_, Unlocked>,
    source: State<'_, PositionSource>,
    inspection_id: String,
    number: String,
    path: String,
    progress: Channel<IntakeProgress>,
) -> Result<Evidence, AppError> {
    let position = source.current(POSITION_TIMEOUT).await;
    let capture = Capture { signer: Some(unlocked.get(&number)?), position, ..Capture::default() };
    blocking(app, move |terminal| {
        Ok(terminal.add_evidence_file_reporting(
            &inspection_id,
            path.as_ref(),
            &capture,
            IntakeProgress::to(&progress),
        )?)
    })
    .await
}

/// Takes a capture or a picked file as the raw request body (no JSON, no base64 of the media); the headers
/// `inspection-id`, `officer` and `file-name` (base64 of UTF-8) say where it goes and who signs it; the
/// position is asked for now (REC-2).
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn add_evidence_bytes(
    request: Request<'_>,
    app: AppHandle,
    unlocked: State<'_, Unlocked>,
    source: State<'_, PositionSource>,
) -> Result<Evidence, AppError> {
    let position = source.current(POSITION_TIMEOUT).await;
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(AppError::new("invalid_input", "add_evidence_bytes takes the file's bytes as the raw body"));
    };
    let name = STANDARD.decode(header("file-name")).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_default();
    let capture =
        Capture { signer: Some(unlocked.get(header("officer"))?), original_name: name, position, ..Capture::default() };
    // The request borrows its body: the pool needs its own copy (a capture, a few MB; large files come in pieces).
    let (id, bytes) = (header("inspection-id").to_owned(), bytes.clone());
    blocking(app, move |terminal| Ok(terminal.add_evidence(&id, bytes.as_slice(), &capture)?)).await
}

/// Starts a large file that the ui will send in pieces; returns its id.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn begin_incoming(app: AppHandle) -> Result<String, AppError> {
    blocking(app, |terminal| Ok(terminal.begin_incoming()?)).await
}

/// One piece of incoming file `incoming` (header), as the raw request body; returns the bytes received so far.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn append_incoming(request: Request<'_>, app: AppHandle) -> Result<u64, AppError> {
    let InvokeBody::Raw(piece) = request.body() else {
        return Err(AppError::new("invalid_input", "append_incoming takes the piece's bytes as the raw body"));
    };
    let id = request.headers().get("incoming").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let piece = piece.clone();
    blocking(app, move |terminal| Ok(terminal.append_incoming(&id, &piece)?)).await
}

/// Takes the complete incoming file `incoming` into inspection `inspection_id`, signed by unlocked officer
/// `number`; reports the bytes hashed and stored so far on `progress`.
#[tauri::command]
#[tracing::instrument(skip(app, unlocked, progress), err)]
pub async fn add_evidence_incoming(
    app: AppHandle,
    unlocked: State<'_, Unlocked>,
    inspection_id: String,
    number: String,
    incoming: String,
    file_name: String,
    progress: Channel<IntakeProgress>,
) -> Result<Evidence, AppError> {
    // The position source comes from the app's state: one argument fewer than the command's other inputs.
    let position = app.state::<PositionSource>().current(POSITION_TIMEOUT).await;
    let capture =
        Capture { signer: Some(unlocked.get(&number)?), original_name: file_name, position, ..Capture::default() };
    blocking(app, move |terminal| {
        Ok(terminal.add_evidence_incoming(&inspection_id, &incoming, &capture, IntakeProgress::to(&progress))?)
    })
    .await
}

/// Forgets incoming file `incoming` (cancelled, or a piece failed).
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn discard_incoming(app: AppHandle, incoming: String) -> Result<(), AppError> {
    blocking(app, move |terminal| Ok(terminal.discard_incoming(&incoming)?)).await
}

/// The inspection's evidence, each photo with its thumbnail.
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn list_evidence(app: AppHandle, inspection_id: String) -> Result<Vec<EvidenceItem>, AppError> {
    blocking(app, move |terminal| {
        let thumbnail =
            |sha256: &str| terminal.evidence_thumbnail(sha256).ok().flatten().and_then(|p| std::fs::read(p).ok());
        Ok(terminal
            .list_evidence(&inspection_id)?
            .into_iter()
            .map(|evidence| EvidenceItem {
                thumbnail: thumbnail(&evidence.sha256).map(|b| image_data_url(&b)),
                evidence,
            })
            .collect())
    })
    .await
}
