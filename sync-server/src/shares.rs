//! Joint inspections (联合检查, SEC-1): the owning agency shares a document with another agency, or withdraws
//! the share. Each is authorized by [`crate::authz`], checked by core's rule (`fieldtrail_core::share`),
//! recorded with who, when and why, and appended to the server's Merkle log in the same transaction, so a
//! share the history shows is a share the log holds.

use crate::ApiError;
use crate::authz::{Action, Actor, Resource, authorize};
use crate::store::StoreTx;
use crate::store::access::ShareEntry;
use crate::trail;
use fieldtrail_core::share::{self, ShareAction, ShareEvent};
use serde::{Deserialize, Serialize};

/// `POST` / `DELETE /v1/documents/{id}/shares` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRequest {
    pub agency: String,
    pub reason: String,
}

/// Shares document `id` with `agency` (or ends the share), as `actor`, for `reason`; returns the recorded event.
pub fn change(
    tx: &mut dyn StoreTx,
    actor: &Actor,
    id: &str,
    action: ShareAction,
    req: &ShareRequest,
) -> Result<ShareEntry, ApiError> {
    let subject = format!("document {id}");
    let access = tx.document_access(id)?.ok_or_else(|| ApiError::NotFound(format!("no {subject}")))?;
    authorize(actor, Action::Share, Resource::Document(&access)).map_err(|d| d.into_api(&subject))?;
    share::check_request(&access.owner, &req.agency, &req.reason)
        .map_err(|e| ApiError::bad(e.code(), format!("{subject}: {e}")))?;
    let seq = tx.next_seq()?;
    let changed = match action {
        ShareAction::Shared => tx.insert_share(id, &req.agency, seq)?,
        ShareAction::Unshared => tx.delete_share(id, &req.agency)?,
    };
    if !changed {
        let (code, state) = match action {
            ShareAction::Shared => ("already_shared", "is already shared"),
            ShareAction::Unshared => ("not_shared", "is not shared"),
        };
        return Err(ApiError::Conflict { code, message: format!("{subject} {state} with {}", req.agency) });
    }
    let event = ShareEvent {
        action,
        document: id.to_owned(),
        agency: req.agency.clone(),
        by: actor.recorded_as(),
        reason: req.reason.clone(),
        at_ms: chrono::Utc::now().timestamp_millis(),
    };
    // TRAIL-2: the share is a leaf of the log, like the changes it opens to another agency.
    let log_index = trail::append(tx, &event.leaf())?;
    tx.insert_share_event(seq, &event, log_index)?;
    tracing::info!(document = id, agency = %req.agency, by = %event.by, action = action.as_str(), "share recorded");
    Ok(ShareEntry { seq, digest: hex::encode(event.digest()), event, log_index })
}
