//! What a lock and an amendment sign, and their checks: the inspection's id, the record itself and the
//! document's heads at that moment, so neither can be moved to another case or to another state of this one.

use crate::{Amendment, LockRecord};
use ring::signature::{ED25519, UnparsedPublicKey};

/// A tag and parts, each length-prefixed, so no two different lists of parts give the same bytes.
fn framed<'a>(parts: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

fn sorted(heads: &[String]) -> Vec<String> {
    let mut sorted = heads.to_vec();
    sorted.sort();
    sorted
}

fn verifies(key: &[u8], message: &[u8], signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex) else { return false };
    UnparsedPublicKey::new(&ED25519, key).verify(message, &signature).is_ok()
}

/// The bytes the locking officer signs: a tag, the inspection id and the sorted heads, each length-prefixed.
pub fn lock_message(inspection_id: &str, heads: &[String]) -> Vec<u8> {
    let heads = sorted(heads);
    framed(["fieldtrail-lock-v1", inspection_id].into_iter().chain(heads.iter().map(String::as_str)))
}

/// Checks a lock's signature with the locking officer's certified public key.
pub fn verify_lock(inspection_id: &str, lock: &LockRecord, officer_key: &[u8]) -> bool {
    verifies(officer_key, &lock_message(inspection_id, &lock.heads), &lock.signature)
}

/// The bytes the amending officer signs (SEC-2): a tag, the inspection id, everything the amendment records
/// but its signature, and the sorted heads of the state it was made on (the change's dependencies).
pub fn amendment_message(inspection_id: &str, amendment: &Amendment, heads: &[String]) -> Vec<u8> {
    let heads = sorted(heads);
    let a = amendment;
    let record = [a.what.as_str(), &a.before, &a.after, &a.reason, &a.by, &a.at];
    framed(
        ["fieldtrail-amend-v1", inspection_id]
            .into_iter()
            .chain(record)
            .chain(std::iter::once("heads"))
            .chain(heads.iter().map(String::as_str)),
    )
}

/// Checks an amendment's signature, made on `heads`, with the amending officer's certified public key.
pub fn verify_amendment(inspection_id: &str, amendment: &Amendment, heads: &[String], officer_key: &[u8]) -> bool {
    verifies(officer_key, &amendment_message(inspection_id, amendment, heads), &amendment.signature)
}
