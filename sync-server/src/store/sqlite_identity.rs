//! [`IdentityTx`] on the embedded SQLite store.

use super::identity::{CertificateEvent, CertificateRecord, DeviceRecord, IdentityTx, NONCE_WINDOW};
use super::sqlite::SqliteTx;
use crate::ApiError;
use rusqlite::{OptionalExtension, Row, params};

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

fn certificate_row(r: &Row<'_>) -> rusqlite::Result<CertificateRecord> {
    Ok(CertificateRecord {
        number: r.get(0)?,
        name: r.get(1)?,
        agency: r.get(2)?,
        kind: r.get(3)?,
        valid_from: r.get(4)?,
        valid_to: r.get(5)?,
        status: r.get(6)?,
        status_since: r.get(7)?,
    })
}

fn device_row(r: &Row<'_>) -> rusqlite::Result<DeviceRecord> {
    Ok(DeviceRecord {
        id: r.get(0)?,
        public_key: r.get(1)?,
        agency: r.get(2)?,
        status: r.get(3)?,
        registered_by: r.get(4)?,
        registered_at: r.get(5)?,
        retired_at: r.get(6)?,
    })
}

const CERT_COLUMNS: &str = "number, name, agency, kind, valid_from, valid_to, status, status_since";
const DEVICE_COLUMNS: &str = "id, public_key, agency, status, registered_by, registered_at, retired_at";

impl IdentityTx for SqliteTx<'_> {
    fn authority(&mut self) -> Result<Option<(String, Vec<u8>)>, ApiError> {
        Ok(self
            .tx
            .query_row("SELECT name, public_key FROM authority", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn set_authority(&mut self, name: &str, public_key: &[u8]) -> Result<(), ApiError> {
        self.tx.execute(
            "INSERT INTO authority (singleton, name, public_key, created_at) VALUES (1, ?1, ?2, ?3)",
            params![name, public_key, now()],
        )?;
        Ok(())
    }

    fn set_certificate_photo(&mut self, number: &str, jpeg: &[u8]) -> Result<(), ApiError> {
        self.tx.execute("UPDATE certificates SET photo = ?2 WHERE number = ?1", params![number, jpeg])?;
        Ok(())
    }

    fn certificate_photo(&mut self, number: &str) -> Result<Option<Vec<u8>>, ApiError> {
        Ok(self
            .tx
            .query_row("SELECT photo FROM certificates WHERE number = ?1", [number], |r| r.get(0))
            .optional()?
            .flatten())
    }

    fn insert_certificate(&mut self, c: &CertificateRecord, bytes: &[u8], actor: &str) -> Result<(), ApiError> {
        let at = now();
        let inserted = self.tx.execute(
            &format!("INSERT OR IGNORE INTO certificates ({CERT_COLUMNS}, bytes, issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
            params![c.number, c.name, c.agency, c.kind, c.valid_from, c.valid_to, c.status, c.status_since, bytes, at],
        )?;
        if inserted == 0 {
            return Err(ApiError::bad("duplicate_certificate", format!("certificate {} already exists", c.number)));
        }
        self.tx.execute(
            "INSERT INTO certificate_events (number, event, actor, reason, at) VALUES (?1, 'issued', ?2, '', ?3)",
            params![c.number, actor, at],
        )?;
        Ok(())
    }

    fn certificate(&mut self, number: &str) -> Result<Option<CertificateRecord>, ApiError> {
        let sql = format!("SELECT {CERT_COLUMNS} FROM certificates WHERE number = ?1");
        Ok(self.tx.query_row(&sql, [number], certificate_row).optional()?)
    }

    fn set_certificate_status(
        &mut self,
        number: &str,
        status: &str,
        since: i64,
        event: &str,
        actor: &str,
        reason: &str,
    ) -> Result<(), ApiError> {
        self.tx.execute(
            "UPDATE certificates SET status = ?2, status_since = ?3 WHERE number = ?1",
            params![number, status, since],
        )?;
        self.tx.execute(
            "INSERT INTO certificate_events (number, event, actor, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![number, event, actor, reason, now()],
        )?;
        Ok(())
    }

    fn certificates(&mut self) -> Result<Vec<CertificateRecord>, ApiError> {
        let mut stmt = self.tx.prepare(&format!("SELECT {CERT_COLUMNS} FROM certificates ORDER BY number"))?;
        let rows = stmt.query_map([], certificate_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn certificate_events(&mut self, number: &str) -> Result<Vec<CertificateEvent>, ApiError> {
        let mut stmt = self
            .tx
            .prepare("SELECT number, event, actor, reason, at FROM certificate_events WHERE number = ?1 ORDER BY id")?;
        let rows = stmt.query_map([number], |r| {
            Ok(CertificateEvent {
                number: r.get(0)?,
                event: r.get(1)?,
                actor: r.get(2)?,
                reason: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn store_revocation_list(&mut self, version: u64, issued_at: i64, bytes: &[u8]) -> Result<(), ApiError> {
        self.tx.execute(
            "INSERT INTO revocation_lists (version, issued_at, bytes) VALUES (?1, ?2, ?3)",
            params![version as i64, issued_at, bytes],
        )?;
        Ok(())
    }

    fn latest_revocation_list(&mut self) -> Result<Option<(u64, Vec<u8>)>, ApiError> {
        Ok(self
            .tx
            .query_row("SELECT version, bytes FROM revocation_lists ORDER BY version DESC LIMIT 1", [], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
            })
            .optional()?)
    }

    fn register_device(&mut self, id: &str, public_key: &[u8], agency: &str, actor: &str) -> Result<(), ApiError> {
        let inserted = self.tx.execute(
            "INSERT OR IGNORE INTO devices (id, public_key, agency, status, registered_by, registered_at)
             VALUES (?1, ?2, ?3, 'active', ?4, ?5)",
            params![id, public_key, agency, actor, now()],
        )?;
        if inserted == 0 {
            return Err(ApiError::bad("duplicate_device", format!("device {id} is already registered")));
        }
        Ok(())
    }

    fn retire_device(&mut self, id: &str) -> Result<bool, ApiError> {
        let changed = self.tx.execute(
            "UPDATE devices SET status = 'retired', retired_at = ?2 WHERE id = ?1 AND status = 'active'",
            params![id, now()],
        )?;
        Ok(changed == 1)
    }

    fn device(&mut self, id: &str) -> Result<Option<DeviceRecord>, ApiError> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?1");
        Ok(self.tx.query_row(&sql, [id], device_row).optional()?)
    }

    fn devices(&mut self) -> Result<Vec<DeviceRecord>, ApiError> {
        let mut stmt = self.tx.prepare(&format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY registered_at, id"))?;
        let rows = stmt.query_map([], device_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn accept_nonce(&mut self, device: &str, nonce: u64) -> Result<bool, ApiError> {
        if !self.counter_fresh(device, nonce)? {
            return Ok(false);
        }
        self.tx.execute(
            "INSERT INTO request_counters (device, counter) VALUES (?1, ?2)",
            params![device, nonce.to_be_bytes()],
        )?;
        // Only the window below the newest needs remembering; older counters are refused by the window alone.
        if let Some(oldest_kept) = self.newest_counter(device)?.checked_sub(NONCE_WINDOW) {
            self.tx.execute(
                "DELETE FROM request_counters WHERE device = ?1 AND counter <= ?2",
                params![device, oldest_kept.to_be_bytes()],
            )?;
        }
        Ok(true)
    }

    fn counter_fresh(&mut self, device: &str, nonce: u64) -> Result<bool, ApiError> {
        if nonce.saturating_add(NONCE_WINDOW) <= self.newest_counter(device)? {
            return Ok(false);
        }
        let seen = self
            .tx
            .query_row(
                "SELECT 1 FROM request_counters WHERE device = ?1 AND counter = ?2",
                params![device, nonce.to_be_bytes()],
                |_| Ok(()),
            )
            .optional()?;
        Ok(seen.is_none())
    }

    fn newest_counter(&mut self, device: &str) -> Result<u64, ApiError> {
        let newest: Option<Vec<u8>> =
            self.tx.query_row("SELECT max(counter) FROM request_counters WHERE device = ?1", [device], |r| r.get(0))?;
        match newest {
            None => Ok(0),
            Some(bytes) => <[u8; 8]>::try_from(bytes.as_slice())
                .map(u64::from_be_bytes)
                .map_err(|_| ApiError::Storage(format!("device {device}: a stored request counter is not 8 bytes"))),
        }
    }
}
