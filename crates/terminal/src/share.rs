//! Joint inspections from the terminal (联合检查, SEC-1): a device of the owning agency asks the server to
//! share an inspection with another agency, or to withdraw the share. The server decides and records it; the
//! terminal checks the request by core's rule first, and afterwards that the server's log holds exactly the
//! event the server says it recorded.

use crate::Terminal;
use crate::error::{Error, Result};
use fieldtrail_core::protocol::ErrorBody;
use fieldtrail_core::share::{self, ShareAction, ShareEvent};
use fieldtrail_core::trail::{LeafKind, Receipt};
use serde::{Deserialize, Serialize};

/// A share as the server recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedShare {
    pub seq: u64,
    #[serde(flatten)]
    pub event: ShareEvent,
    /// The leaf of the server's log that holds it.
    pub log_index: u64,
    pub digest: String,
}

#[derive(Debug, Deserialize)]
struct Reply {
    share: RecordedShare,
    receipt: Receipt,
}

impl Terminal {
    /// Asks the server at `server` to share inspection `id` with `agency` (or to end the share), for `reason`.
    pub async fn share(
        &self,
        server: &str,
        id: &str,
        action: ShareAction,
        agency: &str,
        reason: &str,
    ) -> Result<RecordedShare> {
        let owner = self.document(id)?.agency()?;
        share::check_request(&owner, agency, reason).map_err(|e| Error::Invalid(e.to_string()))?;
        let url = format!("{}/v1/documents/{id}/shares", server.trim_end_matches('/'));
        let body = serde_json::to_vec(&serde_json::json!({ "agency": agency, "reason": reason }))
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let method = match action {
            ShareAction::Shared => reqwest::Method::POST,
            ShareAction::Unshared => reqwest::Method::DELETE,
        };
        let unreachable = |e: reqwest::Error| Error::Unreachable { url: url.clone(), reason: e.to_string() };
        let resp = self
            .signed(method, &url, Some(&body))?
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(unreachable)?;
        if !status.is_success() {
            let err: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_else(|_| ErrorBody {
                code: "unknown".into(),
                message: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            });
            return Err(Error::Refused { status: status.as_u16(), code: err.code, message: err.message });
        }
        let reply: Reply = serde_json::from_slice(&bytes).map_err(|e| Error::BadReply(format!("share: {e}")))?;
        check_reply(&reply, id, action, agency)?;
        Ok(reply.share)
    }
}

/// The reply is the event asked for, and the receipt proves that very event is in the server's log.
fn check_reply(reply: &Reply, id: &str, action: ShareAction, agency: &str) -> Result<()> {
    let event = &reply.share.event;
    if event.document != id || event.action != action || event.agency != agency {
        return Err(Error::BadReply(format!("the server recorded another share than asked: {event:?}")));
    }
    let key = hex::decode(&reply.receipt.log_key).map_err(|_| Error::Receipt("the log key is not hex".into()))?;
    let leaves = reply.receipt.verify(&key).map_err(|e| Error::Receipt(e.to_string()))?;
    let logged = leaves.iter().any(|(index, leaf)| {
        *index == reply.share.log_index
            && matches!(leaf.kind, LeafKind::Share | LeafKind::Unshare)
            && leaf.encode() == event.leaf().encode()
    });
    if !logged {
        return Err(Error::Receipt(format!("log entry {} does not hold this share", reply.share.log_index)));
    }
    Ok(())
}
