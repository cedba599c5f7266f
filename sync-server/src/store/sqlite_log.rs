//! [`LogTx`] on the embedded SQLite store.

use super::log::{LeafRow, LogTx, NodeRow, StoredChange};
use super::sqlite::SqliteTx;
use crate::ApiError;
use fieldtrail_core::trail::{Hash, SignedTreeHead};
use rusqlite::{OptionalExtension, params};

fn hash_of(bytes: Vec<u8>) -> Result<Hash, ApiError> {
    bytes.try_into().map_err(|_| ApiError::Storage("a stored log hash is not 32 bytes".into()))
}

fn head_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SignedTreeHead> {
    Ok(SignedTreeHead {
        size: r.get::<_, i64>(0)? as u64,
        root: hex::encode(r.get::<_, Vec<u8>>(1)?),
        timestamp_ms: r.get(2)?,
        signature: hex::encode(r.get::<_, Vec<u8>>(3)?),
    })
}

impl LogTx for SqliteTx<'_> {
    fn log_size(&mut self) -> Result<u64, ApiError> {
        let max: Option<i64> = self.tx.query_row("SELECT max(idx) FROM log_leaves", [], |r| r.get(0))?;
        Ok(max.map_or(0, |m| m as u64 + 1))
    }

    fn insert_log_leaf(&mut self, index: u64, data: &[u8], leaf_hash: &Hash) -> Result<(), ApiError> {
        self.tx
            .prepare_cached("INSERT INTO log_leaves (idx, data, leaf_hash) VALUES (?1, ?2, ?3)")?
            .execute(params![index as i64, data, leaf_hash.as_slice()])?;
        Ok(())
    }

    fn log_leaves(&mut self, from: u64, limit: usize) -> Result<Vec<LeafRow>, ApiError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT idx, data, leaf_hash FROM log_leaves WHERE idx >= ?1 ORDER BY idx LIMIT ?2")?;
        let rows = stmt.query_map(params![from as i64, limit as i64], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn log_leaf_index(&mut self, leaf_hash: &Hash) -> Result<Option<u64>, ApiError> {
        let idx: Option<i64> =
            self.tx.query_row("SELECT min(idx) FROM log_leaves WHERE leaf_hash = ?1", [leaf_hash.as_slice()], |r| {
                r.get(0)
            })?;
        Ok(idx.map(|i| i as u64))
    }

    fn log_node(&mut self, level: u32, index: u64) -> Result<Option<Hash>, ApiError> {
        let bytes: Option<Vec<u8>> = if level == 0 {
            self.tx
                .prepare_cached("SELECT leaf_hash FROM log_leaves WHERE idx = ?1")?
                .query_row([index as i64], |r| r.get(0))
                .optional()?
        } else {
            self.tx
                .prepare_cached("SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2")?
                .query_row(params![level, index as i64], |r| r.get(0))
                .optional()?
        };
        bytes.map(hash_of).transpose()
    }

    fn insert_log_node(&mut self, level: u32, index: u64, hash: &Hash) -> Result<(), ApiError> {
        self.tx.prepare_cached("INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")?.execute(params![
            level,
            index as i64,
            hash.as_slice()
        ])?;
        Ok(())
    }

    fn log_nodes(&mut self, after: Option<(u32, u64)>, limit: usize) -> Result<Vec<NodeRow>, ApiError> {
        let (level, idx) = after.map_or((0, -1), |(l, i)| (l, i as i64));
        let mut stmt = self.tx.prepare_cached(
            "SELECT level, idx, hash FROM log_nodes WHERE (level, idx) > (?1, ?2) ORDER BY level, idx LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![level, idx, limit as i64], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn insert_tree_head(&mut self, sth: &SignedTreeHead) -> Result<(), ApiError> {
        let decode = |h: &str| hex::decode(h).map_err(|_| ApiError::Storage("tree head is not hex".into()));
        self.tx.execute(
            // No OR IGNORE: a second head of a size already signed fails its transaction (SEC-7).
            "INSERT INTO log_heads (size, root, timestamp_ms, signature) VALUES (?1, ?2, ?3, ?4)",
            params![sth.size as i64, decode(&sth.root)?, sth.timestamp_ms, decode(&sth.signature)?],
        )?;
        Ok(())
    }

    fn latest_tree_head(&mut self) -> Result<Option<SignedTreeHead>, ApiError> {
        Ok(self
            .tx
            .query_row(
                "SELECT size, root, timestamp_ms, signature FROM log_heads ORDER BY size DESC LIMIT 1",
                [],
                head_row,
            )
            .optional()?)
    }

    fn tree_heads(&mut self) -> Result<Vec<SignedTreeHead>, ApiError> {
        let mut stmt = self.tx.prepare("SELECT size, root, timestamp_ms, signature FROM log_heads ORDER BY size")?;
        let rows = stmt.query_map([], head_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn stored_changes(&mut self, after_seq: u64, limit: usize) -> Result<Vec<StoredChange>, ApiError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT seq, doc_id, hash, bytes, received_at FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after_seq as i64, limit as i64], |r| {
            Ok(StoredChange {
                seq: r.get::<_, i64>(0)? as u64,
                doc_id: r.get(1)?,
                hash: r.get(2)?,
                bytes: r.get(3)?,
                received_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
