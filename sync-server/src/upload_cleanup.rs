//! The cleanup of abandoned uploads (SEC-5): an open upload that received nothing for `abandon_after` is
//! closed as 'abandoned' and its partial bytes deleted (its device, if it comes back, gets 410 and starts a new
//! upload); stray files in `uploads/` (partial bytes no open upload owns, after a crash) and in `tmp/` that
//! old are deleted. The server runs it every `cleanup_every`; `fieldtrail-server admin cleanup-uploads` runs
//! it once. Live uploads are never touched: "idle" is measured from the partial file's last write.

use crate::ApiError;
use crate::store::Store;
use crate::uploads::part_path;
use serde::Serialize;
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// What one cleanup did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CleanupReport {
    /// Upload ids closed as abandoned.
    pub abandoned: Vec<String>,
    /// Bytes of partial uploads deleted with them.
    pub abandoned_bytes: u64,
    /// Stray files deleted from `uploads/` and `tmp/`.
    pub stray_files: u64,
}

/// How long ago `path` was last written, or `None` if it is not there.
fn idle_for(path: &Path, now: SystemTime) -> std::io::Result<Option<Duration>> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(Some(now.duration_since(m.modified()?).unwrap_or_default())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ApiError + '_ {
    move |e| ApiError::Storage(format!("{}: {e}", path.display()))
}

/// Closes the open uploads idle for `abandon_after` and deletes stray files as old. `if_idle` runs its closure
/// only if no request is using the upload at that moment (the server's per-upload lock); the CLI, with the
/// server stopped, passes one that always runs it.
pub fn cleanup<S: Store>(
    store: &S,
    data_dir: &Path,
    abandon_after: Duration,
    if_idle: impl Fn(&str, &mut dyn FnMut() -> Result<(), ApiError>) -> Option<Result<(), ApiError>>,
) -> Result<CleanupReport, ApiError> {
    let now = SystemTime::now();
    let mut report = CleanupReport::default();
    let open = store.transact(|tx| tx.open_uploads())?;
    let created_age = |created_at: &str| {
        chrono::DateTime::parse_from_rfc3339(created_at)
            .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).to_std().unwrap_or_default())
            .unwrap_or(Duration::MAX)
    };
    let mut still_open = HashSet::new();
    for upload in open {
        let part = part_path(data_dir, &upload.id);
        // An upload whose part file is gone is judged by when it was created.
        let idle = idle_for(&part, now).map_err(io(&part))?.unwrap_or_else(|| created_age(&upload.created_at));
        if idle < abandon_after {
            still_open.insert(format!("{}.part", upload.id));
            continue;
        }
        let mut size = 0;
        let closed = if_idle(&upload.id, &mut || {
            // Checked again under the lock: a PATCH may have written since.
            if idle_for(&part, SystemTime::now()).map_err(io(&part))?.is_some_and(|i| i < abandon_after) {
                return Err(ApiError::Conflict { code: "upload_live", message: String::new() });
            }
            size = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            store.transact(|tx| tx.finish_upload(&upload.id, "abandoned", Some("abandoned"), None))?;
            match std::fs::remove_file(&part) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&part)(e)),
                _ => Ok(()),
            }
        });
        match closed {
            Some(Ok(())) => {
                tracing::info!(upload = %upload.id, device = %upload.device, bytes = size, "abandoned upload closed");
                report.abandoned.push(upload.id);
                report.abandoned_bytes += size;
            }
            Some(Err(ApiError::Conflict { .. })) | None => {
                still_open.insert(format!("{}.part", upload.id));
            }
            Some(Err(e)) => return Err(e),
        }
    }
    for dir in [data_dir.join("uploads"), data_dir.join("tmp")] {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(&dir)(e)),
        };
        for entry in entries {
            let path = entry.map_err(io(&dir))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            if still_open.contains(&name) || !path.is_file() {
                continue;
            }
            if idle_for(&path, now).map_err(io(&path))?.is_some_and(|idle| idle >= abandon_after) {
                std::fs::remove_file(&path).map_err(io(&path))?;
                tracing::info!(file = %path.display(), "stray upload file deleted");
                report.stray_files += 1;
            }
        }
    }
    Ok(report)
}
