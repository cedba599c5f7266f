//! HTTP routes. Handlers parse, hand over to [`crate::sync`] or the store on a blocking thread, and encode.

use crate::auth::{self, AuthedDevice};
use crate::authz::{Action, Actor, Resource, authorize};
use crate::shares::{self, ShareRequest};
use crate::store::access::ShareEntry;
use crate::store::{DocumentRow, HistoryEntry, Store, StoreTx};
use crate::trail::{self, LogKey};
use crate::{ApiError, log_routes, sync, verify_offline, verify_page};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Extension, Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use fieldtrail_core::protocol::{self, SyncRequest};
use fieldtrail_core::share::ShareAction;
use fieldtrail_core::trail::Receipt;
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
        .route("/v1/documents/{id}/shares", post(share::<S>).delete(unshare::<S>))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_device::<S>));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/verify", get(verify_page::json::<S>))
        .route("/verify", get(verify_page::page::<S>))
        .route("/V", get(verify_offline::page::<S>))
        .route("/v", get(verify_offline::page::<S>))
        .route("/V-sw.js", get(verify_offline::worker))
        .route("/v1/verify/presentation", post(verify_offline::online::<S>))
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
    let actor = Actor::from(&device);
    let resp = blocking(state, move |s| sync::handle(&s.store, &s.log_key, &actor, &req, messages)).await?;
    tracing::debug!(received, sent = resp.docs.len(), cursor = resp.cursor, "sync");
    Ok(([(CONTENT_TYPE, protocol::CONTENT_TYPE)], protocol::encode(&resp)))
}

/// The documents the device's agency owns or has been shared (SEC-1, PRIV-1).
async fn list_documents<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Extension(device): Extension<AuthedDevice>,
) -> Result<Json<Vec<DocumentRow>>, ApiError> {
    let actor = Actor::from(&device);
    authorize(&actor, Action::Read, Resource::Agency(&device.agency))
        .map_err(|d| d.into_api(&format!("documents of {}", device.agency)))?;
    Ok(Json(blocking(state, move |s| s.store.transact(|tx| tx.list_documents(&device.agency))).await?))
}

/// Refuses `actor` a read of document `id` it may not see exactly as if the document did not exist (PRIV-1).
fn may_read(tx: &mut dyn StoreTx, actor: &Actor, id: &str) -> Result<(), ApiError> {
    let subject = format!("document {id}");
    let access = tx.document_access(id)?.ok_or_else(|| ApiError::NotFound(format!("no {subject}")))?;
    authorize(actor, Action::Read, Resource::Document(&access)).map_err(|d| d.into_api(&subject))
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
    Extension(device): Extension<AuthedDevice>,
    Path(id): Path<String>,
) -> Result<Json<DocumentBody>, ApiError> {
    let actor = Actor::from(&device);
    let body = blocking(state, move |s| {
        let doc = s.store.transact(|tx| {
            may_read(tx, &actor, &id)?;
            tx.load_document(&id)
        })?;
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

/// One step of a document's history on the server: a change a device delivered, or a share.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum HistoryItem {
    Change(HistoryEntry),
    Share(ShareEntry),
}

impl HistoryItem {
    fn seq(&self) -> u64 {
        match self {
            HistoryItem::Change(c) => c.seq,
            HistoryItem::Share(s) => s.seq,
        }
    }
}

async fn history<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Extension(device): Extension<AuthedDevice>,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryItem>>, ApiError> {
    let actor = Actor::from(&device);
    let entries = blocking(state, move |s| {
        s.store.transact(|tx| {
            may_read(tx, &actor, &id)?;
            let mut items: Vec<HistoryItem> = tx.history(&id)?.into_iter().map(HistoryItem::Change).collect();
            items.extend(tx.share_events(&id)?.into_iter().map(HistoryItem::Share));
            items.sort_by_key(HistoryItem::seq);
            Ok(items)
        })
    })
    .await?;
    Ok(Json(entries))
}

/// A recorded share and the server's receipt for its leaf in the log.
#[derive(Debug, Serialize)]
struct ShareReply {
    share: ShareEntry,
    receipt: Receipt,
}

async fn share<S: Store>(
    state: State<Arc<AppState<S>>>,
    device: Extension<AuthedDevice>,
    id: Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    change_share(state, device, id, body, ShareAction::Shared).await
}

async fn unshare<S: Store>(
    state: State<Arc<AppState<S>>>,
    device: Extension<AuthedDevice>,
    id: Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    change_share(state, device, id, body, ShareAction::Unshared).await
}

async fn change_share<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Extension(device): Extension<AuthedDevice>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
    action: ShareAction,
) -> Result<impl IntoResponse, ApiError> {
    if !device.covers_body {
        return Err(ApiError::Unauthorized {
            code: "body_not_signed",
            message: "a share's signature must cover its body (content-digest)".into(),
        });
    }
    let body = body.map_err(|e| ApiError::bad("bad_body", e.body_text()))?;
    let req: ShareRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad("bad_body", format!("a share names an agency and a reason: {e}")))?;
    let actor = Actor::from(&device);
    let reply = blocking(state, move |s| {
        s.store.transact(|tx| {
            let share = shares::change(tx, &actor, &id, action, &req)?;
            let receipt = trail::receipt(tx, &s.log_key, &[share.log_index])?;
            Ok(ShareReply { share, receipt })
        })
    })
    .await?;
    let status = if action == ShareAction::Shared { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(reply)))
}
