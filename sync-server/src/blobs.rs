//! The server's evidence store (SYNC-4): verified files at `blobs/ab/cd/<sha256>` in the data directory, and
//! the integrity check behind `fieldtrail-server --data DIR verify`, which re-hashes every file.

use crate::ApiError;
use crate::store::Store;
use std::path::{Path, PathBuf};

/// Where the file with this hash lives under `data_dir`. `sha256` must be 64 lowercase hex digits.
pub fn blob_path(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("blobs").join(&sha256[0..2]).join(&sha256[2..4]).join(sha256)
}

/// Creates the directories above `file` under `data_dir` that are missing, each made durable in its parent
/// (SEC-7: a rename into a directory that a crash forgets loses the file).
pub fn create_dirs_synced(data_dir: &Path, file: &Path) -> std::io::Result<()> {
    let Some(dir) = file.parent() else { return Ok(()) };
    if dir.exists() {
        return Ok(());
    }
    let mut missing = vec![dir];
    while let Some(parent) = missing.last().and_then(|d| d.parent())
        && parent.starts_with(data_dir)
        && !parent.exists()
    {
        missing.push(parent);
    }
    for d in missing.into_iter().rev() {
        std::fs::create_dir(d)
            .or_else(|e| if e.kind() == std::io::ErrorKind::AlreadyExists { Ok(()) } else { Err(e) })?;
        sync_parent(d)?;
    }
    Ok(())
}

/// Syncs the directory holding `path`, so a file just created or renamed there survives a crash.
pub fn sync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) => std::fs::File::open(dir)?.sync_all(),
        None => Ok(()),
    }
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
