//! What authorization by agency (SEC-1, crate::authz) stores: each document's owning agency, the shares in
//! force and every share event, and the agency-filtered reads a device's pull and listings are made of.

use super::DocumentRow;
use crate::ApiError;
use crate::authz::DocumentAccess;
use automerge::ChangeHash;
use fieldtrail_core::share::ShareEvent;
use serde::Serialize;

/// One share or withdrawal, as a document's history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShareEntry {
    /// Its place among the document's changes.
    pub seq: u64,
    #[serde(flatten)]
    pub event: ShareEvent,
    /// The leaf of the server's log that records it, and the digest that leaf holds (hex).
    pub log_index: u64,
    pub digest: String,
}

/// The access part of a store transaction.
pub trait AccessTx {
    /// Who owns a stored document and with whom it is shared; `None` if it is not stored.
    fn document_access(&mut self, id: &str) -> Result<Option<DocumentAccess>, ApiError>;
    /// Records the owning agency of a document on its first arrival; an owner once set never changes.
    fn claim_document(&mut self, id: &str, agency: &str) -> Result<(), ApiError>;
    /// Documents of `agency` or shared with it whose latest change (or share) is newer than `cursor`, oldest
    /// first: (id, seq, heads). Read by index, so the cost does not grow with other agencies' documents.
    fn changed_since(
        &mut self,
        agency: &str,
        cursor: u64,
        limit: usize,
    ) -> Result<Vec<(String, u64, Vec<ChangeHash>)>, ApiError>;
    /// The newest sequence number of any document or share.
    fn max_seq(&mut self) -> Result<u64, ApiError>;
    /// The documents `agency` owns or has been shared.
    fn list_documents(&mut self, agency: &str) -> Result<Vec<DocumentRow>, ApiError>;
    /// Takes the next number of the change sequence for an event that is not a change.
    fn next_seq(&mut self) -> Result<u64, ApiError>;
    /// Puts a share in force (`seq` from [`AccessTx::next_seq`]); `false` if it already was.
    fn insert_share(&mut self, id: &str, agency: &str, seq: u64) -> Result<bool, ApiError>;
    /// Ends a share; `false` if there was none.
    fn delete_share(&mut self, id: &str, agency: &str) -> Result<bool, ApiError>;
    fn insert_share_event(&mut self, seq: u64, event: &ShareEvent, log_index: u64) -> Result<(), ApiError>;
    /// A document's share events, oldest first.
    fn share_events(&mut self, id: &str) -> Result<Vec<ShareEntry>, ApiError>;
    /// Every document's share events after `after_seq`, at most `limit`, oldest first (the log's verifier).
    fn all_share_events(&mut self, after_seq: u64, limit: usize) -> Result<Vec<ShareEntry>, ApiError>;
    /// The agencies whose devices delivered the evidence file `sha256`.
    fn blob_agencies(&mut self, sha256: &str) -> Result<Vec<String>, ApiError>;
}
