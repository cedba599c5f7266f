//! The resumable upload client (SYNC-3), on the tus model (docs/evidence.md): create the upload once, then
//! ask the server its offset and send the rest in chunks. A cut connection, a restarted server or a killed app
//! resumes from the last byte the server holds; a file the server already has is not sent at all.

use crate::error::{Error, Result};
use crate::{Terminal, store};
use fieldtrail_core::protocol::ErrorBody;
use reqwest::StatusCode;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

/// The content type of a PATCH body, as tus names it.
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// How an upload behaves on a bad link.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Bytes per PATCH request. The server keeps whatever part of a chunk arrived, so a larger chunk costs
    /// memory, not retransmission.
    pub chunk_size: usize,
    /// Consecutive failed attempts without any progress before giving up.
    pub max_failures: u32,
    /// Wait before the first retry; doubles per consecutive failure, up to `max_delay`.
    pub retry_delay: Duration,
    pub max_delay: Duration,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            chunk_size: 8 * 1024 * 1024,
            max_failures: 8,
            retry_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum UploadOutcome {
    /// The server already held these bytes; nothing was sent.
    AlreadyOnServer,
    Uploaded {
        /// Body bytes handed to the network, retransmissions included.
        bytes_sent: u64,
        /// The server's offset when this call started (non-zero when it resumed an earlier attempt).
        resumed_from: u64,
        /// Requests that failed and were retried.
        retries: u32,
    },
}

/// `POST /v1/uploads` body.
#[derive(Debug, Serialize)]
struct CreateUpload<'a> {
    sha256: &'a str,
    size: u64,
    media_type: &'a str,
    device: &'a str,
}

/// `POST /v1/uploads` reply.
#[derive(Debug, Deserialize)]
struct Created {
    /// "exists" when the server already holds the blob, else "open".
    status: String,
    id: Option<String>,
}

enum Step {
    /// Transport failure or a server error: wait and try again.
    Retry(String),
    Fatal(Error),
}

impl From<Error> for Step {
    fn from(e: Error) -> Self {
        Step::Fatal(e)
    }
}

pub async fn run(
    terminal: &Terminal,
    server: &str,
    sha256: &str,
    options: &UploadOptions,
    mut progress: impl FnMut(u64, u64),
) -> Result<UploadOutcome> {
    let server = server.trim_end_matches('/');
    let path = terminal.evidence_path(sha256)?;
    let (size, media_type): (i64, String) = terminal.with_conn(|c| {
        c.query_row("SELECT size, media_type FROM evidence_files WHERE sha256 = ?1", [sha256], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or_else(|| Error::EvidenceNotFound(sha256.to_owned()))
    })?;
    let size = size as u64;
    let mut file =
        std::fs::File::open(&path).map_err(|source| Error::EvidenceIo { path: path.display().to_string(), source })?;

    let mut failures = 0u32;
    let mut retries = 0u32;
    let mut bytes_sent = 0u64;
    let mut resumed_from = None;
    let mut delay = options.retry_delay;
    // The server's offset as last confirmed, and at the last failure: progress in between resets the count,
    // so a link that drops every minute still finishes.
    let mut confirmed = 0u64;
    let mut confirmed_at_failure = 0u64;
    let mut buf = Vec::with_capacity(options.chunk_size.min(size as usize));
    loop {
        let step: std::result::Result<Option<UploadOutcome>, Step> = async {
            let id = match saved_upload(terminal, server, sha256)? {
                Some(id) => id,
                None => {
                    let created = create(terminal, server, sha256, size, &media_type).await?;
                    match (created.status.as_str(), created.id) {
                        ("exists", _) => {
                            set_upload(terminal, server, sha256, None, "done")?;
                            progress(size, size);
                            return Ok(Some(UploadOutcome::AlreadyOnServer));
                        }
                        (_, Some(id)) => {
                            set_upload(terminal, server, sha256, Some(&id), "pending")?;
                            id
                        }
                        (status, None) => {
                            return Err(Step::Fatal(Error::BadReply(format!(
                                "upload created as '{status}' without id"
                            ))));
                        }
                    }
                }
            };
            let url = format!("{server}/v1/uploads/{id}");
            let Some((mut offset, complete)) = head(terminal, &url).await? else {
                // The server forgot the upload (expired or rejected): start a new one.
                forget_upload(terminal, server, sha256)?;
                return Err(Step::Retry("the server no longer knows the upload".into()));
            };
            resumed_from.get_or_insert(offset);
            confirmed = offset;
            progress(offset, size);
            if complete {
                set_upload(terminal, server, sha256, Some(&id), "done")?;
                return Ok(Some(done(bytes_sent, resumed_from, retries)));
            }
            while offset < size {
                let len = (size - offset).min(options.chunk_size as u64) as usize;
                buf.resize(len, 0);
                file.seek(SeekFrom::Start(offset))
                    .and_then(|_| file.read_exact(&mut buf))
                    .map_err(|source| Error::EvidenceIo { path: path.display().to_string(), source })?;
                bytes_sent += len as u64;
                let (new_offset, complete) = patch(terminal, &url, offset, &buf, sha256).await?;
                offset = new_offset;
                confirmed = offset;
                progress(offset, size);
                if complete {
                    set_upload(terminal, server, sha256, Some(&id), "done")?;
                    return Ok(Some(done(bytes_sent, resumed_from, retries)));
                }
            }
            // Every byte sent but not confirmed complete: HEAD again to learn what the server concluded.
            Err(Step::Retry("upload not confirmed complete".into()))
        }
        .await;
        match step {
            Ok(Some(outcome)) => return Ok(outcome),
            Ok(None) => {}
            Err(Step::Fatal(e)) => return Err(e),
            Err(Step::Retry(reason)) => {
                retries += 1;
                if confirmed > confirmed_at_failure {
                    failures = 0;
                    delay = options.retry_delay;
                }
                confirmed_at_failure = confirmed;
                failures += 1;
                tracing::debug!(%reason, failures, "evidence upload retrying");
                if failures > options.max_failures {
                    return Err(Error::Unreachable { url: server.to_owned(), reason });
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(options.max_delay);
            }
        }
    }
}

fn done(bytes_sent: u64, resumed_from: Option<u64>, retries: u32) -> UploadOutcome {
    UploadOutcome::Uploaded { bytes_sent, resumed_from: resumed_from.unwrap_or(0), retries }
}

fn saved_upload(terminal: &Terminal, server: &str, sha256: &str) -> Result<Option<String>> {
    terminal.with_conn(|c| {
        Ok(c.query_row(
            "SELECT upload_id FROM evidence_uploads WHERE sha256 = ?1 AND server = ?2 AND status = 'pending'",
            params![sha256, server],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
    })
}

fn set_upload(terminal: &Terminal, server: &str, sha256: &str, id: Option<&str>, status: &str) -> Result<()> {
    terminal.write(|c| {
        c.execute(
            "INSERT INTO evidence_uploads (sha256, server, upload_id, status, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (sha256, server) DO UPDATE SET upload_id = excluded.upload_id, status = excluded.status,
             updated_at = excluded.updated_at",
            params![sha256, server, id, status, store::now()],
        )?;
        Ok(())
    })
}

fn forget_upload(terminal: &Terminal, server: &str, sha256: &str) -> Result<()> {
    terminal.write(|c| {
        c.execute("DELETE FROM evidence_uploads WHERE sha256 = ?1 AND server = ?2", params![sha256, server])?;
        Ok(())
    })
}

fn transport(e: reqwest::Error) -> Step {
    Step::Retry(e.to_string())
}

/// Turns a non-success reply into a retry (server trouble, busy, offset moved) or a fatal refusal.
async fn refusal(resp: reqwest::Response, sha256: &str) -> Step {
    let status = resp.status();
    let bytes = resp.bytes().await.unwrap_or_default();
    let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
    let (code, message) = match body {
        Some(b) => (b.code, b.message),
        None => ("unknown".to_owned(), String::from_utf8_lossy(&bytes).chars().take(200).collect()),
    };
    if code == "hash_mismatch" {
        return Step::Fatal(Error::UploadHashMismatch { sha256: sha256.to_owned() });
    }
    // A chunk damaged on the way (digest_mismatch) is sent again; a full quota may free up (429).
    if status.is_server_error()
        || status == StatusCode::CONFLICT
        || status == StatusCode::LOCKED
        || status == StatusCode::TOO_MANY_REQUESTS
        || code == "digest_mismatch"
    {
        return Step::Retry(format!("{status} {code}: {message}"));
    }
    Step::Fatal(Error::Refused { status: status.as_u16(), code, message })
}

async fn create(
    terminal: &Terminal,
    server: &str,
    sha256: &str,
    size: u64,
    media_type: &str,
) -> std::result::Result<Created, Step> {
    let body = CreateUpload { sha256, size, media_type, device: terminal.device_id() };
    let body = serde_json::to_vec(&body).map_err(|e| Step::Fatal(Error::Invalid(e.to_string())))?;
    let resp = terminal
        .signed(reqwest::Method::POST, &format!("{server}/v1/uploads"), Some(&body))
        .map_err(Step::Fatal)?
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(transport)?;
    if !resp.status().is_success() {
        return Err(refusal(resp, sha256).await);
    }
    let bytes = resp.bytes().await.map_err(transport)?;
    serde_json::from_slice(&bytes).map_err(|e| Step::Fatal(Error::BadReply(format!("upload creation: {e}"))))
}

fn offset_of(headers: &reqwest::header::HeaderMap) -> std::result::Result<u64, Step> {
    headers
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| Step::Fatal(Error::BadReply("no Upload-Offset in the reply".into())))
}

fn complete_of(headers: &reqwest::header::HeaderMap) -> bool {
    headers.get("upload-complete").is_some_and(|v| v == "true")
}

/// The server's offset and whether the upload is complete; `None` if the server does not know the upload.
async fn head(terminal: &Terminal, url: &str) -> std::result::Result<Option<(u64, bool)>, Step> {
    let resp =
        terminal.signed(reqwest::Method::HEAD, url, None).map_err(Step::Fatal)?.send().await.map_err(transport)?;
    match resp.status() {
        StatusCode::NOT_FOUND | StatusCode::GONE => Ok(None),
        s if s.is_success() => Ok(Some((offset_of(resp.headers())?, complete_of(resp.headers())))),
        s if s.is_server_error() => Err(Step::Retry(format!("HEAD {url}: {s}"))),
        s => Err(Step::Fatal(Error::Refused {
            status: s.as_u16(),
            code: "unknown".into(),
            message: format!("HEAD {url}"),
        })),
    }
}

async fn patch(
    terminal: &Terminal,
    url: &str,
    offset: u64,
    chunk: &[u8],
    sha256: &str,
) -> std::result::Result<(u64, bool), Step> {
    let resp = terminal
        .signed_chunk(url, offset, chunk)
        .map_err(Step::Fatal)?
        .header(reqwest::header::CONTENT_TYPE, OFFSET_OCTET_STREAM)
        .body(chunk.to_vec())
        .send()
        .await
        .map_err(transport)?;
    if !resp.status().is_success() {
        return Err(refusal(resp, sha256).await);
    }
    Ok((offset_of(resp.headers())?, complete_of(resp.headers())))
}
