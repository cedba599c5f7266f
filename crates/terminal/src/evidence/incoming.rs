//! A file that reaches the terminal in pieces, then goes through the usual intake with its progress reported.
//!
//! The app's webview cannot give the Rust side a path, and one IPC message holding a whole video is read on the
//! window's main thread (the webview library reads a request's body there, a kilobyte at a time): a 200 MiB file
//! sent at once freezes the screen for seconds. So the ui sends a large file in slices, each appended here to
//! `tmp/<id>.incoming`; the whole file is then hashed and stored by [`Terminal::add_evidence_file_reporting`]. Like
//! anything under `tmp/`, an incoming file left by a crash is garbage.

use crate::Terminal;
use crate::error::{Error, Result};
use crate::evidence::Capture;
use fieldtrail_core::Evidence;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::PathBuf;

/// Reports progress at most this often (in bytes read) so that a large file sends about a hundred reports.
const MIN_REPORT_STEP: u64 = 1024 * 1024;

/// A reader that tells `report(done, total)` how far it has read: at most every `step` bytes, and at the end.
pub struct Reporting<R, F> {
    inner: R,
    done: u64,
    reported: u64,
    total: u64,
    step: u64,
    report: F,
}

impl<R, F> std::fmt::Debug for Reporting<R, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporting").field("done", &self.done).field("total", &self.total).finish_non_exhaustive()
    }
}

impl<R: Read, F: FnMut(u64, u64)> Reporting<R, F> {
    /// Wraps `inner`, whose length is `total` bytes.
    pub fn new(inner: R, total: u64, report: F) -> Self {
        Self { inner, done: 0, reported: 0, total, step: (total / 100).max(MIN_REPORT_STEP), report }
    }
}

impl<R: Read, F: FnMut(u64, u64)> Read for Reporting<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        let end = n == 0 || self.done == self.total;
        if self.done - self.reported >= self.step || (end && self.done != self.reported) {
            (self.report)(self.done, self.total.max(self.done));
            self.reported = self.done;
        }
        Ok(n)
    }
}

impl Terminal {
    /// Where incoming file `id` is kept; refuses an id that is not one [`Terminal::begin_incoming`] gave (it comes
    /// from the ui, and must never name another file).
    fn incoming_path(&self, id: &str) -> Result<PathBuf> {
        let id = uuid::Uuid::parse_str(id).map_err(|_| Error::Invalid(format!("no incoming file {id:?}")))?;
        Ok(self.data_dir().join("tmp").join(format!("{id}.incoming")))
    }

    /// Starts a file that will arrive in pieces; returns its id.
    pub fn begin_incoming(&self) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let path = self.incoming_path(&id)?;
        let io = |source| Error::EvidenceIo { path: path.display().to_string(), source };
        fs::create_dir_all(self.data_dir().join("tmp")).map_err(io)?;
        File::create(&path).map_err(io)?;
        Ok(id)
    }

    /// Appends `piece` to incoming file `id`; returns how many bytes it holds now.
    pub fn append_incoming(&self, id: &str, piece: &[u8]) -> Result<u64> {
        let path = self.incoming_path(id)?;
        let io = |source| Error::EvidenceIo { path: path.display().to_string(), source };
        // Not `create`: a piece for a file that was never begun (or already taken) is refused, not a new file.
        let mut file = OpenOptions::new().append(true).open(&path).map_err(io)?;
        file.write_all(piece).map_err(io)?;
        Ok(file.metadata().map_err(io)?.len())
    }

    /// Takes the complete incoming file `id` into inspection `inspection_id` (REC-2), reporting
    /// `progress(bytes done, total)` while it is hashed and stored. The pieces are removed whatever the outcome: a
    /// refused file is sent again from the start.
    pub fn add_evidence_incoming(
        &self,
        inspection_id: &str,
        id: &str,
        capture: &Capture,
        progress: impl FnMut(u64, u64),
    ) -> Result<Evidence> {
        let path = self.incoming_path(id)?;
        let result = self.add_evidence_file_reporting(inspection_id, &path, capture, progress);
        let _ = fs::remove_file(&path);
        result
    }

    /// Forgets incoming file `id` (the officer cancelled, or sending a piece failed). Forgetting one already gone
    /// is not an error.
    pub fn discard_incoming(&self, id: &str) -> Result<()> {
        let path = self.incoming_path(id)?;
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::EvidenceIo { path: path.display().to_string(), source: e })
            }
            _ => Ok(()),
        }
    }
}
