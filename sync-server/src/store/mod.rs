//! Storage behind a trait, so the sync logic is written once for every backend. The embedded default is
//! [`SqliteStore`]; a region's PostgreSQL store implements the same traits.

pub mod access;
pub mod identity;
pub mod log;
pub mod restore;
mod sqlite;
mod sqlite_access;
mod sqlite_identity;
mod sqlite_log;
mod sqlite_restore;

pub use sqlite::SqliteStore;

use crate::ApiError;
use automerge::{AutoCommit, Change, ChangeHash};
use serde::Serialize;

/// A backend: runs a closure inside one transaction, committed only if the closure succeeds, so a
/// request either lands whole or leaves nothing behind.
pub trait Store: Send + Sync + 'static {
    fn transact<R>(&self, f: impl FnOnce(&mut dyn StoreTx) -> Result<R, ApiError>) -> Result<R, ApiError>;
}

/// What the sync logic needs inside a transaction.
pub trait StoreTx: identity::IdentityTx + log::LogTx + access::AccessTx + restore::RestoreTx {
    fn load_document(&mut self, id: &str) -> Result<Option<AutoCommit>, ApiError>;
    /// Records the changes `device` delivered and the document's new state; returns the new sequence number.
    fn save_document(&mut self, id: &str, doc: &mut AutoCommit, new: &[Change], device: &str) -> Result<u64, ApiError>;
    fn shared_heads(&mut self, device: &str, id: &str) -> Result<Vec<ChangeHash>, ApiError>;
    fn set_shared_heads(&mut self, device: &str, id: &str, heads: &[ChangeHash]) -> Result<(), ApiError>;
    fn history(&mut self, id: &str) -> Result<Vec<HistoryEntry>, ApiError>;

    // Evidence (SYNC-3, SYNC-4): verified blobs and resumable uploads; see crate::uploads.
    fn blob(&mut self, sha256: &str) -> Result<Option<BlobRow>, ApiError>;
    /// Records a blob whose bytes hashed to its name; a second record of the same hash is ignored.
    fn insert_blob(&mut self, blob: &BlobRow) -> Result<(), ApiError>;
    fn list_blobs(&mut self) -> Result<Vec<BlobRow>, ApiError>;
    fn create_upload(&mut self, upload: &UploadRow) -> Result<(), ApiError>;
    fn upload(&mut self, id: &str) -> Result<Option<UploadRow>, ApiError>;
    /// An open upload of the same bytes, so a terminal that lost its upload id resumes instead of restarting.
    fn open_upload_for(&mut self, sha256: &str, size: u64) -> Result<Option<UploadRow>, ApiError>;
    /// Closes an upload as 'complete' or 'rejected' (with why, and what the bytes hashed to).
    fn finish_upload(
        &mut self,
        id: &str,
        status: &str,
        error: Option<&str>,
        actual_sha256: Option<&str>,
    ) -> Result<(), ApiError>;
    fn list_uploads(&mut self) -> Result<Vec<UploadRow>, ApiError>;
}

/// One stored document, as the listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRow {
    pub id: String,
    /// The owning agency (SEC-1).
    pub agency: String,
    pub seq: u64,
    pub heads: Vec<String>,
    pub changes: u64,
    pub created_at: String,
    pub updated_at: String,
}

/// One change of a document's history, with who delivered it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub seq: u64,
    pub hash: String,
    pub actor: String,
    pub actor_seq: u64,
    /// The author's clock, seconds since 1970; recorded as claimed.
    pub device_time: i64,
    pub message: Option<String>,
    pub device: String,
    pub received_at: String,
}

/// A verified evidence file the server keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlobRow {
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    pub device: String,
    pub upload_id: String,
    pub received_at: String,
}

/// A resumable upload and where it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadRow {
    pub id: String,
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    pub device: String,
    /// 'open', 'complete' or 'rejected'.
    pub status: String,
    pub error: Option<String>,
    pub actual_sha256: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}
