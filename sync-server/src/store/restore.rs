//! What the store keeps of restores from a backup (SEC-6, crate::restore): the lost tree heads terminals
//! showed as proof, with when and by whom.

use crate::ApiError;
use fieldtrail_core::trail::SignedTreeHead;
use serde::Serialize;

/// One recorded restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreRow {
    /// The head this server signed that its log no longer contains.
    pub lost_head: SignedTreeHead,
    /// Leaves the log held when the proof arrived.
    pub log_size: u64,
    /// The log leaf that records the restore.
    pub leaf_index: u64,
    pub device: String,
    pub detected_at: String,
}

/// The restore part of a store transaction.
pub trait RestoreTx {
    /// The restore recorded for this lost head, if any.
    fn restore_of(&mut self, lost: &SignedTreeHead) -> Result<Option<RestoreRow>, ApiError>;
    fn insert_restore(&mut self, row: &RestoreRow) -> Result<(), ApiError>;
    /// Every recorded restore, oldest first.
    fn restores(&mut self) -> Result<Vec<RestoreRow>, ApiError>;
}
