//! Device authentication: every request to a protected route carries a signature by a registered, active
//! terminal's key (RFC 9421 model, `fieldtrail_core::httpsig`), and a counter never used before. The check runs
//! before any handler; a refused request writes nothing (a counter is recorded only once the whole request,
//! body included, proved to be the device's).
//!
//! Limits before trust (SEC-4): the signature covers the Content-Digest *header*, so who signed, whether that
//! device is active and whether its counter is fresh are all decided from the headers, before one byte of the
//! body is read. Only then is the body read, within the size limit, and checked against the signed digest.

use crate::ApiError;
use crate::routes::AppState;
use crate::store::Store;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::Response;
use fieldtrail_core::httpsig::{self, SignatureError};
use std::sync::Arc;

/// The device a request was signed by, for handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthedDevice {
    pub id: String,
    pub agency: String,
    /// Whether the signature covered the body's digest.
    pub covers_body: bool,
    /// The headers the signature covered (names from `httpsig::COVERABLE`), for routes that require one.
    pub covered: Vec<String>,
    /// An upload chunk's signed offset and digest; its handler hashes the streamed body against it.
    pub upload_chunk: Option<httpsig::UploadChunk>,
}

impl From<SignatureError> for ApiError {
    fn from(e: SignatureError) -> Self {
        let code = match e {
            SignatureError::Missing => "unsigned",
            SignatureError::Malformed(_) => "bad_signature_headers",
            SignatureError::UnknownDevice(_) => "unknown_device",
            SignatureError::BadSignature => "bad_signature",
            SignatureError::DigestMismatch => "digest_mismatch",
        };
        ApiError::Unauthorized { code, message: e.to_string() }
    }
}

fn header_of(headers: &HeaderMap) -> impl Fn(&str) -> Option<String> + '_ {
    |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn replayed(device: &str, nonce: u64, newest: u64) -> ApiError {
    ApiError::Replayed {
        message: format!(
            "request counter {nonce} of device {device} was already used; the newest this server has seen is {newest}"
        ),
        resume_after: newest,
    }
}

/// Middleware: lets a request through only if a registered, active device signed it and it is not a replay.
pub async fn require_device<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    // Unsigned and malformed requests end here, with no storage touched and no body read.
    let parsed = httpsig::parse(header_of(&parts.headers))?;
    let (method, path, headers) =
        (parts.method.as_str().to_owned(), parts.uri.path().to_owned(), parts.headers.clone());
    let checked = state.clone();
    let (device, params) = tokio::task::spawn_blocking(move || {
        checked.store.transact(|tx| {
            let device =
                tx.device(&parsed.keyid)?.ok_or_else(|| SignatureError::UnknownDevice(parsed.keyid.clone()))?;
            let params = parsed.verify(&method, &path, header_of(&headers), &device.public_key)?;
            if device.status != "active" {
                return Err(ApiError::Forbidden {
                    code: "device_retired",
                    message: format!("device {} was retired and may no longer sync", device.id),
                });
            }
            if !tx.counter_fresh(&device.id, params.nonce)? {
                return Err(replayed(&device.id, params.nonce, tx.newest_counter(&device.id)?));
            }
            Ok((device, params))
        })
    })
    .await
    .map_err(|e| ApiError::Storage(format!("worker failed: {e}")))??;
    // A body whose digest is signed is read whole, within the limit, and must match it; uploads sign without
    // it and stay streamed (their content is checked against its SHA-256 when complete).
    let body = if params.covers_body {
        let digest = header_of(&parts.headers)(httpsig::CONTENT_DIGEST).ok_or(SignatureError::DigestMismatch)?;
        let bytes = read_body(&parts.headers, body, state.max_body).await?;
        httpsig::check_digest(&digest, &bytes)?;
        Body::from(bytes)
    } else {
        body
    };
    let (id, nonce) = (device.id.clone(), params.nonce);
    let recorded = state.clone();
    tokio::task::spawn_blocking(move || {
        recorded.store.transact(|tx| {
            // Two requests with one counter may both pass the first check; only one records it.
            if tx.accept_nonce(&id, nonce)? { Ok(()) } else { Err(replayed(&id, nonce, tx.newest_counter(&id)?)) }
        })
    })
    .await
    .map_err(|e| ApiError::Storage(format!("worker failed: {e}")))??;
    parts.extensions.insert(AuthedDevice {
        id: device.id,
        agency: device.agency,
        covers_body: params.covers_body,
        covered: params.covered,
        upload_chunk: params.upload_chunk,
    });
    Ok(next.run(Request::from_parts(parts, body)).await)
}

/// Reads a body whole, refusing it as soon as it is known to be too large (its Content-Length, or its bytes
/// as they arrive) or when it stalls (the server's body timeout).
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::TooLarge { limit });
    }
    to_bytes(body, limit).await.map_err(|e| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = source {
            if err.is::<http_body_util::LengthLimitError>() {
                return ApiError::TooLarge { limit };
            }
            if err.is::<tower_http::timeout::TimeoutError>() {
                return ApiError::BodyTimeout;
            }
            source = err.source();
        }
        ApiError::bad("bad_body", format!("the request body could not be read: {e}"))
    })
}
