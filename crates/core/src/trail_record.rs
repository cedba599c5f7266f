//! What a lock signs, and its check: the inspection's id and the document's heads at the moment of locking,
//! so a lock cannot be moved to another case or to another state of this one.

use crate::LockRecord;
use ring::signature::{ED25519, UnparsedPublicKey};

/// The bytes the locking officer signs: a tag, the inspection id and the sorted heads, each length-prefixed.
pub fn lock_message(inspection_id: &str, heads: &[String]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort();
    let mut out = Vec::new();
    for part in std::iter::once("fieldtrail-lock-v1")
        .chain(std::iter::once(inspection_id))
        .chain(sorted.iter().map(String::as_str))
    {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// Checks a lock's signature with the locking officer's certified public key.
pub fn verify_lock(inspection_id: &str, lock: &LockRecord, officer_key: &[u8]) -> bool {
    let Ok(signature) = hex::decode(&lock.signature) else { return false };
    UnparsedPublicKey::new(&ED25519, officer_key).verify(&lock_message(inspection_id, &lock.heads), &signature).is_ok()
}
