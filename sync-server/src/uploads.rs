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
//!
//! Uploads are owned (SEC-5): only the device that created an upload may read its offset, append to it or read
//! its row; to any other device it does not exist (404). "The server already has these bytes" is told only to a
//! device whose own agency delivered them; anyone else sends the bytes and proves it holds them. Each PATCH's
//! signature covers its `Upload-Offset` and the chunk's Content-Digest (RFC 9530): the chunk is hashed as it is
//! written and, if it does not match, cut off again, so a tampered chunk adds nothing. Each device has a quota
//! of open uploads (count and declared bytes); uploads left idle are closed by [`crate::upload_cleanup`].

use crate::auth::AuthedDevice;
use crate::authz::{Action, Actor, Resource, authorize};
use crate::blobs;
use crate::store::{BlobRow, Store, UploadRow};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use fieldtrail_core::evidence::is_sha256_hex;
use fieldtrail_core::httpsig;
use fieldtrail_core::protocol::ErrorBody;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

/// Largest file accepted: hours of video, far below what a disk cannot take.
pub const MAX_UPLOAD_SIZE: u64 = 64 * 1024 * 1024 * 1024;
/// An open upload idle this long is abandoned (a week: a tablet may stay out of coverage for days).
pub const DEFAULT_ABANDON_AFTER_SECS: u64 = 7 * 24 * 3600;
/// The creation request is a small JSON body.
const MAX_CREATE_BODY: usize = 16 * 1024;
/// How long a PATCH waits for an earlier request on the same upload (a connection the server has not yet
/// noticed is dead) before answering 423.
const LOCK_WAIT: Duration = Duration::from_secs(15);

pub const UPLOAD_OFFSET: &str = httpsig::UPLOAD_OFFSET;
pub const UPLOAD_LENGTH: &str = "upload-length";
pub const UPLOAD_COMPLETE: &str = "upload-complete";
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// What one device may hold open, and when an idle upload counts as abandoned (SEC-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadLimits {
    /// Uploads a device may have open at once; one more is refused (429 `too_many_uploads`).
    pub max_open_uploads: u64,
    /// Bytes a device's open uploads may declare together; more is refused (413 `upload_quota`).
    pub max_open_bytes: u64,
    /// An open upload that received nothing for this long is closed and its bytes deleted, as are stray files
    /// in `uploads/` and `tmp/` this old.
    pub abandon_after: Duration,
    /// How often the server looks for abandoned uploads.
    pub cleanup_every: Duration,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            max_open_uploads: 32,
            // One file of the largest size fits; a terminal sends its files one after the other.
            max_open_bytes: MAX_UPLOAD_SIZE,
            abandon_after: Duration::from_secs(DEFAULT_ABANDON_AFTER_SECS),
            cleanup_every: Duration::from_secs(3600),
        }
    }
}

/// State of the upload routes: their own store handle (one more SQLite connection) and the data directory.
#[derive(Debug)]
pub struct UploadState<S> {
    pub store: S,
    pub data_dir: PathBuf,
    pub limits: UploadLimits,
    /// Signs the log's tree heads when a verified file joins the log (crate::trail).
    pub log_key: Arc<crate::trail::LogKey>,
    /// One writer per upload at a time.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl<S: Store> UploadState<S> {
    pub fn new(store: S, data_dir: PathBuf, log_key: Arc<crate::trail::LogKey>, limits: UploadLimits) -> Self {
        UploadState { store, data_dir, limits, log_key, locks: Mutex::new(HashMap::new()) }
    }

    fn part_path(&self, id: &str) -> PathBuf {
        part_path(&self.data_dir, id)
    }

    fn lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(id.to_owned()).or_default().clone()
    }

    /// Runs `f` on an upload no request is using, or returns `None` at once if one is.
    pub(crate) fn if_idle<R>(&self, id: &str, f: impl FnOnce() -> R) -> Option<R> {
        let lock = self.lock(id);
        let _guard = lock.try_lock().ok()?;
        Some(f())
    }

    /// Forgets the locks no request holds, so the table does not grow with every upload id ever asked about.
    pub(crate) fn forget_idle_locks(&self) {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.retain(|_, l| Arc::strong_count(l) > 1);
    }
}

/// Where the partial bytes of upload `id` are kept.
pub fn part_path(data_dir: &std::path::Path, id: &str) -> PathBuf {
    data_dir.join("uploads").join(format!("{id}.part"))
}

/// SEC-5 through the one authorization of every route (crate::authz): an upload is its creating device's
/// alone; a stored file is known to a device only if its own agency delivered it. Refusals are answered as "no
/// such upload" or "not stored", so they reveal nothing.
fn upload_authorized(device: &AuthedDevice, resource: Resource<'_>) -> bool {
    let action = if matches!(resource, Resource::Upload { .. }) { Action::Upload } else { Action::ReadBlob };
    authorize(&Actor::from(device), action, resource).is_ok()
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
    #[error("the chunk does not match the Content-Digest its signature covers; nothing of it was kept")]
    DigestMismatch,
    #[error("an upload PATCH must be signed over its Upload-Offset and Content-Digest")]
    ChunkNotSigned,
    #[error("device {device} has {open} uploads open, the most allowed; finish or abandon one first")]
    TooManyUploads { device: String, open: u64 },
    #[error("device {device}'s open uploads would declare {bytes} bytes, above its quota of {quota}")]
    Quota { device: String, bytes: u64, quota: u64 },
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
            UploadError::DigestMismatch => "digest_mismatch",
            UploadError::ChunkNotSigned => "chunk_not_signed",
            UploadError::TooManyUploads { .. } => "too_many_uploads",
            UploadError::Quota { .. } => "upload_quota",
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
            UploadError::DigestMismatch => StatusCode::BAD_REQUEST,
            UploadError::ChunkNotSigned => StatusCode::UNAUTHORIZED,
            UploadError::TooManyUploads { .. } => StatusCode::TOO_MANY_REQUESTS,
            UploadError::Quota { .. } => StatusCode::PAYLOAD_TOO_LARGE,
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
            (status, Json(ErrorBody { code: self.code().to_owned(), message: self.to_string(), resume_after: None }))
                .into_response();
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
    axum::Extension(device): axum::Extension<AuthedDevice>,
    body: Bytes,
) -> Result<Response, UploadError> {
    let mut req: CreateUpload = serde_json::from_slice(&body)
        .map_err(|e| UploadError::Bad { code: "bad_body", message: format!("upload creation: {e}") })?;
    // Who uploads is who signed, not what the body claims.
    req.device = device.id.clone();
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
        let holders = s.store.transact(|tx| tx.blob_holders(&req.sha256))?;
        if upload_authorized(&device, Resource::Blob { holders: &holders })
            && blobs::blob_path(&s.data_dir, &req.sha256).exists()
        {
            return Ok((StatusCode::OK, Created { status: "exists", id: None, offset: req.size }));
        }
        let open = s.store.transact(|tx| tx.open_uploads_for(&req.sha256, req.size))?;
        if let Some(open) =
            open.into_iter().find(|u| upload_authorized(&device, Resource::Upload { device: &u.device }))
        {
            let offset = std::fs::metadata(s.part_path(&open.id)).map(|m| m.len()).unwrap_or(0);
            return Ok((StatusCode::OK, Created { status: "open", id: Some(open.id), offset }));
        }
        let id = new_id()?;
        let part = s.part_path(&id);
        let dir = part.parent().unwrap_or(&s.data_dir).to_path_buf();
        std::fs::create_dir_all(&dir)?;
        // SEC-7: the empty part file is on disk before the upload that names it is recorded.
        std::fs::File::create(&part)?.sync_all()?;
        std::fs::File::open(&dir)?.sync_all()?;
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
        let limits = &s.limits;
        // The quota is checked in the transaction that records the upload, so two requests cannot both pass it.
        let recorded = s.store.transact(|tx| {
            let (open, bytes) = tx.open_uploads_of(&device.id)?;
            if open >= limits.max_open_uploads {
                return Ok(Err(UploadError::TooManyUploads { device: device.id.clone(), open }));
            }
            if bytes + row.size > limits.max_open_bytes {
                let quota = limits.max_open_bytes;
                return Ok(Err(UploadError::Quota { device: device.id.clone(), bytes: bytes + row.size, quota }));
            }
            tx.create_upload(&row)?;
            Ok(Ok(()))
        });
        if !matches!(recorded, Ok(Ok(()))) {
            let _ = std::fs::remove_file(&part);
        }
        recorded??;
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

/// `device`'s upload `id`, or not found: another device's upload is answered exactly as one that never existed.
fn owned<S: Store>(s: &UploadState<S>, device: &AuthedDevice, id: &str) -> Result<UploadRow, UploadError> {
    s.store
        .transact(|tx| tx.upload(id))?
        .filter(|row| upload_authorized(device, Resource::Upload { device: &row.device }))
        .ok_or_else(|| UploadError::NotFound(id.to_owned()))
}

/// The upload's row and how many bytes the server holds; complete uploads hold all of them.
async fn position<S: Store>(
    state: &Arc<UploadState<S>>,
    device: AuthedDevice,
    id: String,
) -> Result<(UploadRow, u64), UploadError> {
    blocking(state, move |s| {
        let row = owned(s, &device, &id)?;
        match row.status.as_str() {
            "complete" => Ok((row.clone(), row.size)),
            "open" => match std::fs::metadata(s.part_path(&id)) {
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
            // Rejected for its hash, or abandoned and cleaned up.
            _ => Err(UploadError::Gone(id)),
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
    axum::Extension(device): axum::Extension<AuthedDevice>,
    Path(id): Path<String>,
) -> Result<Response, UploadError> {
    // Wait for a PATCH still writing this upload (its client may have just been cut off), so the offset
    // answered is settled rather than one the next PATCH would contradict.
    let lock = state.lock(&id);
    let _guard = tokio::time::timeout(LOCK_WAIT, lock.lock_owned()).await.map_err(|_| UploadError::Busy(id.clone()))?;
    let (row, offset) = position(&state, device, id).await?;
    Ok((StatusCode::OK, offset_headers(&row, offset)).into_response())
}

async fn show<S: Store>(
    State(state): State<Arc<UploadState<S>>>,
    axum::Extension(device): axum::Extension<AuthedDevice>,
    Path(id): Path<String>,
) -> Result<Json<UploadRow>, UploadError> {
    let row = blocking(&state, move |s| owned(s, &device, &id)).await?;
    Ok(Json(row))
}

async fn patch<S: Store>(
    State(state): State<Arc<UploadState<S>>>,
    axum::Extension(device): axum::Extension<AuthedDevice>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, UploadError> {
    if headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) != Some(OFFSET_OCTET_STREAM) {
        return Err(UploadError::ContentType);
    }
    // The offset and the digest are taken from what the signature covered, never from unsigned headers.
    let chunk = device.upload_chunk.clone().ok_or(UploadError::ChunkNotSigned)?;
    // The body is received by a task of its own: if the client's connection dies, this handler is dropped,
    // but the task still writes what arrived, syncs it and releases the upload for the client's next attempt.
    tokio::spawn(receive(state, device, id, chunk, body))
        .await
        .map_err(|e| UploadError::Storage(format!("upload worker failed: {e}")))?
}

async fn receive<S: Store>(
    state: Arc<UploadState<S>>,
    device: AuthedDevice,
    id: String,
    chunk: httpsig::UploadChunk,
    body: Body,
) -> Result<Response, UploadError> {
    let lock = state.lock(&id);
    let _guard = tokio::time::timeout(LOCK_WAIT, lock.lock_owned()).await.map_err(|_| UploadError::Busy(id.clone()))?;
    let (row, offset) = position(&state, device, id.clone()).await?;
    if row.status == "complete" {
        return Ok((StatusCode::NO_CONTENT, offset_headers(&row, offset)).into_response());
    }
    if chunk.offset != offset {
        return Err(UploadError::OffsetMismatch { claimed: chunk.offset, actual: offset });
    }
    let part = state.part_path(&id);
    let mut file = tokio::fs::OpenOptions::new().write(true).open(&part).await?;
    file.seek(std::io::SeekFrom::Start(offset)).await?;
    let mut body = body;
    let mut received = offset;
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    let mut outcome = Ok(());
    while let Some(frame) = body.frame().await {
        let data = match frame {
            Ok(frame) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue, // trailers
            },
            Err(e) => {
                // A cut connection: keep what arrived, so the client resumes from there. Those bytes are not
                // checked against the chunk's digest (it covers the whole chunk): they are marked, and if the
                // finished file does not hash right the upload goes back to where they begin (`finish`).
                tracing::info!(upload = %id, received, error = %e, "upload body interrupted");
                file.flush().await?;
                file.sync_data().await?;
                if received > offset {
                    let marked = id.clone();
                    blocking(&state, move |s| Ok(s.store.transact(|tx| tx.mark_unverified(&marked, offset))?)).await?;
                }
                return Err(UploadError::Bad { code: "body_interrupted", message: e.to_string() });
            }
        };
        if received + data.len() as u64 > row.size {
            outcome = Err(UploadError::TooLong { size: row.size });
            break;
        }
        file.write_all(&data).await?;
        digest.update(&data);
        received += data.len() as u64;
    }
    if outcome.is_ok() && httpsig::digest_header(digest.finish().as_ref()) != chunk.content_digest {
        outcome = Err(UploadError::DigestMismatch);
    }
    if outcome.is_err() {
        // SEC-5: a chunk that is not the one signed adds nothing: the part file goes back to its old length.
        file.set_len(offset).await?;
        received = offset;
        tracing::warn!(upload = %id, offset, "upload chunk refused and cut off");
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
            // Bytes of a chunk cut short were never checked against a signed digest: they, not the terminal's
            // file, may be what is wrong. Go back to where they begin and let the terminal send them again.
            if let Some(from) = s.store.transact(|tx| tx.take_unverified(&row.id))? {
                let file = std::fs::OpenOptions::new().write(true).open(&part)?;
                file.set_len(from)?;
                file.sync_all()?;
                tracing::warn!(upload = %row.id, from, "upload did not hash right: unchecked bytes to be sent again");
                return Err(UploadError::OffsetMismatch { claimed: row.size, actual: from });
            }
            std::fs::remove_file(&part)?;
            s.store.transact(|tx| tx.finish_upload(&row.id, "rejected", Some("hash_mismatch"), Some(&actual)))?;
            tracing::warn!(upload = %row.id, declared = %row.sha256, %actual, device = %row.device, "upload refused: hash mismatch");
            return Err(UploadError::HashMismatch { declared: row.sha256, actual });
        }
        let dest = blobs::blob_path(&s.data_dir, &row.sha256);
        if dest.exists() {
            // Another upload of the same bytes finished first; both are the same file.
            std::fs::remove_file(&part)?;
        } else {
            // SEC-7: the renamed file and every directory made for it are on disk before the blob is recorded.
            blobs::create_dirs_synced(&s.data_dir, &dest)?;
            std::fs::rename(&part, &dest)?;
            blobs::sync_parent(&dest)?;
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
        // SEC-5: the delivering device's agency has now shown it holds these bytes.
        if let Some(device) = tx.device(&row.device)? {
            tx.add_blob_holder(&blob.sha256, &device.agency)?;
        }
        if new {
            crate::trail::append_evidence(tx, &blob.sha256)?;
            crate::trail::sign_head(tx, &s.log_key)?;
        }
        tx.finish_upload(&row.id, "complete", None, None)
    })?;
    Ok(())
}
