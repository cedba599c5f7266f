//! What the server's Merkle log (crate::trail) stores: leaves, interior nodes of complete subtrees, and the
//! signed tree heads; plus a reader of the stored changes for the verifier.

use crate::ApiError;
use fieldtrail_core::trail::{Hash, SignedTreeHead};

/// One stored change, as the verifier re-reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChange {
    pub seq: u64,
    pub doc_id: String,
    pub hash: Vec<u8>,
    pub bytes: Vec<u8>,
    pub received_at: String,
}

/// A stored leaf: (index, encoding, recorded leaf hash).
pub type LeafRow = (u64, Vec<u8>, Vec<u8>);
/// A stored interior node: (level, index, hash).
pub type NodeRow = (u32, u64, Vec<u8>);

/// The log part of a store transaction.
pub trait LogTx {
    /// Number of leaves.
    fn log_size(&mut self) -> Result<u64, ApiError>;
    /// Stores leaf `index` (which must be the current size).
    fn insert_log_leaf(&mut self, index: u64, data: &[u8], leaf_hash: &Hash) -> Result<(), ApiError>;
    /// Leaves from `from` on, at most `limit`: (index, data, stored leaf hash).
    fn log_leaves(&mut self, from: u64, limit: usize) -> Result<Vec<LeafRow>, ApiError>;
    /// The first leaf with this leaf hash.
    fn log_leaf_index(&mut self, leaf_hash: &Hash) -> Result<Option<u64>, ApiError>;
    /// The root of complete subtree (level, index); level 0 is the leaf hash.
    fn log_node(&mut self, level: u32, index: u64) -> Result<Option<Hash>, ApiError>;
    fn insert_log_node(&mut self, level: u32, index: u64, hash: &Hash) -> Result<(), ApiError>;
    /// Every stored interior node, in (level, index) order, at most `limit` after `after`.
    fn log_nodes(&mut self, after: Option<(u32, u64)>, limit: usize) -> Result<Vec<NodeRow>, ApiError>;
    fn insert_tree_head(&mut self, sth: &SignedTreeHead) -> Result<(), ApiError>;
    fn latest_tree_head(&mut self) -> Result<Option<SignedTreeHead>, ApiError>;
    fn tree_heads(&mut self) -> Result<Vec<SignedTreeHead>, ApiError>;
    /// Stored changes after `after_seq`, at most `limit`, in arrival order.
    fn stored_changes(&mut self, after_seq: u64, limit: usize) -> Result<Vec<StoredChange>, ApiError>;
}
