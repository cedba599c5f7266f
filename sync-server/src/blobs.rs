//! The server's evidence store (SYNC-4): verified files at `blobs/ab/cd/<sha256>` in the data directory, and
//! the integrity check behind `fieldtrail-server --data DIR verify`, which re-hashes every file.

use crate::ApiError;
use crate::store::Store;
use std::path::{Path, PathBuf};

/// Where the file with this hash lives under `data_dir`. `sha256` must be 64 lowercase hex digits.
pub fn blob_path(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("blobs").join(&sha256[0..2]).join(&sha256[2..4]).join(sha256)
}

/// SHA-256 (hex) and length of a file, streamed.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    fieldtrail_core::evidence::sha256_of(std::fs::File::open(path)?)
}

pub use fieldtrail_core::evidence::VerifyReport;

/// Re-hashes every blob the store records.
pub fn verify<S: Store>(store: &S, data_dir: &Path) -> Result<VerifyReport, ApiError> {
    let blobs = store.transact(|tx| tx.list_blobs())?;
    let mut report = VerifyReport::default();
    for blob in blobs {
        report.checked += 1;
        let path = blob_path(data_dir, &blob.sha256);
        match hash_file(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => report.missing.push(blob.sha256),
            Err(e) => return Err(ApiError::Storage(format!("{}: {e}", path.display()))),
            Ok((sha, size)) if sha != blob.sha256 || size != blob.size => report.changed.push(blob.sha256),
            Ok(_) => {}
        }
    }
    Ok(report)
}
