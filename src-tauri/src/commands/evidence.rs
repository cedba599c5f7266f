//! Evidence: import a file, take the webview's capture as bytes, list an inspection's evidence with thumbnails.
//!
//! Thumbnails travel as `data:` URLs rather than through Tauri's asset protocol: they are JPEGs of at most
//! 320 px (tens of kB), the CSP already allows `data:` images, and the asset protocol would need a filesystem
//! scope opening the evidence store to the webview.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fieldtrail_core::Evidence;
use fieldtrail_terminal::{Capture, Terminal};
use tauri::State;
use tauri::ipc::{InvokeBody, Request};

use crate::AppError;
use crate::position::{POSITION_TIMEOUT, PositionSource};
use crate::state::Unlocked;
use crate::views::{EvidenceItem, image_data_url};

/// Imports the file at `path` into inspection `inspection_id`, signed by unlocked officer `number` with where
/// the tablet is now (REC-2).
#[tauri::command]
#[tracing::instrument(skip(terminal, unlocked, source), err)]
pub async fn import_evidence(
    terminal: State<'_, Terminal>,
    unlocked: State<'_, Unlocked>,
    source: State<'_, PositionSource>,
    inspection_id: String,
    number: String,
    path: String,
) -> Result<Evidence, AppError> {
    let position = source.current(POSITION_TIMEOUT).await;
    let capture = Capture { signer: Some(unlocked.get(&number)?), position, ..Capture::default() };
    Ok(terminal.add_evidence_file(&inspection_id, std::path::Path::new(&path), &capture)?)
}

/// Takes a capture or a picked file as the raw request body (no JSON, no base64 of the media); the headers
/// `inspection-id`, `officer` and `file-name` (base64 of UTF-8) say where it goes and who signs it; the
/// position is asked for now (REC-2).
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn add_evidence_bytes(
    request: Request<'_>,
    terminal: State<'_, Terminal>,
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
    Ok(terminal.add_evidence(header("inspection-id"), bytes.as_slice(), &capture)?)
}

/// The inspection's evidence, each photo with its thumbnail.
#[tauri::command]
#[tracing::instrument(skip(terminal), err)]
pub fn list_evidence(terminal: State<'_, Terminal>, inspection_id: String) -> Result<Vec<EvidenceItem>, AppError> {
    let thumbnail =
        |sha256: &str| terminal.evidence_thumbnail(sha256).ok().flatten().and_then(|p| std::fs::read(p).ok());
    Ok(terminal
        .list_evidence(&inspection_id)?
        .into_iter()
        .map(|evidence| EvidenceItem { thumbnail: thumbnail(&evidence.sha256).map(|b| image_data_url(&b)), evidence })
        .collect())
}
