//! What the upload rules (SEC-5, crate::uploads) need from a store beyond the upload rows themselves: who holds
//! each stored file, and what each device has open.

use super::UploadRow;
use crate::ApiError;

/// The ownership and quota part of a store transaction.
pub trait UploadTx {
    /// Open uploads of these bytes, oldest first, whoever created them (the caller decides who may use one).
    fn open_uploads_for(&mut self, sha256: &str, size: u64) -> Result<Vec<UploadRow>, ApiError>;
    /// The agencies whose devices delivered these bytes.
    fn blob_holders(&mut self, sha256: &str) -> Result<Vec<String>, ApiError>;
    /// Records that `agency` delivered these bytes (their hash verified); a second record is ignored.
    fn add_blob_holder(&mut self, sha256: &str, agency: &str) -> Result<(), ApiError>;
    /// How many uploads `device` has open, and the bytes they declare together.
    fn open_uploads_of(&mut self, device: &str) -> Result<(u64, u64), ApiError>;
    /// Every open upload, oldest first (the cleanup of abandoned ones).
    fn open_uploads(&mut self) -> Result<Vec<UploadRow>, ApiError>;
    /// Records that upload `id` holds unchecked bytes from `offset` on, unless it already did from earlier.
    fn mark_unverified(&mut self, id: &str, offset: u64) -> Result<(), ApiError>;
    /// Where upload `id`'s unchecked bytes begin, forgetting it.
    fn take_unverified(&mut self, id: &str) -> Result<Option<u64>, ApiError>;
}
