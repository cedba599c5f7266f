//! The revocation list (吊销清单, CERT-2): certificates suspended (暂扣) or revoked (缴销), signed and versioned by
//! the issuing authority, so a terminal can trust the copy it received at its last sync and say how old it is.

use super::cose::{self, Fields, encode_map, int, text};
use super::{IdentityError, TrustList};
use ciborium::Value;
use ring::signature::Ed25519KeyPair;
use serde::{Deserialize, Serialize};

/// Why a certificate is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationStatus {
    /// 暂扣: may be reinstated, then it leaves the next version of the list.
    Suspended,
    /// 缴销: for good.
    Revoked,
}

/// One certificate on the list, from `since` (seconds since 1970).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationEntry {
    pub number: String,
    pub status: RevocationStatus,
    pub since: i64,
}

/// A verified revocation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationList {
    pub version: u64,
    pub issued_at: i64,
    pub entries: Vec<RevocationEntry>,
    bytes: Vec<u8>,
}

impl RevocationList {
    /// The authority signs a new version of the list.
    pub fn sign(
        version: u64,
        issued_at: i64,
        entries: Vec<RevocationEntry>,
        authority: &Ed25519KeyPair,
    ) -> Result<Self, IdentityError> {
        let list = entries
            .iter()
            .map(|e| {
                let status = match e.status {
                    RevocationStatus::Suspended => 1,
                    RevocationStatus::Revoked => 2,
                };
                Value::Array(vec![text(&e.number), int(status), int(e.since)])
            })
            .collect();
        let version_i64 = i64::try_from(version).map_err(|_| IdentityError::Malformed("version too large".into()))?;
        let payload = encode_map(vec![(1, int(version_i64)), (2, int(issued_at)), (3, Value::Array(list))]);
        let bytes = cose::sign(payload, authority)?;
        Ok(RevocationList { version, issued_at, entries, bytes })
    }

    /// Accepts a list only if a trusted authority signed it.
    pub fn verify(bytes: &[u8], trust: &TrustList) -> Result<Self, IdentityError> {
        let envelope = cose::open(bytes)?;
        let authority = trust.find(&envelope.key_id).ok_or(IdentityError::UnknownIssuer)?;
        envelope.verify(&authority.public_key)?;
        let f = Fields::parse("revocation list", &envelope.payload)?;
        let version = u64::try_from(f.int(1)?).map_err(|_| IdentityError::Malformed("negative version".into()))?;
        let entries = f
            .array(3)?
            .iter()
            .map(|entry| {
                let bad = || IdentityError::Malformed("revocation entry is not [number, status, since]".into());
                let items = entry.as_array().filter(|a| a.len() == 3).ok_or_else(bad)?;
                let number = items[0].as_text().ok_or_else(bad)?.to_owned();
                let status = match items[1].as_integer().and_then(|i| i64::try_from(i).ok()) {
                    Some(1) => RevocationStatus::Suspended,
                    Some(2) => RevocationStatus::Revoked,
                    _ => return Err(bad()),
                };
                let since = items[2].as_integer().and_then(|i| i64::try_from(i).ok()).ok_or_else(bad)?;
                Ok(RevocationEntry { number, status, since })
            })
            .collect::<Result<_, IdentityError>>()?;
        Ok(RevocationList { version, issued_at: f.int(2)?, entries, bytes: bytes.to_vec() })
    }

    /// The status of a certificate at time `at`, if it was on the list then.
    pub fn status_of(&self, number: &str, at: i64) -> Option<&RevocationEntry> {
        self.entries
            .iter()
            .filter(|e| e.number == number && e.since <= at)
            .max_by_key(|e| (e.status == RevocationStatus::Revoked, e.since))
    }

    /// The signed bytes, as delivered to terminals.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}
