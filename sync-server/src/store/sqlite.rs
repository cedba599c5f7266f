//! The embedded default store: one SQLite file (WAL) in the data directory.

use super::{BlobRow, HistoryEntry, Store, StoreTx, UploadRow};
use crate::ApiError;
use automerge::{AutoCommit, Change, ChangeHash};
use fieldtrail_core::sync::{decode_heads, encode_heads};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};
use std::path::Path;
use std::sync::Mutex;

pub(super) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../../migrations/server/0001_documents.sql")),
        M::up(include_str!("../../../migrations/server/0002_uploads.sql")),
        M::up(include_str!("../../../migrations/server/0003_identity.sql")),
        M::up(include_str!("../../../migrations/server/0004_log.sql")),
        M::up(include_str!("../../../migrations/server/0005_agencies.sql")),
        M::up(include_str!("../../../migrations/server/0006_request_counters.sql")),
        M::up(include_str!("../../../migrations/server/0007_upload_owners.sql")),
        M::up(include_str!("../../../migrations/server/0008_restores.sql")),
        M::up(include_str!("../../../migrations/server/0009_certificate_photos.sql")),
    ])
}

/// The server's SQLite database. One writer at a time, as SQLite allows; requests are short.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (or creates) `server.db` in `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Self, ApiError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| ApiError::Storage(format!("cannot create data directory {}: {e}", data_dir.display())))?;
        let mut conn = Connection::open(data_dir.join("server.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // SEC-7: a receipt or an upload offset is answered only after its commit; in WAL mode NORMAL may lose the
        // last commits to a power cut, FULL syncs the WAL at every commit.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        migrations().to_latest(&mut conn).map_err(|e| ApiError::Storage(format!("migrating server.db: {e}")))?;
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }
}

impl Store for SqliteStore {
    fn transact<R>(&self, f: impl FnOnce(&mut dyn StoreTx) -> Result<R, ApiError>) -> Result<R, ApiError> {
        // A request that panicked inside a transaction poisons the lock; its transaction was rolled back as the
        // panic unwound (rusqlite's Transaction rolls back on drop), so the connection is sound and the next
        // request goes on (SEC-4). Should one still be open, it is rolled back here, never committed by the next.
        let mut conn = self.conn.lock().unwrap_or_else(|poisoned| {
            tracing::warn!("a request panicked while it held the store; the next one continues");
            self.conn.clear_poison();
            poisoned.into_inner()
        });
        if !conn.is_autocommit() {
            conn.execute_batch("ROLLBACK")?;
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut store_tx = SqliteTx { tx: &tx };
        let out = f(&mut store_tx)?;
        tx.commit()?;
        Ok(out)
    }
}

pub(super) struct SqliteTx<'a> {
    pub(super) tx: &'a Transaction<'a>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

pub(super) fn heads_of(bytes: &[u8]) -> Result<Vec<ChangeHash>, ApiError> {
    decode_heads(bytes).map_err(|e| ApiError::Storage(e.to_string()))
}

impl StoreTx for SqliteTx<'_> {
    fn load_document(&mut self, id: &str) -> Result<Option<AutoCommit>, ApiError> {
        let saved: Option<Vec<u8>> =
            self.tx.query_row("SELECT saved FROM documents WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        saved
            .map(|bytes| AutoCommit::load(&bytes).map_err(|e| ApiError::Storage(format!("document {id}: {e}"))))
            .transpose()
    }

    fn save_document(&mut self, id: &str, doc: &mut AutoCommit, new: &[Change], device: &str) -> Result<u64, ApiError> {
        let at = now();
        let heads = encode_heads(&doc.get_heads());
        let saved = doc.save();
        self.tx.execute(
            "INSERT INTO documents (id, saved, heads, seq, created_at, updated_at) VALUES (?1, ?2, ?3, 0, ?4, ?4)
             ON CONFLICT (id) DO UPDATE SET saved = excluded.saved, heads = excluded.heads, updated_at = excluded.updated_at",
            params![id, saved, heads, at],
        )?;
        let mut insert = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO changes (doc_id, hash, actor, actor_seq, device_time, message, bytes, device, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for change in new {
            insert.execute(params![
                id,
                change.hash().0.as_slice(),
                change.actor_id().to_bytes(),
                change.seq() as i64,
                change.timestamp(),
                change.message(),
                change.raw_bytes(),
                device,
                at,
            ])?;
        }
        let seq: i64 = self.tx.query_row("SELECT max(seq) FROM changes WHERE doc_id = ?1", [id], |r| r.get(0))?;
        self.tx.execute("UPDATE documents SET seq = ?2 WHERE id = ?1", params![id, seq])?;
        Ok(seq as u64)
    }

    fn shared_heads(&mut self, device: &str, id: &str) -> Result<Vec<ChangeHash>, ApiError> {
        let bytes: Option<Vec<u8>> = self
            .tx
            .query_row("SELECT shared_heads FROM sync_states WHERE device = ?1 AND doc_id = ?2", [device, id], |r| {
                r.get(0)
            })
            .optional()?;
        heads_of(&bytes.unwrap_or_default())
    }

    fn set_shared_heads(&mut self, device: &str, id: &str, heads: &[ChangeHash]) -> Result<(), ApiError> {
        self.tx.execute(
            "INSERT INTO sync_states (device, doc_id, shared_heads, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (device, doc_id) DO UPDATE SET shared_heads = excluded.shared_heads, updated_at = excluded.updated_at",
            params![device, id, encode_heads(heads), now()],
        )?;
        Ok(())
    }

    fn forget_shared_heads(&mut self, device: &str) -> Result<(), ApiError> {
        self.tx.execute("DELETE FROM sync_states WHERE device = ?1", [device])?;
        Ok(())
    }

    fn history(&mut self, id: &str) -> Result<Vec<HistoryEntry>, ApiError> {
        let mut stmt = self.tx.prepare(
            "SELECT seq, hash, actor, actor_seq, device_time, message, device, received_at
             FROM changes WHERE doc_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(HistoryEntry {
                seq: r.get::<_, i64>(0)? as u64,
                hash: hex::encode(r.get::<_, Vec<u8>>(1)?),
                actor: hex::encode(r.get::<_, Vec<u8>>(2)?),
                actor_seq: r.get::<_, i64>(3)? as u64,
                device_time: r.get(4)?,
                message: r.get(5)?,
                device: r.get(6)?,
                received_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
    fn blob(&mut self, sha256: &str) -> Result<Option<BlobRow>, ApiError> {
        Ok(self
            .tx
            .query_row(
                "SELECT sha256, size, media_type, device, upload_id, received_at FROM blobs WHERE sha256 = ?1",
                [sha256],
                blob_row,
            )
            .optional()?)
    }

    fn insert_blob(&mut self, blob: &BlobRow) -> Result<(), ApiError> {
        self.tx.execute(
            "INSERT OR IGNORE INTO blobs (sha256, size, media_type, device, upload_id, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![blob.sha256, blob.size as i64, blob.media_type, blob.device, blob.upload_id, blob.received_at],
        )?;
        Ok(())
    }

    fn list_blobs(&mut self) -> Result<Vec<BlobRow>, ApiError> {
        let mut stmt = self
            .tx
            .prepare("SELECT sha256, size, media_type, device, upload_id, received_at FROM blobs ORDER BY sha256")?;
        let rows = stmt.query_map([], blob_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn create_upload(&mut self, upload: &UploadRow) -> Result<(), ApiError> {
        self.tx.execute(
            "INSERT INTO uploads (id, sha256, size, media_type, device, status, error, actual_sha256, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            params![
                upload.id,
                upload.sha256,
                upload.size as i64,
                upload.media_type,
                upload.device,
                upload.status,
                upload.error,
                upload.actual_sha256,
                upload.created_at
            ],
        )?;
        Ok(())
    }

    fn upload(&mut self, id: &str) -> Result<Option<UploadRow>, ApiError> {
        Ok(self.tx.query_row(&format!("{UPLOAD_COLUMNS} WHERE id = ?1"), [id], upload_row).optional()?)
    }

    fn finish_upload(
        &mut self,
        id: &str,
        status: &str,
        error: Option<&str>,
        actual_sha256: Option<&str>,
    ) -> Result<(), ApiError> {
        self.tx.execute(
            "UPDATE uploads SET status = ?2, error = ?3, actual_sha256 = ?4, updated_at = ?5 WHERE id = ?1",
            params![id, status, error, actual_sha256, now()],
        )?;
        Ok(())
    }

    fn list_uploads(&mut self) -> Result<Vec<UploadRow>, ApiError> {
        let mut stmt = self.tx.prepare(&format!("{UPLOAD_COLUMNS} ORDER BY created_at, id"))?;
        let rows = stmt.query_map([], upload_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

pub(super) const UPLOAD_COLUMNS: &str =
    "SELECT id, sha256, size, media_type, device, status, error, actual_sha256, created_at, updated_at FROM uploads";

fn blob_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BlobRow> {
    Ok(BlobRow {
        sha256: r.get(0)?,
        size: r.get::<_, i64>(1)? as u64,
        media_type: r.get(2)?,
        device: r.get(3)?,
        upload_id: r.get(4)?,
        received_at: r.get(5)?,
    })
}

pub(super) fn upload_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UploadRow> {
    Ok(UploadRow {
        id: r.get(0)?,
        sha256: r.get(1)?,
        size: r.get::<_, i64>(2)? as u64,
        media_type: r.get(3)?,
        device: r.get(4)?,
        status: r.get(5)?,
        error: r.get(6)?,
        actual_sha256: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// SEC-4: a panic inside one request's transaction leaves nothing behind and does not stop the next.
    /// No request path is known to panic, so the test panics inside `transact` itself.
    #[test]
    fn a_panic_in_one_request_neither_poisons_the_store_nor_commits() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store.transact(|tx| -> Result<(), ApiError> {
                tx.register_device("half-done", &[1; 32], "测试局", "test")?;
                panic!("a bug in a handler");
            })
        }));
        assert!(outcome.is_err(), "the closure panicked");
        assert!(store.conn.is_poisoned(), "the panic happened while the store was held");
        let devices = store.transact(|tx| tx.devices()).unwrap();
        assert!(devices.is_empty(), "the panicking request's write was rolled back: {devices:?}");
        store.transact(|tx| tx.register_device("next", &[2; 32], "测试局", "test")).unwrap();
        assert_eq!(store.transact(|tx| tx.devices()).unwrap().len(), 1, "the next request wrote and committed");
    }

    /// SEC-4: request counters are whole u64s: above 2^63 - 1 they neither wrap nor break the window.
    #[test]
    fn request_counters_above_i64_max_are_kept_whole() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store.transact(|tx| tx.register_device("d", &[1; 32], "测试局", "test")).unwrap();
        let high = i64::MAX as u64 + 10;
        store
            .transact(|tx| {
                assert!(tx.accept_nonce("d", 5)?);
                assert!(tx.accept_nonce("d", high)?);
                assert_eq!(tx.newest_counter("d")?, high);
                assert!(!tx.accept_nonce("d", high)?, "seen");
                assert!(!tx.accept_nonce("d", 5)?, "far behind the newest");
                assert!(tx.accept_nonce("d", high - 3)?, "inside the window, once");
                assert!(tx.accept_nonce("d", u64::MAX)?);
                assert_eq!(tx.newest_counter("d")?, u64::MAX);
                Ok(())
            })
            .unwrap();
    }
}
