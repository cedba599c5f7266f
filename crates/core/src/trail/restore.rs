//! SEC-6: telling that a server was restored from a backup. A server's log only grows, so a head it signed
//! earlier is always a prefix of its log as it stands. A terminal keeps the newest head it has seen (from a
//! receipt or a sync response); when the server's current head is smaller, or not consistent with it, the
//! server has lost what it signed for: it runs on a backup. The terminal then sends everything again and shows
//! the server the lost head as proof; the server checks the proof with its own key and logs the restore.
//! Both ends call this module, so the rule is written once (docs/trail.md, "Restored from a backup").

use super::merkle::{Hash, verify_consistency};
use super::{SignedTreeHead, TrailError, hashes_from_hex};
use ring::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};

/// Where the server's log stands, as a sync response carries it: what a terminal compares its newest head with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogState {
    /// The log's Ed25519 public key, hex (bytes in CBOR).
    #[serde(with = "super::hex_or_bytes")]
    pub log_key: String,
    /// The newest signed tree head, covering every leaf.
    pub sth: SignedTreeHead,
    /// The consistency proof from the tree of the request's `log_size` leaves to `sth` (RFC 6962 PROOF);
    /// empty when that size is 0, equal to `sth.size`, or larger than it (then there is nothing to prove).
    #[serde(with = "super::hashes_or_bytes")]
    pub consistency: Vec<String>,
}

/// What a terminal concludes from a server's [`LogState`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogCheck {
    /// The server's log extends the newest head the terminal holds (or the terminal holds none).
    Consistent,
    /// The server no longer has a log the terminal holds a signed head of: it was restored from a backup.
    Lost { reason: String },
}

/// Compares `known` (the newest head of this server's log the terminal holds, already checked when it was
/// kept) with the server's current state. A state not signed by `trusted_key` is an error, not a restore: a
/// restored server keeps its log key (it is in the backup), so another key is another server.
pub fn check_log(known: Option<&SignedTreeHead>, state: &LogState, trusted_key: &[u8]) -> Result<LogCheck, TrailError> {
    if hex::decode(&state.log_key).ok().as_deref() != Some(trusted_key) {
        return Err(TrailError::UnknownKey);
    }
    let root = state.sth.verify(trusted_key)?;
    let Some(known) = known else { return Ok(LogCheck::Consistent) };
    let known_root = known.root_hash()?;
    let now = state.sth.size;
    if known.size > now {
        return Ok(LogCheck::Lost {
            reason: format!("the server signed a log of {} entries and now has {now}", known.size),
        });
    }
    if known.size == 0 {
        return Ok(LogCheck::Consistent);
    }
    let proof = hashes_from_hex(&state.consistency)
        .ok_or_else(|| TrailError::BadTreeHead("a consistency proof hash is not 64 hex digits".into()))?;
    let consistent = if known.size == now {
        known_root == root
    } else {
        verify_consistency(known.size, now, &proof, &known_root, &root).is_ok()
    };
    Ok(if consistent {
        LogCheck::Consistent
    } else {
        LogCheck::Lost {
            reason: format!(
                "the server's log of {now} entries does not contain the log of {} entries it signed earlier",
                known.size
            ),
        }
    })
}

/// Why a server refuses a head offered as proof that it lost entries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LostHeadError {
    #[error("the offered tree head is not signed by this server's log key: {0}")]
    NotOurs(TrailError),
    #[error("the offered tree head of size {0} is part of this server's log: nothing was lost")]
    NotLost(u64),
}

/// The server's side of the rule: `head` proves a restore when it is signed by the log key and is not part of
/// the log as it stands (`log_size` leaves; `root_at` gives the root of the first `head.size` of them).
pub fn check_lost_head(
    head: &SignedTreeHead,
    public_key: &[u8],
    log_size: u64,
    root_at: impl FnOnce(u64) -> Option<Hash>,
) -> Result<(), LostHeadError> {
    let root = head.verify(public_key).map_err(LostHeadError::NotOurs)?;
    if head.size > log_size || root_at(head.size) != Some(root) {
        return Ok(());
    }
    Err(LostHeadError::NotLost(head.size))
}

/// The hash a restore leaf of the log carries: SHA-256 of the lost head's signed bytes, so the log itself
/// names the head that proved the restore.
pub fn lost_head_digest(head: &SignedTreeHead) -> Result<Hash, TrailError> {
    let root = head.root_hash()?;
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, &SignedTreeHead::signed_bytes(head.size, &root, head.timestamp_ms)).as_ref());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trail::merkle::{consistency_proof, root_at};
    use ring::rand::SystemRandom;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    fn key() -> Ed25519KeyPair {
        Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap().as_ref()).unwrap()
    }

    fn leaves(tag: u8, n: u8) -> Vec<Hash> {
        (0..n).map(|i| [tag ^ i; 32]).collect()
    }

    fn head(k: &Ed25519KeyPair, leaves: &[Hash], size: u64) -> SignedTreeHead {
        let root = root_at(&mut &leaves[..], size).unwrap();
        SignedTreeHead::sign(size, &root, size as i64, k)
    }

    fn state(k: &Ed25519KeyPair, leaves: &[Hash], from: u64) -> LogState {
        let size = leaves.len() as u64;
        let proof =
            if from > 0 && from < size { consistency_proof(&mut &leaves[..], from, size).unwrap() } else { vec![] };
        LogState {
            log_key: hex::encode(k.public_key().as_ref()),
            sth: head(k, leaves, size),
            consistency: proof.iter().map(hex::encode).collect(),
        }
    }

    #[test]
    fn sec_6_a_log_that_grew_is_consistent() {
        let k = key();
        let public = k.public_key().as_ref();
        let log = leaves(0, 9);
        let known = head(&k, &log, 5);
        assert_eq!(check_log(Some(&known), &state(&k, &log, 5), public), Ok(LogCheck::Consistent));
        assert_eq!(check_log(Some(&head(&k, &log, 9)), &state(&k, &log, 9), public), Ok(LogCheck::Consistent));
        assert_eq!(check_log(None, &state(&k, &log, 0), public), Ok(LogCheck::Consistent));
    }

    #[test]
    fn sec_6_a_smaller_or_different_log_is_a_restore() {
        let k = key();
        let public = k.public_key().as_ref();
        let before = leaves(0, 9);
        // Restored at 4 entries; another terminal's deliveries regrew it past the known head, differently.
        let mut after = before[..4].to_vec();
        after.extend(leaves(0x80, 8));
        let known = head(&k, &before, 7);
        assert!(matches!(check_log(Some(&known), &state(&k, &before[..4], 7), public), Ok(LogCheck::Lost { .. })));
        assert!(matches!(check_log(Some(&known), &state(&k, &after, 7), public), Ok(LogCheck::Lost { .. })));
        assert!(matches!(check_log(Some(&known), &state(&k, &after[..7], 7), public), Ok(LogCheck::Lost { .. })));
        // A server that answers with a proof for another size proves nothing.
        let mut wrong = state(&k, &before, 3);
        wrong.consistency.reverse();
        assert!(matches!(check_log(Some(&known), &wrong, public), Ok(LogCheck::Lost { .. })));
    }

    #[test]
    fn sec_6_another_key_or_signature_is_an_error_not_a_restore() {
        let (k, other) = (key(), key());
        let log = leaves(0, 3);
        let s = state(&other, &log, 0);
        assert_eq!(check_log(None, &s, k.public_key().as_ref()), Err(TrailError::UnknownKey));
        let mut forged = state(&k, &log, 0);
        forged.sth.size += 1;
        assert_eq!(check_log(None, &forged, k.public_key().as_ref()), Err(TrailError::BadSignature));
    }

    #[test]
    fn sec_6_the_server_accepts_only_its_own_head_that_its_log_lacks() {
        let (k, other) = (key(), key());
        let public = k.public_key().as_ref();
        let before = leaves(0, 9);
        let lost = head(&k, &before, 7);
        let root_now = |log: &[Hash]| {
            let log = log.to_vec();
            move |size: u64| root_at(&mut &log[..], size).ok()
        };
        assert_eq!(check_lost_head(&lost, public, 4, root_now(&before[..4])), Ok(()));
        let mut regrown = before[..4].to_vec();
        regrown.extend(leaves(0x80, 8));
        assert_eq!(check_lost_head(&lost, public, 12, root_now(&regrown)), Ok(()));
        assert_eq!(check_lost_head(&lost, public, 9, root_now(&before)), Err(LostHeadError::NotLost(7)));
        let theirs = head(&other, &before, 7);
        assert!(matches!(check_lost_head(&theirs, public, 4, root_now(&before)), Err(LostHeadError::NotOurs(_))));
        assert_ne!(lost_head_digest(&lost).unwrap(), lost_head_digest(&head(&k, &before, 6)).unwrap());
    }
}
