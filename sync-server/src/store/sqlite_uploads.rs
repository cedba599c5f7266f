//! [`UploadTx`] on the embedded SQLite store.

use super::UploadRow;
use super::sqlite::{SqliteTx, UPLOAD_COLUMNS, upload_row};
use super::uploads::UploadTx;
use crate::ApiError;
use rusqlite::{OptionalExtension, params};

impl UploadTx for SqliteTx<'_> {
    fn open_uploads_for(&mut self, sha256: &str, size: u64) -> Result<Vec<UploadRow>, ApiError> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "{UPLOAD_COLUMNS} WHERE sha256 = ?1 AND size = ?2 AND status = 'open' ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map(params![sha256, size as i64], upload_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn blob_holders(&mut self, sha256: &str) -> Result<Vec<String>, ApiError> {
        let mut stmt = self.tx.prepare_cached("SELECT agency FROM blob_holders WHERE sha256 = ?1 ORDER BY agency")?;
        let rows = stmt.query_map([sha256], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_blob_holder(&mut self, sha256: &str, agency: &str) -> Result<(), ApiError> {
        self.tx.execute(
            "INSERT OR IGNORE INTO blob_holders (sha256, agency, since) VALUES (?1, ?2, ?3)",
            params![sha256, agency, chrono::Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    fn open_uploads_of(&mut self, device: &str) -> Result<(u64, u64), ApiError> {
        let (count, bytes): (i64, i64) = self.tx.query_row(
            "SELECT count(*), coalesce(sum(size), 0) FROM uploads WHERE device = ?1 AND status = 'open'",
            [device],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((count as u64, bytes as u64))
    }

    fn open_uploads(&mut self) -> Result<Vec<UploadRow>, ApiError> {
        let mut stmt = self.tx.prepare(&format!("{UPLOAD_COLUMNS} WHERE status = 'open' ORDER BY created_at, id"))?;
        let rows = stmt.query_map([], upload_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn mark_unverified(&mut self, id: &str, offset: u64) -> Result<(), ApiError> {
        self.tx.execute(
            "UPDATE uploads SET unverified_from = coalesce(unverified_from, ?2) WHERE id = ?1",
            params![id, offset as i64],
        )?;
        Ok(())
    }

    fn take_unverified(&mut self, id: &str) -> Result<Option<u64>, ApiError> {
        let from: Option<i64> = self
            .tx
            .query_row("SELECT unverified_from FROM uploads WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .flatten();
        self.tx.execute("UPDATE uploads SET unverified_from = NULL WHERE id = ?1", [id])?;
        Ok(from.map(|f| f as u64))
    }
}
