//! The log's public read endpoints (TRAIL-2): its key, its newest signed tree head, inclusion and consistency
//! proofs, as JSON with hex hashes. They reveal hashes only, so they need no signature: auditors and
//! terminals alike may ask.

use crate::ApiError;
use crate::routes::{AppState, blocking};
use crate::store::Store;
use crate::trail::{self, ConsistencyProof, InclusionProof};
use axum::Json;
use axum::extract::{Query, State};
use fieldtrail_core::trail::{SignedTreeHead, hash_from_hex};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// `GET /v1/log/key`.
#[derive(Debug, Serialize)]
pub struct KeyBody {
    pub algorithm: &'static str,
    /// The Ed25519 public key, hex.
    pub public_key: String,
}

pub async fn key<S: Store>(State(state): State<Arc<AppState<S>>>) -> Json<KeyBody> {
    Json(KeyBody { algorithm: "ed25519", public_key: state.log_key.public_hex() })
}

pub async fn sth<S: Store>(State(state): State<Arc<AppState<S>>>) -> Result<Json<SignedTreeHead>, ApiError> {
    let head = blocking(state, |s| s.store.transact(|tx| trail::sign_head(tx, &s.log_key))).await?;
    Ok(Json(head))
}

fn number(query: &HashMap<String, String>, name: &str) -> Result<u64, ApiError> {
    let text = query.get(name).ok_or_else(|| ApiError::bad("bad_log_request", format!("`{name}` is missing")))?;
    text.parse().map_err(|_| ApiError::bad("bad_log_request", format!("`{name}` must be a whole number, not {text:?}")))
}

pub async fn inclusion<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<InclusionProof>, ApiError> {
    let text = query.get("leaf").ok_or_else(|| ApiError::bad("bad_log_request", "`leaf` is missing"))?;
    let leaf = hash_from_hex(text).ok_or_else(|| {
        ApiError::bad("bad_log_request", format!("`leaf` must be a leaf hash of 64 hex digits, not {text:?}"))
    })?;
    let size = number(&query, "size")?;
    let proof = blocking(state, move |s| s.store.transact(|tx| trail::inclusion(tx, &leaf, size))).await?;
    Ok(Json(proof))
}

pub async fn consistency<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    let (first, second) = (number(&query, "first")?, number(&query, "second")?);
    let proof = blocking(state, move |s| s.store.transact(|tx| trail::consistency(tx, first, second))).await?;
    Ok(Json(proof))
}
