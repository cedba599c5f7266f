//! [`RestoreTx`] on the embedded SQLite store.

use super::restore::{RestoreRow, RestoreTx};
use super::sqlite::SqliteTx;
use crate::ApiError;
use fieldtrail_core::trail::SignedTreeHead;
use rusqlite::{OptionalExtension, params};

const COLUMNS: &str =
    "lost_size, lost_root, lost_timestamp_ms, lost_signature, log_size, leaf_index, device, detected_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RestoreRow> {
    Ok(RestoreRow {
        lost_head: SignedTreeHead {
            size: r.get::<_, i64>(0)? as u64,
            root: hex::encode(r.get::<_, Vec<u8>>(1)?),
            timestamp_ms: r.get(2)?,
            signature: hex::encode(r.get::<_, Vec<u8>>(3)?),
        },
        log_size: r.get::<_, i64>(4)? as u64,
        leaf_index: r.get::<_, i64>(5)? as u64,
        device: r.get(6)?,
        detected_at: r.get(7)?,
    })
}

fn bytes(hex_text: &str) -> Result<Vec<u8>, ApiError> {
    hex::decode(hex_text).map_err(|_| ApiError::Storage("a tree head's hash is not hex".into()))
}

impl RestoreTx for SqliteTx<'_> {
    fn restore_of(&mut self, lost: &SignedTreeHead) -> Result<Option<RestoreRow>, ApiError> {
        Ok(self
            .tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM restores WHERE lost_size = ?1 AND lost_root = ?2"),
                params![lost.size as i64, bytes(&lost.root)?],
                row,
            )
            .optional()?)
    }

    fn insert_restore(&mut self, r: &RestoreRow) -> Result<(), ApiError> {
        self.tx.execute(
            &format!("INSERT INTO restores ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
            params![
                r.lost_head.size as i64,
                bytes(&r.lost_head.root)?,
                r.lost_head.timestamp_ms,
                bytes(&r.lost_head.signature)?,
                r.log_size as i64,
                r.leaf_index as i64,
                r.device,
                r.detected_at
            ],
        )?;
        Ok(())
    }

    fn restores(&mut self) -> Result<Vec<RestoreRow>, ApiError> {
        let mut stmt = self.tx.prepare(&format!("SELECT {COLUMNS} FROM restores ORDER BY id"))?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
