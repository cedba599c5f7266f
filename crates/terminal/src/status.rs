//! What the app's home screen shows about this terminal: when it last synced with a server, which revocation
//! list it checks certificates against and how old that is, what still waits to go to the server, and the
//! documents set aside because they do not read as an inspection, and its own the server refused (SEC-3).

use crate::Terminal;
use crate::error::Result;
use crate::quarantine::{self, QuarantinedDocument};
use crate::refused::{self, RefusedDocument};
use rusqlite::OptionalExtension;
use serde::Serialize;
use ts_rs::TS;

/// The terminal's state towards one sync server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TerminalStatus {
    pub device_id: String,
    /// RFC 3339, device clock: the end of the last sync that completed with this server; `None`: never.
    pub last_sync_at: Option<String>,
    /// Version of the revocation list held (0: none received yet).
    #[ts(type = "number")]
    pub revocation_version: u64,
    /// When the authority issued that list, seconds since 1970.
    #[ts(type = "number | null")]
    pub revocation_issued_at: Option<i64>,
    /// Inspections with changes the server has not confirmed.
    pub unsynced_inspections: u32,
    /// Evidence files the server has not confirmed storing.
    pub evidence_to_upload: u32,
    /// Documents that arrived but do not read as an inspection, set aside with the reason (SEC-3).
    pub quarantined: Vec<QuarantinedDocument>,
    /// This terminal's documents the server refused, with its reason; the others sync (SEC-3).
    pub refused: Vec<RefusedDocument>,
}

impl Terminal {
    /// This terminal's status towards the sync server at `server`.
    pub fn status(&self, server: &str) -> Result<TerminalStatus> {
        let server = server.trim_end_matches('/');
        let pending = u32::try_from(self.evidence_to_upload(server)?.len()).unwrap_or(u32::MAX);
        let unsynced = u32::try_from(self.unsynced()?.len()).unwrap_or(u32::MAX);
        self.with_conn(|c| {
            let last_sync_at: Option<String> = c
                .query_row("SELECT last_sync_at FROM sync_servers WHERE url = ?1", [server], |r| r.get(0))
                .optional()?
                .flatten();
            let revocation: Option<(i64, i64)> = c
                .query_row("SELECT version, issued_at FROM revocation_list WHERE singleton = 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            Ok(TerminalStatus {
                device_id: self.device_id().to_owned(),
                last_sync_at,
                revocation_version: revocation.map_or(0, |(v, _)| u64::try_from(v).unwrap_or(0)),
                revocation_issued_at: revocation.map(|(_, issued)| issued),
                unsynced_inspections: unsynced,
                evidence_to_upload: pending,
                quarantined: quarantine::list(c)?,
                refused: refused::list(c)?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_terminal_has_never_synced() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| crate::Error::Invalid(e.to_string()))?;
        let terminal = Terminal::open(dir.path())?;
        let status = terminal.status("http://127.0.0.1:8787/")?;
        assert_eq!(status.last_sync_at, None);
        assert_eq!(status.revocation_version, 0);
        assert_eq!(status.revocation_issued_at, None);
        assert_eq!(status.unsynced_inspections, 0);
        assert_eq!(status.evidence_to_upload, 0);
        assert!(status.quarantined.is_empty());
        assert_eq!(status.device_id, terminal.device_id());
        Ok(())
    }
}
