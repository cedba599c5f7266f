//! fieldtrail-terminal: the device's services over fieldtrail-core, with no Tauri in sight, so the app, the
//! CLI, tests and benchmarks drive the same code.
//!
//! A [`Terminal`] is one data directory: `terminal.db` (SQLite, WAL) holding the device's identity and its
//! inspections as automerge documents. Everything works offline; [`Terminal::sync`] merges with a server when
//! there is one.
#![forbid(unsafe_code)]

pub mod bundle;
pub mod catalogue;
mod conflicts;
pub mod device_key;
mod error;
pub mod evidence;
pub mod history;
mod http;
pub mod inspection_list;
mod lock;
pub mod officers;
pub mod quarantine;
pub mod receipts;
pub mod refused;
pub mod restore;
mod rules;
pub mod share;
mod status;
mod store;
mod sync;
mod trail;

pub use error::{Error, Result};
pub use evidence::{Capture, UploadOptions, UploadOutcome, VerifyReport};
pub use inspection_list::{InspectionPage, ListCursor};
pub use officers::{OfficerSummary, UnlockedOfficer};
pub use quarantine::QuarantinedDocument;
pub use receipts::{ReceiptReport, StoredReceipt};
pub use restore::ServerRestore;
pub use status::TerminalStatus;
pub use sync::{SyncProgress, SyncReport};

use automerge::ActorId;
use fieldtrail_core::{Edit, InspectionDoc, InspectionView, NewInspection};
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One terminal: a data directory with its database.
#[derive(Debug)]
pub struct Terminal {
    conn: Mutex<Connection>,
    device_id: String,
    actor: ActorId,
    data_dir: PathBuf,
    http: reqwest::Client,
}

impl Terminal {
    /// Opens the terminal in `data_dir`, creating it and its device identity on first use.
    pub fn open(data_dir: impl AsRef<Path>) -> Result<Terminal> {
        let data_dir = data_dir.as_ref().to_path_buf();
        let conn = store::open(&data_dir)?;
        let (device_id, device_actor) = store::identity(&conn)?;
        let actor = store::session_actor(&device_actor);
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            // Below the server's default header timeout (30 s), which also closes idle connections: a pooled
            // connection is dropped here first rather than reused just as the server closes it.
            .pool_idle_timeout(std::time::Duration::from_secs(20))
            .timeout(std::time::Duration::from_secs(300))
            .build()
            .map_err(|e| Error::Invalid(format!("HTTP client: {e}")))?;
        Ok(Terminal { conn: Mutex::new(conn), device_id, actor, data_dir, http })
    }

    /// This device's id, as the server knows it.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    fn with_conn<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let conn = self.conn.lock().map_err(|_| Error::Invalid("terminal database lock poisoned".into()))?;
        f(&conn)
    }

    /// Runs `f` in one immediate transaction: another process on the same data directory waits, so an edit's
    /// load, change and store are never interleaved with another writer's.
    fn write<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let mut conn = self.conn.lock().map_err(|_| Error::Invalid("terminal database lock poisoned".into()))?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Opens a new inspection on this terminal and returns its id.
    pub fn create_inspection(&self, new: &NewInspection) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut doc = InspectionDoc::create(&id, new, self.actor.clone())?;
        self.write(|c| store::insert(c, &id, &mut doc))?;
        Ok(id)
    }

    /// Applies edits to an inspection, each as its own change, all stored together or not at all.
    pub fn edit(&self, id: &str, edits: &[Edit]) -> Result<()> {
        self.write(|c| {
            let mut doc = store::load(c, id, &self.actor)?.ok_or_else(|| Error::NotFound(id.to_owned()))?;
            let before = doc.heads();
            let now = chrono::Utc::now();
            for edit in edits {
                doc.apply(edit, now)?;
            }
            rules::store_checked(c, id, &mut doc, &before)
        })
    }

    /// The inspection with its conflicts.
    pub fn show(&self, id: &str) -> Result<InspectionView> {
        self.document(id)?.read().map_err(Error::from)
    }

    /// The inspection's automerge document as stored.
    pub fn document(&self, id: &str) -> Result<InspectionDoc> {
        self.with_conn(|c| store::load(c, id, &self.actor)?.ok_or_else(|| Error::NotFound(id.to_owned())))
    }

    /// How many inspections have changes the server has not confirmed.
    pub fn unsynced(&self) -> Result<Vec<String>> {
        self.with_conn(store::unsynced)
    }

    /// Merges with the server at `server_url` (see docs/protocol.md).
    pub async fn sync(&self, server_url: &str) -> Result<SyncReport> {
        sync::run(self, server_url, |_| ()).await
    }

    /// [`Terminal::sync`], telling `progress` after every round how far it has come (the app's progress bar).
    ///
    /// # Errors
    ///
    /// As [`Terminal::sync`].
    pub async fn sync_reporting(
        &self,
        server_url: &str,
        progress: impl FnMut(SyncProgress) + Send,
    ) -> Result<SyncReport> {
        sync::run(self, server_url, progress).await
    }
}
