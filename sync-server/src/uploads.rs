//! Resumable evidence uploads (SYNC-3, SYNC-4), on the model of the tus protocol (docs/evidence.md):
//!
//! - `POST /v1/uploads` declares a file by SHA-256 and size; the reply says `exists` (nothing to send) or gives
//!   an upload id. An open upload of the same bytes is handed back, so a terminal that lost its id resumes.
//! - `HEAD /v1/uploads/{id}` answers `Upload-Offset`: how many bytes the server holds.
//! - `PATCH /v1/uploads/{id}` with `Upload-Offset` appends its body, streamed to `uploads/<id>.part`, never
//!   buffered whole. Whatever part of a body arrives before a cut is kept, so the next attempt sends only the
//!   rest. When the last byte arrives the file is hashed; it is kept under `blobs/ab/cd/<sha256>` only if the
//!   hash matches the declared one. A mismatch is refused, recorded, and its bytes deleted.
//!
//! The offset is the partial file's length and the upload's state is a row in the server's database, so an
//! upload survives a server restart.

use crate::blobs;
use crate::store::{BlobRow, Store, UploadRow};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use fieldtrail_core::evidence::is_sha256_hex;
use fieldtrail_core::protocol::ErrorBody;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Largest file accepted: hours of video, far below what a disk cannot take.
pub const MAX_UPLOAD_SIZE: u64 = 64 * 1024 * 1024 * 1024;
/// The creation request is a small JSON body.
const MAX_CREATE_BODY: usize = 16 * 1024;
/// How long a PATCH waits for an earlier request on the same upload (a connection the server has not yet
/// noticed is dead) before answering 423.
const LOCK_WAIT: Duration = Duration::from_secs(15);

pub const UPLOAD_OFFSET: &str = "upload-offset";
pub const UPLOAD_LENGTH: &str = "upload-length";
pub const UPLOAD_COMPLETE: &str = "upload-complete";
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// State of the upload routes: their own store handle (one more SQLite connection) and the data directory.
#[derive(Debug)]
pub struct UploadState<S> {
    pub store: S,
    pub data_dir: PathBuf,
    /// Signs the log's tree heads when a verified file joins the log (crate::trail).
    pub log_key: Arc<crate::trail::LogKey>,
    /// One writer per upload at a time.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl<S: Store> UploadState<S> {
    pub fn new(store: S, data_dir: PathBuf, log_key: Arc<crate::trail::LogKey>) -> Self {
        UploadState { store, data_dir, log_key, locks: Mutex::new(HashMap::new()) }
    }

    fn part_path(&self, id: &str) -> PathBuf {
        self.data_dir.join("uploads").join(format!("{id}.part"))
    }

    fn lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(id.to_owned()).or_default().clone()
    }
}

/// The upload routes.
pub fn router<S: Store>(state: Arc<UploadState<S>>) -> Router {
    Router::new()
        .route("/v1/uploads", post(create::<S>).layer(DefaultBodyLimit::max(MAX_CREATE_BODY)))
        // PATCH bodies are streamed, and limited by the declared size of the upload rather than a fixed cap.
        .route("/v1/uploads/{id}", axum::routing::head(head::<S>).patch(patch::<S>).get(show::<S>))
        .with_state(state)
}

/// Why an upload request failed; each becomes a status and a stable code in an [`ErrorBody`].
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{message}")]
    Bad { code: &'static str, message: String },
    #[error("no upload {0}")]
    NotFound(String),
    #[error("upload {0} was refused earlier; create a new one")]
    Gone(String),
    #[error("the server holds {actual} bytes of this upload, not {claimed}")]
    OffsetMismatch { claimed: u64, actual: u64 },
    #[error("another request is writing upload {0}")]
    Busy(String),
    #[error("PATCH bodies must be {OFFSET_OCTET_STREAM}")]
    ContentType,
    #[error("the body goes beyond the upload's declared length of {size} bytes")]
    TooLong { size: u64 },
    #[error("the bytes received hash to {actual}, not the declared {declared}; nothing was kept")]
    HashMismatch { declared: String, actual: String },
    #[error("storage failed: {0}")]
    Storage(String),
}

impl UploadError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            UploadError::Bad { code, .. } => code,
            UploadError::NotFound(_) => "not_found",
            UploadError::Gone(_) => "upload_gone",
            UploadError::OffsetMismatch { .. } => "offset_mismatch",
            UploadError::Busy(_) => "upload_busy",
            UploadError::ContentType => "bad_content_type",
            UploadError::TooLong { .. } => "beyond_length",
            UploadError::HashMismatch { .. } => "hash_mismatch",
            UploadError::Storage(_) => "storage",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            UploadError::Bad { .. } => StatusCode::BAD_REQUEST,
            UploadError::NotFound(_) => StatusCode::NOT_FOUND,
            UploadError::Gone(_) => StatusCode::GONE,
            UploadError::OffsetMismatch { .. } => StatusCode::CONFLICT,
            UploadError::Busy(_) => StatusCode::LOCKED,
            UploadError::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            UploadError::TooLong { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            UploadError::HashMismatch { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            UploadError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<crate::ApiError> for UploadError {
    fn from(e: crate::ApiError) -> Self {
        UploadError::Storage(e.to_string())
    }
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        UploadError::Storage(e.to_string())
    }
}

impl IntoResponse for UploadError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "upload failed");
        } else {
            tracing::info!(error = %self, code = self.code(), "upload refused");
        }
        let offset = match &self {
            UploadError::OffsetMismatch { actual, .. } => Some(*actual),
            _ => None,
        };
        let mut resp =
            (status, Json(ErrorBody { code: self.code().to_owned(), message: self.to_string() })).into_response();
        if let Some(offset) = offset {
            resp.headers_mut().insert(UPLOAD_OFFSET, HeaderValue::from(offset));
        }
        resp
    }
}

async fn blocking<S: Store, R: Send + 'static>(
    state: &Arc<UploadState<S>>,
    f: impl FnOnce(&UploadState<S>) -> Result<R, UploadError> + Send + 'static,
) -> Result<R, UploadError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || f(&state))
        .await
        .map_err(|e| UploadError::Storage(format!("worker failed: {e}")))?
}

/// `POST /v1/uploads` body.
#[derive(Debug, Deserialize)]
pub struct CreateUpload {
    pub sha256: String,
    pub size: u64,
    #[serde(default)]
    pub media_type: String,
    #[serde(default)]
    pub device: String,
}

/// `POST /v1/uploads` reply.
#[derive(Debug, Serialize)]
pub struct Created {
    /// `exists`: the server holds these bytes, send nothing. `open`: send from `offset`.
    pub status: &'static str,
    pub id: Option<String>,
    pub offset: u64,
}

async fn create<S: Store>(
    State(state): State<Arc<UploadState<S>>>,
    axum::Extension(device): axum::Extension<crate::auth::AuthedDevice>,
    body: Bytes,
) -> Result<Response, UploadError> {
    let mut req: CreateUpload = serde_json::from_slice(&body)
        .map_err(|e| UploadError::Bad { code: "bad_body", message: format!("upload creation: {e}") })?;
    // Who uploads is who signed, not what the body claims.
    let actor = crate::authz::Actor::from(&device);
    req.device = device.id;
    if !is_sha256_hex(&req.sha256) {
        return Err(UploadError::Bad { code: "bad_sha256", message: "sha256 must be 64 lowercase hex digits".into() });
    }
    if req.size == 0 || req.size > MAX_UPLOAD_SIZE {
        return Err(UploadError::Bad {
            code: "bad_size",
            message: format!("size must be between 1 and {MAX_UPLOAD_SIZE} bytes"),
        });
    }
    let (status, created) = blocking(&state, move |s| {
        // SEC-1: "the server has it" is said only to an agency whose devices delivered it; others send the bytes.
        let known = s.store.transact(|tx| {
            let holders = tx.blob_agencies(&req.sha256)?;
            let blob = crate::authz::Resource::Blob { holders: &holders };
            Ok(tx.blob(&req.sha256)?.is_some()
                && crate::authz::authorize(&actor, crate::authz::Action::ReadBlob, blob).is_ok())
        })?;
        if known && blobs::blob_path(&s.data_dir, &req.sha256).exists() {
            return Ok((StatusCode::OK, Created { status: "exists", id: None, offset: req.size }));
        }
        if let Some(open) = s.store.transact(|tx| tx.open_upload_for(&req.sha256, req.size))? {
            let offset = std::fs::metadata(s.part_path(&open.id)).map(|m| m.len()).unwrap_or(0);
            return Ok((StatusCode::OK, Created { status: "open", id: Some(open.id), offset }));
        }
        let id = new_id()?;
        let part = s.part_path(&id);
        if let Some(dir) = part.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::File::create(&part)?;
        let now = chrono::Utc::now().to_rfc3339();
        let row = UploadRow {
            id: id.clone(),
            sha256: req.sha256,
            size: req.size,
            media_type: req.media_type,
            device: req.device,
            status: "open".into(),
            error: None,
            actual_sha256: None,
            created_at: now.clone(),
            updated_at: now,
        };
        s.store.transact(|tx| tx.create_upload(&row))?;
        Ok((StatusCode::CREATED, Created { status: "open", id: Some(id), offset: 0 }))
    })
    .await?;
    let mut resp = (status, Json(&created)).into_response();
    if let Some(id) = &created.id
        && let Ok(location) = HeaderValue::from_str(&format!("/v1/uploads/{id}"))
    {
        resp.headers_mut().insert(header::LOCATION, location);
    }
    Ok(resp)
}

fn new_id() -> Result<String, UploadError> {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| UploadError::Storage("no randomness for an upload id".into()))?;
    Ok(hex::encode(bytes))
}

/// The upload's row and how many bytes the server holds; complete uploads hold all of them.
async fn position<S: Store>(state: &Arc<UploadState<S>>, id: String) -> Result<(UploadRow, u64), UploadError> {
    blocking(state, move |s| {
        let row = s.store.transact(|tx| tx.upload(&id))?.ok_or_else(|| UploadError::NotFound(id.clone()))?;
        match row.status.as_str() {
            "complete" => Ok((row.clone(), row.size)),
            "rejected" => Err(UploadError::Gone(id)),
            _ => match std::fs::metadata(s.part_path(&id)) {
                Ok(m) => Ok((row, m.len())),
                // The part was renamed into the store but the server stopped before recording it: finish now.
                Err(_) if blobs::blob_path(&s.data_dir, &row.sha256).exists() => {
                    record_blob(s, &row)?;
                    let size = row.size;
                    Ok((UploadRow { status: "complete".into(), ..row }, size))
                }
                // The partial bytes are gone (deleted by hand, or a crash between refusing a mismatch and
                // recording it): close the upload so the terminal starts a new one instead of retrying forever.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    s.store.transact(|tx| tx.finish_upload(&id, "rejected", Some("partial_file_lost"), None))?;
                    Err(UploadError::Gone(id))
                }
                Err(e) => Err(UploadError::Storage(format!("upload {id}: {e}"))),
            },
        }
    })
    .await
}

fn offset_headers(row: &UploadRow, offset: u64) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(offset));
    h.insert(UPLOAD_LENGTH, HeaderValue::from(row.size));
    h.insert(UPLOAD_COMPLETE, HeaderValue::from_static(if row.status == "complete" { "true" } else { "false" }));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h
}

async fn head<S: Store>(
    State(state): State<Arc<UploadState<S>>>,
    Path(id): Path<String>,
) -> Result<Response, UploadError> {
    // Wait for a PATCH still writing this upload (its client may have just been cut off), so the offset
    // answered is settled rather than one the next PATCH would contradict.
    let lock = state.lock(&id);
    let _guard = tokio::time::timeout(LOCK_WAIT, lock.lock_owned()).await.map_err(|_| UploadError::Busy(id.clone()))?;
    let (row, offset) = position(&state, id).await?;
    Ok((StatusCode::OK, offset_headers(&row, offset)).into_response())
}

async fn show<S: Store>(
    State(state): State<Arc<UploadState<S>>>,
    Path(id): Path<String>,
) -> Result<Json<UploadRow>, UploadError> {
    let row = blocking(&state, move |s| {
        s.store.transact(|tx| tx.upload(&id))?.ok_or_else(|| UploadError::NotFound(id.clone()))
    })
    .await?;
    Ok(Json(row))
}

async fn patch<S: Store>(
    State(state): State<Arc<UploadState<S>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, UploadError> {
    if headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) != Some(OFFSET_OCTET_STREAM) {
        return Err(UploadError::ContentType);
    }
    let claimed: u64 = headers
        .get(UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or(UploadError::Bad { code: "bad_offset", message: "PATCH needs an Upload-Offset header".into() })?;
    // The body is received by a task of its own: if the client's connection dies, this handler is dropped,
    // but the task still writes what arrived, syncs it and releases the upload for the client's next attempt.
    tokio::spawn(receive(state, id, claimed, body))
        .await
        .map_err(|e| UploadError::Storage(format!("upload worker failed: {e}")))?
}

async fn receive<S: Store>(
    state: Arc<UploadState<S>>,
    id: String,
    claimed: u64,
    body: Body,
) -> Result<Response, UploadError> {
    let lock = state.lock(&id);
    let _guard = tokio::time::timeout(LOCK_WAIT, lock.lock_owned()).await.map_err(|_| UploadError::Busy(id.clone()))?;
    let (row, offset) = position(&state, id.clone()).await?;
    if row.status == "complete" {
        return Ok((StatusCode::NO_CONTENT, offset_headers(&row, offset)).into_response());
    }
    if claimed != offset {
        return Err(UploadError::OffsetMismatch { claimed, actual: offset });
    }
    let part = state.part_path(&id);
    let mut file = tokio::fs::OpenOptions::new().append(true).open(&part).await?;
    let mut body = body;
    let mut received = offset;
    let mut outcome = Ok(());
    while let Some(frame) = body.frame().await {
        let data = match frame {
            Ok(frame) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue, // trailers
            },
            Err(e) => {
                // A cut connection: keep what arrived; the client resumes from there.
                tracing::info!(upload = %id, received, error = %e, "upload body interrupted");
                outcome = Err(UploadError::Bad { code: "body_interrupted", message: e.to_string() });
                break;
            }
        };
        if received + data.len() as u64 > row.size {
            outcome = Err(UploadError::TooLong { size: row.size });
            break;
        }
        file.write_all(&data).await?;
        received += data.len() as u64;
    }
    file.flush().await?;
    file.sync_data().await?;
    drop(file);
    outcome?;
    if received < row.size {
        return Ok((StatusCode::NO_CONTENT, offset_headers(&row, received)).into_response());
    }
    let row = finish(&state, row).await?;
    Ok((StatusCode::NO_CONTENT, offset_headers(&row, row.size)).into_response())
}

/// Hashes a fully received upload; keeps it under its hash only if the hash is the declared one (SYNC-4).
async fn finish<S: Store>(state: &Arc<UploadState<S>>, row: UploadRow) -> Result<UploadRow, UploadError> {
    blocking(state, move |s| {
        let part = s.part_path(&row.id);
        let (actual, size) = blobs::hash_file(&part)?;
        if actual != row.sha256 || size != row.size {
            std::fs::remove_file(&part)?;
            s.store.transact(|tx| tx.finish_upload(&row.id, "rejected", Some("hash_mismatch"), Some(&actual)))?;
            tracing::warn!(upload = %row.id, declared = %row.sha256, %actual, device = %row.device, "upload refused: hash mismatch");
            return Err(UploadError::HashMismatch { declared: row.sha256, actual });
        }
        let dest = blobs::blob_path(&s.data_dir, &row.sha256);
        let dir = dest.parent().unwrap_or(&s.data_dir).to_path_buf();
        std::fs::create_dir_all(&dir)?;
        if dest.exists() {
            // Another upload of the same bytes finished first; both are the same file.
            std::fs::remove_file(&part)?;
        } else {
            std::fs::rename(&part, &dest)?;
            std::fs::File::open(&dir)?.sync_all()?;
        }
        record_blob(s, &row)?;
        tracing::info!(upload = %row.id, sha256 = %row.sha256, size = row.size, "evidence stored");
        Ok(UploadRow { status: "complete".into(), ..row })
    })
    .await
}

fn record_blob<S: Store>(s: &UploadState<S>, row: &UploadRow) -> Result<(), UploadError> {
    let blob = BlobRow {
        sha256: row.sha256.clone(),
        size: row.size,
        media_type: row.media_type.clone(),
        device: row.device.clone(),
        upload_id: row.id.clone(),
        received_at: chrono::Utc::now().to_rfc3339(),
    };
    s.store.transact(|tx| {
        // TRAIL-2: a file joins the log once, when it is first kept.
        let new = tx.blob(&blob.sha256)?.is_none();
        tx.insert_blob(&blob)?;
        if new {
            crate::trail::append_evidence(tx, &blob.sha256)?;
            crate::trail::sign_head(tx, &s.log_key)?;
        }
        tx.finish_upload(&row.id, "complete", None, None)
    })?;
    Ok(())
}
