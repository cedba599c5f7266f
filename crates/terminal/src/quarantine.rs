//! SEC-3: a document that arrives by sync but does not read as an inspection (a malformed one another device
//! or an older server let through) is set aside here with the reason, its bytes kept, while every other
//! document keeps syncing. It leaves quarantine when a later sync makes it readable.

use crate::error::Result;
use crate::{Terminal, store};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

/// A document set aside, as `status` and the app show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct QuarantinedDocument {
    /// The inspection's id, as the server named it.
    pub id: String,
    /// Why it does not read as an inspection, e.g. "'item' is missing or not an object".
    pub reason: String,
    /// RFC 3339, device clock: when it first arrived unreadable.
    pub since: String,
    /// RFC 3339, device clock: when a sync last brought it, still unreadable.
    pub updated_at: String,
}

/// Sets `id` aside with `reason`, keeping `bytes` (the document as received, or the message that would not
/// apply); a document already set aside gets the newer bytes and reason.
pub(crate) fn put(c: &Connection, id: &str, reason: &str, bytes: &[u8]) -> Result<()> {
    let at = store::now();
    c.execute(
        "INSERT INTO quarantine (doc_id, reason, bytes, first_seen_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (doc_id) DO UPDATE SET reason = excluded.reason, bytes = excluded.bytes,
         updated_at = excluded.updated_at",
        params![id, reason, bytes, at],
    )?;
    tracing::warn!(%id, %reason, "a document that does not read as an inspection was set aside");
    Ok(())
}

/// The bytes kept for `id`, if it is in quarantine.
pub(crate) fn bytes(c: &Connection, id: &str) -> Result<Option<Vec<u8>>> {
    Ok(c.query_row("SELECT bytes FROM quarantine WHERE doc_id = ?1", [id], |r| r.get(0)).optional()?)
}

/// `id` reads as an inspection now: it leaves quarantine.
pub(crate) fn release(c: &Connection, id: &str) -> Result<()> {
    if c.execute("DELETE FROM quarantine WHERE doc_id = ?1", [id])? > 0 {
        tracing::info!(%id, "a quarantined document reads as an inspection again");
    }
    Ok(())
}

pub(crate) fn list(c: &Connection) -> Result<Vec<QuarantinedDocument>> {
    let mut stmt =
        c.prepare("SELECT doc_id, reason, first_seen_at, updated_at FROM quarantine ORDER BY first_seen_at, doc_id")?;
    let rows = stmt.query_map([], |r| {
        Ok(QuarantinedDocument { id: r.get(0)?, reason: r.get(1)?, since: r.get(2)?, updated_at: r.get(3)? })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

impl Terminal {
    /// Documents set aside because they do not read as an inspection (SEC-3), oldest first.
    pub fn quarantined(&self) -> Result<Vec<QuarantinedDocument>> {
        self.with_conn(list)
    }

    /// The bytes kept of a quarantined document, for an expert to examine.
    pub fn quarantined_bytes(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.with_conn(|c| bytes(c, id))
    }
}
