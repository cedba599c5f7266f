//! SEC-6, the server's half: a server restored from a backup lacks what terminals delivered after the backup
//! and cannot tell by itself (the backup is the whole data directory). Every sync response carries where its
//! log stands ([`log_state`]); a terminal holding a newer head of the log knows better, sends everything again
//! and shows that head. The server checks it with its own key (core's `check_lost_head`) and [`record`]s the
//! restore: a row, and a leaf of the log, so the restore stays on the record for auditors and `verify`.

use crate::ApiError;
use crate::store::StoreTx;
use crate::store::restore::RestoreRow;
use crate::trail::{self, LogKey, LogReport};
use fieldtrail_core::trail::restore::{LogState, LostHeadError, check_lost_head, lost_head_digest};
use fieldtrail_core::trail::{Hash, Leaf, LeafKind, SignedTreeHead};
use std::collections::HashSet;

/// The log's newest head and the consistency proof from the terminal's `log_size`; `None` for an empty log,
/// or when the terminal names the newest head already (`log_size` and the first bytes of its root).
pub fn log_state(
    tx: &mut dyn StoreTx,
    key: &LogKey,
    log_size: u64,
    log_root: Option<&[u8]>,
) -> Result<Option<LogState>, ApiError> {
    if tx.log_size()? == 0 {
        return Ok(None);
    }
    let sth = trail::sign_head(tx, key)?;
    let root = hex::decode(&sth.root).unwrap_or_default();
    if log_size == sth.size && log_root.is_some_and(|prefix| !prefix.is_empty() && root.starts_with(prefix)) {
        return Ok(None);
    }
    // A terminal's head beyond the log proves the restore by itself; there is nothing to prove from it.
    let consistency = if log_size > 0 && log_size < sth.size {
        trail::consistency(tx, log_size, sth.size)?.proof
    } else {
        Vec::new()
    };
    Ok(Some(LogState { log_key: key.public_hex(), sth, consistency }))
}

/// Records the restore `lost` proves, once per head; returns its leaf's index when it is new.
pub fn record(
    tx: &mut dyn StoreTx,
    key: &LogKey,
    device: &str,
    lost: &SignedTreeHead,
) -> Result<Option<u64>, ApiError> {
    if tx.restore_of(lost)?.is_some() {
        return Ok(None); // another sync of the same terminal, or a retry, shows the same head
    }
    let log_size = tx.log_size()?;
    let root_at = |size: u64| (size <= log_size).then(|| trail::root_at(tx, size).ok()).flatten();
    check_lost_head(lost, key.public_key(), log_size, root_at).map_err(|e| match e {
        LostHeadError::NotOurs(_) => ApiError::bad("bad_lost_head", e.to_string()),
        LostHeadError::NotLost(_) => ApiError::Conflict { code: "log_not_lost", message: e.to_string() },
    })?;
    let digest = lost_head_digest(lost).map_err(|e| ApiError::bad("bad_lost_head", e.to_string()))?;
    let detected = chrono::Utc::now();
    let leaf =
        Leaf { kind: LeafKind::Restore, document: String::new(), hash: digest, time_ms: detected.timestamp_millis() };
    let leaf_index = trail::append(tx, &leaf)?;
    tx.insert_restore(&RestoreRow {
        lost_head: lost.clone(),
        log_size,
        leaf_index,
        device: device.to_owned(),
        detected_at: detected.to_rfc3339(),
    })?;
    tracing::warn!(
        lost_size = lost.size,
        log_size,
        device,
        "a terminal showed a tree head this server's log no longer has: it was restored from a backup"
    );
    Ok(Some(leaf_index))
}

/// `verify`'s part: every recorded restore's head is signed by the log key and has its leaf in the log, and
/// every restore leaf has its record. `leaves` are the digests of the restore leaves the log holds.
pub fn verify(
    tx: &mut dyn StoreTx,
    public_key: &[u8],
    mut leaves: HashSet<Hash>,
    report: &mut LogReport,
) -> Result<(), ApiError> {
    for row in tx.restores()? {
        if let Err(e) = row.lost_head.verify(public_key) {
            report.problem("restore_bad_signature", format!("the restore recorded at {}: {e}", row.detected_at));
        }
        let logged = lost_head_digest(&row.lost_head).is_ok_and(|d| leaves.remove(&d));
        if !logged {
            report.problem(
                "restore_not_in_log",
                format!(
                    "the restore recorded at {} (lost head of size {}) has no leaf",
                    row.detected_at, row.lost_head.size
                ),
            );
        }
        report.restores.push(row);
    }
    for digest in leaves {
        report.problem(
            "restore_missing",
            format!("the log records a restore (head digest {}) whose record was deleted", hex::encode(digest)),
        );
    }
    Ok(())
}
