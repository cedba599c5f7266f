//! SEC-6, the terminal's half: telling that the server was restored from a backup, and making it whole again.
//!
//! The terminal keeps the newest head of the server's log it has checked. Every sync response says where the
//! log stands; when the server now has fewer entries than that head, or entries that do not extend it, the
//! server lost what was delivered after its backup, and believes nothing of it (its sync states went back in
//! time with it). The terminal then forgets what it believed the server holds: the heads shared per document,
//! its cursor and which evidence files were confirmed uploaded. The same sync re-sends every document (automerge
//! drops the changes the server already has) and the next evidence upload asks about every file again. The
//! lost head goes to the server with the next request, as proof for its record of the restore.

use crate::error::{Error, Result};
use crate::{Terminal, receipts, store};
use fieldtrail_core::trail::SignedTreeHead;
use fieldtrail_core::trail::restore::{LogCheck, LogState, check_log};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// A restore this terminal detected, as `verify` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerRestore {
    pub server: String,
    /// The newest head this terminal held, which the server's log no longer contains.
    pub lost_head: SignedTreeHead,
    /// The size of the server's log when the restore was detected.
    pub server_size: u64,
    pub reason: String,
    pub detected_at: String,
    /// When the server accepted the proof; `None`: not yet shown (or refused: see `refused`).
    pub reported_at: Option<String>,
    pub refused: Option<String>,
    /// Receipts received before the restore was known whose tree is larger than the server's log was then:
    /// they name entries of the log the server lost (others may too: the backup's size is not known here).
    pub lost_receipts: u32,
}

fn head_from(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<SignedTreeHead> {
    Ok(SignedTreeHead {
        size: r.get::<_, i64>(at)? as u64,
        root: hex::encode(r.get::<_, Vec<u8>>(at + 1)?),
        timestamp_ms: r.get(at + 2)?,
        signature: hex::encode(r.get::<_, Vec<u8>>(at + 3)?),
    })
}

fn hex_bytes(text: &str) -> Result<Vec<u8>> {
    hex::decode(text).map_err(|_| Error::Receipt("a tree head's hash is not hex".into()))
}

/// The newest head of `server`'s log this terminal has checked: the one kept from sync responses, or, on a
/// terminal that has not had one yet, its newest receipt's.
pub(crate) fn known_head(c: &Connection, server: &str) -> Result<Option<SignedTreeHead>> {
    let kept = c
        .query_row("SELECT size, root, timestamp_ms, signature FROM log_heads WHERE server = ?1", [server], |r| {
            head_from(r, 0)
        })
        .optional()?;
    if kept.is_some() {
        return Ok(kept);
    }
    Ok(c.query_row(
        "SELECT tree_size, root, timestamp_ms, signature FROM receipts WHERE server = ?1
         ORDER BY tree_size DESC, id DESC LIMIT 1",
        [server],
        |r| head_from(r, 0),
    )
    .optional()?)
}

/// Keeps `sth` as the newest checked head of `server`'s log; `replace` also when it is smaller (after a restore).
fn keep_head(c: &Connection, server: &str, sth: &SignedTreeHead, replace: bool) -> Result<()> {
    let condition = if replace { "" } else { "WHERE excluded.size >= log_heads.size" };
    c.execute(
        &format!(
            "INSERT INTO log_heads (server, size, root, timestamp_ms, signature, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (server) DO UPDATE SET size = excluded.size, root = excluded.root,
             timestamp_ms = excluded.timestamp_ms, signature = excluded.signature, seen_at = excluded.seen_at
             {condition}"
        ),
        params![
            server,
            sth.size as i64,
            hex_bytes(&sth.root)?,
            sth.timestamp_ms,
            hex_bytes(&sth.signature)?,
            store::now()
        ],
    )?;
    Ok(())
}

/// A receipt's head, already verified, is a head of the log this terminal has seen.
pub(crate) fn saw_head(c: &Connection, server: &str, sth: &SignedTreeHead) -> Result<()> {
    keep_head(c, server, sth, false)
}

/// Checks where the server's log stands against the newest head this terminal holds; on a restore, records it
/// and forgets what the server was believed to hold. Returns whether the server was restored.
pub(crate) fn check(c: &Connection, server: &str, state: &LogState) -> Result<bool> {
    let key = receipts::trust_key(c, server, &state.log_key)?;
    let known = known_head(c, server)?;
    let check = check_log(known.as_ref(), state, &key).map_err(|e| Error::Receipt(format!("the server's log: {e}")))?;
    let (LogCheck::Lost { reason }, Some(lost)) = (check, known) else {
        keep_head(c, server, &state.sth, false)?;
        return Ok(false);
    };
    let last_receipt: i64 = c.query_row("SELECT coalesce(max(id), 0) FROM receipts", [], |r| r.get(0))?;
    c.execute(
        "INSERT INTO server_restores (server, lost_size, lost_root, lost_timestamp_ms, lost_signature, server_size,
                                      reason, last_receipt_id, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            server,
            lost.size as i64,
            hex_bytes(&lost.root)?,
            lost.timestamp_ms,
            hex_bytes(&lost.signature)?,
            state.sth.size as i64,
            reason,
            last_receipt,
            store::now()
        ],
    )?;
    tracing::warn!(server, %reason, "the server was restored from a backup: sending it everything again");
    forget(c, server)?;
    keep_head(c, server, &state.sth, true)?;
    Ok(true)
}

/// Forgets what `server` was believed to hold: it lost it.
fn forget(c: &Connection, server: &str) -> Result<()> {
    c.execute("UPDATE documents SET server_heads = x''", [])?;
    store::set_cursor(c, server, 0)?;
    // The next upload asks the server about each file again: "exists" for those it kept, a new upload for others.
    c.execute("DELETE FROM evidence_uploads WHERE server = ?1 AND status = 'done'", [server])?;
    Ok(())
}

/// The lost head still to be shown to `server`, with its record's id.
pub(crate) fn pending_report(c: &Connection, server: &str) -> Result<Option<(i64, SignedTreeHead)>> {
    Ok(c.query_row(
        "SELECT id, lost_size, lost_root, lost_timestamp_ms, lost_signature FROM server_restores
         WHERE server = ?1 AND reported_at IS NULL AND refused IS NULL ORDER BY id DESC LIMIT 1",
        [server],
        |r| Ok((r.get(0)?, head_from(r, 1)?)),
    )
    .optional()?)
}

/// The server accepted the proof (`refused` is `None`) or refused it (with its reason): either way it is not
/// shown again.
pub(crate) fn reported(c: &Connection, id: i64, refused: Option<&str>) -> Result<()> {
    c.execute(
        "UPDATE server_restores SET reported_at = ?2, refused = ?3 WHERE id = ?1",
        params![id, refused.is_none().then(store::now), refused],
    )?;
    Ok(())
}

fn list(c: &Connection) -> Result<Vec<ServerRestore>> {
    let mut stmt = c.prepare(
        "SELECT r.lost_size, r.lost_root, r.lost_timestamp_ms, r.lost_signature, r.server, r.server_size, r.reason,
                r.detected_at, r.reported_at, r.refused,
                (SELECT count(*) FROM receipts x WHERE x.server = r.server AND x.id <= r.last_receipt_id
                                                     AND x.tree_size > r.server_size)
         FROM server_restores r ORDER BY r.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ServerRestore {
            lost_head: head_from(r, 0)?,
            server: r.get(4)?,
            server_size: r.get::<_, i64>(5)? as u64,
            reason: r.get(6)?,
            detected_at: r.get(7)?,
            reported_at: r.get(8)?,
            refused: r.get(9)?,
            lost_receipts: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

impl Terminal {
    /// Every restore from a backup this terminal detected on its servers (SEC-6), oldest first.
    pub fn server_restores(&self) -> Result<Vec<ServerRestore>> {
        self.with_conn(list)
    }
}
