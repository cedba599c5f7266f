//! SEC-3 for what the terminal sends: a sync request is refused whole when the server refuses one of its
//! documents, so the document it names is held back for the rest of that sync and the others go on; the
//! refusal is kept here, shown in `status` and the app, and tried again at the next sync until the server
//! accepts the document (the officer may have to amend it, or the tablet fetch a newer revocation list).

use crate::error::Result;
use crate::store;
use rusqlite::{Connection, params};
use serde::Serialize;
use ts_rs::TS;

/// A document of this terminal the server refused, as `status` and the app show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RefusedDocument {
    /// The inspection's id.
    pub id: String,
    /// The server's HTTP status and stable code, e.g. 409 `locked`, 400 `bad_amendment`.
    pub status: u16,
    pub code: String,
    /// The server's sentence.
    pub message: String,
    /// RFC 3339, device clock: when the server first refused it.
    pub since: String,
    /// RFC 3339, device clock: when it was last tried and refused.
    pub updated_at: String,
}

/// Whether a refusal of a whole sync request can be the fault of one document in it: everything the server
/// checks per document. Refusals of the request itself (its signature, its size, the server's own failure) are
/// not, and stop the sync as before.
pub(crate) fn is_per_document(status: u16, code: &str) -> bool {
    matches!(status, 400 | 403 | 409 | 413)
        && !matches!(code, "bad_body" | "unsupported_version" | "bad_terminal" | "terminal_mismatch" | "body_too_large")
}

/// The document of `batch` that a refusal's message names, if any: the server names the document it refused.
pub(crate) fn named<'a>(message: &str, batch: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    batch.into_iter().find(|id| message.contains(id))
}

pub(crate) fn put(c: &Connection, id: &str, status: u16, code: &str, message: &str) -> Result<()> {
    let at = store::now();
    c.execute(
        "INSERT INTO refused (doc_id, status, code, message, first_seen_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (doc_id) DO UPDATE SET status = excluded.status, code = excluded.code,
         message = excluded.message, updated_at = excluded.updated_at",
        params![id, status, code, message, at],
    )?;
    tracing::warn!(%id, status, %code, %message, "the server refused a document; the others go on");
    Ok(())
}

/// The server accepted `id`: its refusal is over.
pub(crate) fn release(c: &Connection, id: &str) -> Result<()> {
    c.execute("DELETE FROM refused WHERE doc_id = ?1", [id])?;
    Ok(())
}

pub(crate) fn list(c: &Connection) -> Result<Vec<RefusedDocument>> {
    let mut stmt = c.prepare(
        "SELECT doc_id, status, code, message, first_seen_at, updated_at FROM refused ORDER BY first_seen_at, doc_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(RefusedDocument {
            id: r.get(0)?,
            status: r.get(1)?,
            code: r.get(2)?,
            message: r.get(3)?,
            since: r.get(4)?,
            updated_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_per_document_refusals_name_a_document() {
        assert!(is_per_document(409, "locked"));
        assert!(is_per_document(400, "bad_amendment"));
        assert!(is_per_document(403, "other_agency"));
        assert!(!is_per_document(400, "bad_body"));
        assert!(!is_per_document(401, "replayed"));
        assert!(!is_per_document(500, "storage"));
        let batch = ["a7351a87-a965-4521-a96c-41accfa27bcd", "0e11358a-0000-4000-8000-000000000000"];
        let message = "document 0e11358a-0000-4000-8000-000000000000 is locked: change 'x' edits it";
        assert_eq!(named(message, batch), Some(batch[1]));
        assert_eq!(named("the body is not CBOR", batch), None);
    }
}
