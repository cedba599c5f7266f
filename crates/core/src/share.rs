//! Joint inspections (联合检查, SEC-1): the agency that owns an inspection shares it with another agency, and
//! may withdraw the share, each time on the record: who, when and why. The server keeps every [`ShareEvent`]
//! and logs its [`ShareEvent::digest`] as a leaf of its Merkle log (docs/trail.md), so the event a document's
//! history shows can be checked against the log by anyone who holds the log's tree heads.

use crate::trail::{Hash, Leaf, LeafKind};
use serde::{Deserialize, Serialize};

/// Longest agency name accepted, in bytes: a name is one line.
pub const MAX_AGENCY_LEN: usize = 200;
/// Longest reason accepted, in bytes: a paragraph.
pub const MAX_REASON_LEN: usize = 2000;

/// Domain separation: a share event's digest cannot pass for any other hash in the log.
const CONTEXT: &[u8] = b"FieldTrail share event v1\0";

/// Whether a share begins or ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareAction {
    Shared,
    Unshared,
}

impl ShareAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareAction::Shared => "shared",
            ShareAction::Unshared => "unshared",
        }
    }
}

/// One share of an inspection with an agency, or its withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareEvent {
    pub action: ShareAction,
    /// The inspection's id.
    pub document: String,
    /// The agency the inspection is shared with (or no longer).
    pub agency: String,
    /// Who decided: `device <id>` for a terminal of the owning agency, else the administrator's name.
    pub by: String,
    pub reason: String,
    /// The server's clock when it recorded the event, milliseconds since 1970.
    pub at_ms: i64,
}

/// Why a share request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error("name the agency to share with (1 to {MAX_AGENCY_LEN} bytes)")]
    BadAgency,
    #[error("a share needs a reason (1 to {MAX_REASON_LEN} bytes)")]
    BadReason,
    #[error("the inspection belongs to {0}; it is shared with other agencies only")]
    OwnAgency(String),
}

impl ShareError {
    /// Stable name of the error.
    pub fn code(&self) -> &'static str {
        match self {
            ShareError::BadAgency => "bad_agency",
            ShareError::BadReason => "bad_reason",
            ShareError::OwnAgency(_) => "own_agency",
        }
    }
}

/// Checks a request to share (or stop sharing) an inspection owned by `owner` with `agency`.
pub fn check_request(owner: &str, agency: &str, reason: &str) -> Result<(), ShareError> {
    if agency.trim().is_empty() || agency.trim() != agency || agency.len() > MAX_AGENCY_LEN {
        return Err(ShareError::BadAgency);
    }
    if reason.trim().is_empty() || reason.len() > MAX_REASON_LEN {
        return Err(ShareError::BadReason);
    }
    if agency == owner {
        return Err(ShareError::OwnAgency(owner.to_owned()));
    }
    Ok(())
}

impl ShareEvent {
    /// `context | action (1) | at_ms (8, big-endian) | document, agency, by, reason`, each text preceded by its
    /// length (4 bytes, big-endian), so no two events encode alike.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = CONTEXT.to_vec();
        out.push(match self.action {
            ShareAction::Shared => 1,
            ShareAction::Unshared => 2,
        });
        out.extend_from_slice(&self.at_ms.to_be_bytes());
        for text in [&self.document, &self.agency, &self.by, &self.reason] {
            let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&text.as_bytes()[..len as usize]);
        }
        out
    }

    /// SHA-256 of [`ShareEvent::encode`]: what the log's leaf records.
    pub fn digest(&self) -> Hash {
        let mut hash = [0u8; 32];
        hash.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, &self.encode()).as_ref());
        hash
    }

    /// The leaf of the server's log for this event.
    pub fn leaf(&self) -> Leaf {
        let kind = match self.action {
            ShareAction::Shared => LeafKind::Share,
            ShareAction::Unshared => LeafKind::Unshare,
        };
        Leaf { kind, document: self.document.clone(), hash: self.digest(), time_ms: self.at_ms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> ShareEvent {
        ShareEvent {
            action: ShareAction::Shared,
            document: "7d0c3f52-0b5e-4a43-9b43-2a4f1a6f8c11".into(),
            agency: "乌拉特前旗应急管理局".into(),
            by: "device 1b4e28ba".into(),
            reason: "联合检查".into(),
            at_ms: 1_795_000_000_000,
        }
    }

    #[test]
    fn sec_1_every_field_of_a_share_is_bound_by_its_digest() {
        let e = event();
        let digest = e.digest();
        let variants = [
            ShareEvent { action: ShareAction::Unshared, ..e.clone() },
            ShareEvent { agency: "巴彦淖尔市市场监督管理局".into(), ..e.clone() },
            ShareEvent { by: "device other".into(), ..e.clone() },
            ShareEvent { reason: "另一个理由".into(), ..e.clone() },
            ShareEvent { at_ms: e.at_ms + 1, ..e.clone() },
            // Moving bytes from one field to the next is a different event too.
            ShareEvent { agency: format!("{}d", e.agency), by: "evice 1b4e28ba".into(), ..e.clone() },
        ];
        for v in &variants {
            assert_ne!(v.digest(), digest, "{v:?}");
        }
        let leaf = Leaf::decode(&e.leaf().encode()).unwrap();
        assert_eq!((leaf.kind, leaf.hash, leaf.document), (LeafKind::Share, digest, e.document));
    }

    #[test]
    fn sec_1_a_share_names_another_agency_and_gives_a_reason() {
        let owner = "巴彦淖尔市市场监督管理局";
        assert_eq!(check_request(owner, "乌拉特前旗应急管理局", "联合检查"), Ok(()));
        assert_eq!(check_request(owner, owner, "联合检查"), Err(ShareError::OwnAgency(owner.into())));
        assert_eq!(check_request(owner, "", "联合检查"), Err(ShareError::BadAgency));
        assert_eq!(check_request(owner, " 乌拉特前旗应急管理局", "联合检查"), Err(ShareError::BadAgency));
        assert_eq!(check_request(owner, &"局".repeat(100), "联合检查"), Err(ShareError::BadAgency));
        assert_eq!(check_request(owner, "乌拉特前旗应急管理局", "  "), Err(ShareError::BadReason));
    }
}
