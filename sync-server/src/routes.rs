//! HTTP routes. Handlers parse, hand over to [`crate::sync`] or the store on a blocking thread, and encode.

use crate::auth::{self, AuthedDevice};
use crate::store::{DocumentRow, HistoryEntry, Store};
use crate::trail::LogKey;
use crate::{ApiError, log_routes, sync, verify_page};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Extension, Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use fieldtrail_core::protocol::{self, SyncRequest};
use fieldtrail_core::{InspectionDoc, InspectionView};
use serde::Serialize;
use std::sync::Arc;

/// Shared by all handlers.
#[derive(Debug)]
pub struct AppState<S> {
    pub store: S,
    pub max_body: usize,
    /// Signs the log's tree heads (crate::trail).
    pub log_key: Arc<LogKey>,
}

/// The server's routes over a store: sync and reads need a registered device's signature; health, the
/// public verification of a QR code and the log's hashes and proofs do not.
pub fn router<S: Store>(state: Arc<AppState<S>>) -> Router {
    let limit = state.max_body;
    let protected = Router::new()
        .route("/v1/sync", post(sync_handler::<S>))
        .route("/v1/documents", get(list_documents::<S>))
        .route("/v1/documents/{id}", get(document::<S>))
        .route("/v1/documents/{id}/history", get(history::<S>))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_device::<S>));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/verify", get(verify_page::json::<S>))
        .route("/verify", get(verify_page::page::<S>))
        .route("/v1/log/key", get(log_routes::key::<S>))
        .route("/v1/log/sth", get(log_routes::sth::<S>))
        .route("/v1/log/inclusion", get(log_routes::inclusion::<S>))
        .route("/v1/log/consistency", get(log_routes::consistency::<S>))
        .merge(protected)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

pub(crate) async fn blocking<S: Store, R: Send + 'static>(
    state: Arc<AppState<S>>,
    f: impl FnOnce(&AppState<S>) -> Result<R, ApiError> + Send + 'static,
) -> Result<R, ApiError> {
    tokio::task::spawn_blocking(move || f(&state))
        .await
        .map_err(|e| ApiError::Storage(format!("worker failed: {e}")))?
}

async fn sync_handler<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Extension(device): Extension<AuthedDevice>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    if !device.covers_body {
        return Err(ApiError::Unauthorized {
            code: "body_not_signed",
            message: "a sync request's signature must cover its body (content-digest)".into(),
        });
    }
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => ApiError::TooLarge { limit: state.max_body },
        other => ApiError::bad("bad_body", other.body_text()),
    })?;
    let req: SyncRequest = protocol::decode(&body)?;
    if req.terminal != device.id {
        return Err(ApiError::Forbidden {
            code: "terminal_mismatch",
            message: format!("device {} signed a sync for terminal {}", device.id, req.terminal),
        });
    }
    let messages = sync::validate(&req)?;
    let received = req.docs.len();
    let resp = blocking(state, move |s| sync::handle(&s.store, &s.log_key, &req, messages)).await?;
    tracing::debug!(received, sent = resp.docs.len(), cursor = resp.cursor, "sync");
    Ok(([(CONTENT_TYPE, protocol::CONTENT_TYPE)], protocol::encode(&resp)))
}

async fn list_documents<S: Store>(State(state): State<Arc<AppState<S>>>) -> Result<Json<Vec<DocumentRow>>, ApiError> {
    Ok(Json(blocking(state, |s| s.store.transact(|tx| tx.list_documents())).await?))
}

/// A stored inspection, materialised, with its conflicts: what a supervisor's screen shows.
#[derive(Debug, Serialize)]
struct DocumentBody {
    heads: Vec<String>,
    #[serde(flatten)]
    view: InspectionView,
}

async fn document<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(id): Path<String>,
) -> Result<Json<DocumentBody>, ApiError> {
    let body = blocking(state, move |s| {
        let doc = s.store.transact(|tx| tx.load_document(&id))?;
        let doc = doc.ok_or_else(|| ApiError::NotFound(format!("no document {id}")))?;
        let mut inspection =
            InspectionDoc::from_automerge(doc).map_err(|e| ApiError::Storage(format!("document {id}: {e}")))?;
        let heads = inspection.heads().iter().map(|h| h.to_string()).collect();
        let view = inspection.read().map_err(|e| ApiError::Storage(format!("document {id}: {e}")))?;
        Ok(DocumentBody { heads, view })
    })
    .await?;
    Ok(Json(body))
}

async fn history<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    let entries = blocking(state, move |s| s.store.transact(|tx| tx.history(&id))).await?;
    Ok(Json(entries))
}
