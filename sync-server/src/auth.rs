//! Device authentication: every request to a protected route carries a signature by a registered, active
//! terminal's key (RFC 9421 model, `fieldtrail_core::httpsig`), and a counter never used before. The check runs
//! before any handler; a refused request writes nothing (a counter is recorded only for a valid signature).

use crate::ApiError;
use crate::routes::AppState;
use crate::store::Store;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
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

/// Middleware: lets a request through only if a registered, active device signed it and it is not a replay.
pub async fn require_device<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // A signature over the body's digest needs the whole body; uploads sign without it and stay streamed
    // (their content is checked against its SHA-256 when complete).
    // An upload chunk signs its digest too, but is hashed while streamed (crate::uploads), never buffered here.
    let covers_body = header(httpsig::SIGNATURE_INPUT)
        .is_some_and(|i| i.contains("\"content-digest\"") && !i.contains("\"upload-offset\""));
    let (bytes, body) = if covers_body {
        let bytes = to_bytes(body, state.max_body).await.map_err(|_| ApiError::TooLarge { limit: state.max_body })?;
        (Some(bytes.clone()), Body::from(bytes))
    } else {
        (None, body)
    };
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let headers = parts.headers.clone();
    let device = tokio::task::spawn_blocking(move || {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        state.store.transact(|tx| {
            let mut found = None;
            let params = httpsig::verify_request(&method, &path, bytes.as_deref(), header, |id| {
                found = tx.device(id).ok().flatten();
                found.as_ref().map(|d| d.public_key.clone())
            })?;
            let device = found.ok_or_else(|| ApiError::Storage("device vanished".into()))?;
            if device.status != "active" {
                return Err(ApiError::Forbidden {
                    code: "device_retired",
                    message: format!("device {} was retired and may no longer sync", device.id),
                });
            }
            if !tx.accept_nonce(&device.id, params.nonce)? {
                return Err(ApiError::Unauthorized {
                    code: "replayed",
                    message: format!("request counter {} of device {} was already used", params.nonce, device.id),
                });
            }
            Ok(AuthedDevice {
                id: device.id,
                agency: device.agency,
                covers_body: params.covers_body,
                upload_chunk: params.upload_chunk,
            })
        })
    })
    .await
    .map_err(|e| ApiError::Storage(format!("worker failed: {e}")))??;
    parts.extensions.insert(device);
    Ok(next.run(Request::from_parts(parts, body)).await)
}
