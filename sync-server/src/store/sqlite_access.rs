//! [`AccessTx`] on the embedded SQLite store.

use super::DocumentRow;
use super::access::{AccessTx, ShareEntry};
use super::sqlite::{SqliteTx, heads_of};
use crate::ApiError;
use crate::authz::DocumentAccess;
use automerge::ChangeHash;
use fieldtrail_core::share::{ShareAction, ShareEvent};
use rusqlite::{OptionalExtension, params};

impl AccessTx for SqliteTx<'_> {
    fn document_access(&mut self, id: &str) -> Result<Option<DocumentAccess>, ApiError> {
        let owner: Option<String> =
            self.tx.query_row("SELECT agency FROM documents WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        let Some(owner) = owner else { return Ok(None) };
        let mut stmt =
            self.tx.prepare_cached("SELECT agency FROM document_shares WHERE doc_id = ?1 ORDER BY agency")?;
        let shared_with = stmt.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(Some(DocumentAccess { owner, shared_with }))
    }

    fn claim_document(&mut self, id: &str, agency: &str) -> Result<(), ApiError> {
        self.tx.execute("UPDATE documents SET agency = ?2 WHERE id = ?1 AND agency = ''", params![id, agency])?;
        Ok(())
    }

    fn changed_since(
        &mut self,
        agency: &str,
        cursor: u64,
        limit: usize,
    ) -> Result<Vec<(String, u64, Vec<ChangeHash>)>, ApiError> {
        let mut stmt = self.tx.prepare_cached(CHANGED_SINCE)?;
        let rows = stmt.query_map(params![agency, cursor as i64, limit as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64, r.get::<_, Vec<u8>>(2)?))
        })?;
        rows.map(|row| {
            let (id, seq, heads) = row?;
            Ok((id, seq, heads_of(&heads)?))
        })
        .collect()
    }

    fn max_seq(&mut self) -> Result<u64, ApiError> {
        let seq: i64 = self.tx.query_row(
            "SELECT max(coalesce((SELECT max(seq) FROM documents), 0), coalesce((SELECT max(seq) FROM document_shares), 0))",
            [],
            |r| r.get(0),
        )?;
        Ok(seq as u64)
    }

    fn list_documents(&mut self, agency: &str) -> Result<Vec<DocumentRow>, ApiError> {
        let mut stmt = self.tx.prepare(
            "SELECT d.id, d.seq, d.heads, d.created_at, d.updated_at, d.agency,
                    (SELECT count(*) FROM changes c WHERE c.doc_id = d.id)
             FROM (SELECT id FROM documents WHERE agency = ?1
                   UNION ALL SELECT doc_id FROM document_shares WHERE agency = ?1) AS mine
             JOIN documents d ON d.id = mine.id
             ORDER BY d.seq",
        )?;
        let rows = stmt.query_map([agency], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (id, seq, heads, created_at, updated_at, agency, changes) = row?;
            let heads = heads_of(&heads)?.iter().map(|h| h.to_string()).collect();
            Ok(DocumentRow { id, agency, seq: seq as u64, heads, changes: changes as u64, created_at, updated_at })
        })
        .collect()
    }

    fn next_seq(&mut self) -> Result<u64, ApiError> {
        // The change sequence is the AUTOINCREMENT of `changes`: raising it reserves a number that no change
        // will take, so cursors, changes and shares share one order.
        self.tx.execute(
            "INSERT INTO sqlite_sequence (name, seq)
             SELECT 'changes', coalesce((SELECT max(seq) FROM changes), 0)
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'changes')",
            [],
        )?;
        self.tx.execute("UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'changes'", [])?;
        let seq: i64 = self.tx.query_row("SELECT seq FROM sqlite_sequence WHERE name = 'changes'", [], |r| r.get(0))?;
        Ok(seq as u64)
    }

    fn insert_share(&mut self, id: &str, agency: &str, seq: u64) -> Result<bool, ApiError> {
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO document_shares (doc_id, agency, seq) VALUES (?1, ?2, ?3)",
            params![id, agency, seq as i64],
        )?;
        Ok(n == 1)
    }

    fn delete_share(&mut self, id: &str, agency: &str) -> Result<bool, ApiError> {
        let n =
            self.tx.execute("DELETE FROM document_shares WHERE doc_id = ?1 AND agency = ?2", params![id, agency])?;
        Ok(n == 1)
    }

    fn insert_share_event(&mut self, seq: u64, event: &ShareEvent, log_index: u64) -> Result<(), ApiError> {
        self.tx.execute(
            "INSERT INTO share_events (seq, doc_id, agency, action, by_whom, reason, at_ms, log_index)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                seq as i64,
                event.document,
                event.agency,
                event.action.as_str(),
                event.by,
                event.reason,
                event.at_ms,
                log_index as i64
            ],
        )?;
        Ok(())
    }

    fn share_events(&mut self, id: &str) -> Result<Vec<ShareEntry>, ApiError> {
        let mut stmt = self.tx.prepare_cached(&format!("{SHARE_EVENTS} WHERE doc_id = ?1 ORDER BY seq"))?;
        let rows = stmt.query_map([id], share_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn all_share_events(&mut self, after_seq: u64, limit: usize) -> Result<Vec<ShareEntry>, ApiError> {
        let mut stmt = self.tx.prepare_cached(&format!("{SHARE_EVENTS} WHERE seq > ?1 ORDER BY seq LIMIT ?2"))?;
        let rows = stmt.query_map(params![after_seq as i64, limit as i64], share_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn blob_agencies(&mut self, sha256: &str) -> Result<Vec<String>, ApiError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT DISTINCT d.agency FROM uploads u JOIN devices d ON d.id = u.device
             WHERE u.sha256 = ?1 AND u.status = 'complete' ORDER BY d.agency",
        )?;
        let rows = stmt.query_map([sha256], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A device's pull: its agency's documents by the (agency, seq) index, and those shared with the agency, a shared
/// one counting as changed when it changed or when it was shared, whichever is newer.
const CHANGED_SINCE: &str = "SELECT id, seq, heads FROM (
        SELECT id, seq, heads FROM documents WHERE agency = ?1 AND seq > ?2
        UNION ALL
        SELECT d.id, max(d.seq, s.seq) AS seq, d.heads
        FROM document_shares s JOIN documents d ON d.id = s.doc_id
        WHERE s.agency = ?1 AND max(d.seq, s.seq) > ?2
    ) ORDER BY seq LIMIT ?3";

const SHARE_EVENTS: &str = "SELECT seq, doc_id, agency, action, by_whom, reason, at_ms, log_index FROM share_events";

fn share_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<ShareEntry> {
    let action = match r.get::<_, String>(3)?.as_str() {
        "shared" => ShareAction::Shared,
        _ => ShareAction::Unshared,
    };
    let event = ShareEvent {
        action,
        document: r.get(1)?,
        agency: r.get(2)?,
        by: r.get(4)?,
        reason: r.get(5)?,
        at_ms: r.get(6)?,
    };
    Ok(ShareEntry {
        seq: r.get::<_, i64>(0)? as u64,
        digest: hex::encode(event.digest()),
        event,
        log_index: r.get::<_, i64>(7)? as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use crate::store::Store;
    use rusqlite::Connection;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn sec_1_stored_cases_get_their_first_device_s_agency_and_pulls_read_by_index() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut conn = Connection::open(dir.path().join("server.db")).unwrap();
        super::super::sqlite::migrations().to_version(&mut conn, 4).unwrap();
        conn.execute_batch(
            "INSERT INTO devices (id, public_key, agency, status, registered_by, registered_at)
                 VALUES ('d1', x'00', '甲局', 'active', 't', 't'), ('d2', x'00', '乙局', 'active', 't', 't');
             INSERT INTO documents (id, saved, heads, seq, created_at, updated_at)
                 VALUES ('doc1', x'', x'', 2, 't', 't'), ('doc2', x'', x'', 3, 't', 't');
             INSERT INTO changes (doc_id, hash, actor, actor_seq, device_time, bytes, device, received_at)
                 VALUES ('doc1', x'01', x'aa', 1, 0, x'', 'd1', 't'), ('doc1', x'02', x'bb', 1, 0, x'', 'd2', 't'),
                        ('doc2', x'03', x'cc', 1, 0, x'', 'unregistered', 't');",
        )
        .unwrap();
        drop(conn);
        let store = SqliteStore::open(dir.path()).unwrap();
        let owner = |id: &str| store.transact(|tx| tx.document_access(id)).unwrap().unwrap().owner;
        assert_eq!(owner("doc1"), "甲局", "the agency of the device that delivered the first change");
        assert_eq!(owner("doc2"), "", "no registered device: no agency, seen by no device");

        let conn = Connection::open(dir.path().join("server.db")).unwrap();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {CHANGED_SINCE}"))
            .unwrap()
            .query_map(params!["甲局", 0, 500], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().any(|step| step.contains("documents_by_agency")), "{plan:#?}");
        assert!(!plan.iter().any(|step| step.starts_with("SCAN documents")), "{plan:#?}");
    }
}
