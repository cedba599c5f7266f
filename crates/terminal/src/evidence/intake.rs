//! Streaming intake into the content-addressed store (REC-2): the bytes are read once, hashed with SHA-256
//! while written to a temporary file in the data directory, fsynced, then renamed to `blobs/ab/cd/<sha256>`.
//! Memory stays at a few buffers whatever the file's size; the same bytes twice are stored once.

use crate::error::{Error, Result};
use ring::digest::{Context, SHA256};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// Read and write in pieces of this size: large enough for full disk and SHA throughput, small enough to be
/// irrelevant to memory.
const CHUNK: usize = 1024 * 1024;
/// How many leading bytes are kept for sniffing the media type.
pub const HEAD_LEN: usize = 8192;

/// A file copied into the data directory and hashed, not yet in the store.
#[derive(Debug)]
pub struct Staged {
    pub temp: PathBuf,
    pub sha256: String,
    pub size: u64,
    /// The first bytes, for sniffing.
    pub head: Vec<u8>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::EvidenceIo { path: path.display().to_string(), source }
}

/// Where the store keeps the file with this hash.
pub fn blob_path(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("blobs").join(&sha256[0..2]).join(&sha256[2..4]).join(sha256)
}

/// Copies `reader` into a temporary file under `data_dir/tmp`, hashing as it goes, and fsyncs it.
pub fn stage(data_dir: &Path, mut reader: impl Read) -> Result<Staged> {
    let tmp_dir = data_dir.join("tmp");
    fs::create_dir_all(&tmp_dir).map_err(io(&tmp_dir))?;
    let temp = tmp_dir.join(format!("{}.part", uuid::Uuid::new_v4()));
    let staged = (|| {
        let mut file = File::create(&temp).map_err(io(&temp))?;
        let mut head = Vec::with_capacity(HEAD_LEN);
        let mut size = 0u64;
        // SHA-256 runs on its own thread, on the piece just written, while the next piece is read and written:
        // the intake then costs about what the disk costs. Buffers go round between the two threads, so memory
        // stays at a few pieces.
        let (to_hasher, pieces) = mpsc::sync_channel::<Vec<u8>>(2);
        let (give_back, returned) = mpsc::channel::<Vec<u8>>();
        let digest = std::thread::scope(|scope| {
            let hasher = scope.spawn(move || {
                let mut ctx = Context::new(&SHA256);
                for piece in pieces {
                    ctx.update(&piece);
                    let _ = give_back.send(piece);
                }
                ctx.finish()
            });
            let copied = (|| {
                loop {
                    let mut buf = returned.try_recv().unwrap_or_default();
                    buf.resize(CHUNK, 0);
                    let n = read_full(&mut reader, &mut buf).map_err(io(&temp))?;
                    if n == 0 {
                        return Ok(());
                    }
                    buf.truncate(n);
                    if head.len() < HEAD_LEN {
                        head.extend_from_slice(&buf[..n.min(HEAD_LEN - head.len())]);
                    }
                    file.write_all(&buf).map_err(io(&temp))?;
                    size += n as u64;
                    if to_hasher.send(buf).is_err() {
                        return Err(Error::Invalid("the hashing thread stopped".into()));
                    }
                }
            })();
            drop(to_hasher);
            let digest = hasher.join().map_err(|_| Error::Invalid("the hashing thread panicked".into()));
            copied.and(digest)
        })?;
        // Durable before it gets a name: a crash never leaves a blob whose bytes differ from its hash.
        file.sync_all().map_err(io(&temp))?;
        Ok(Staged { temp: temp.clone(), sha256: hex::encode(digest.as_ref()), size, head })
    })();
    if staged.is_err() {
        let _ = fs::remove_file(&temp);
    }
    staged
}

/// Moves a staged file to its content address. If the store already holds those bytes, the copy is dropped.
pub fn commit(data_dir: &Path, staged: &Staged) -> Result<PathBuf> {
    let dest = blob_path(data_dir, &staged.sha256);
    let parent = dest.parent().unwrap_or(data_dir);
    fs::create_dir_all(parent).map_err(io(parent))?;
    if dest.exists() {
        discard(staged);
        return Ok(dest);
    }
    // Evidence is never edited in place: read-only makes an accidental write fail loudly (verify catches the rest).
    if let Ok(meta) = fs::metadata(&staged.temp) {
        let mut perms = meta.permissions();
        perms.set_readonly(true);
        let _ = fs::set_permissions(&staged.temp, perms);
    }
    fs::rename(&staged.temp, &dest).map_err(io(&dest))?;
    // The rename is durable only once the directory entry is on disk.
    if let Ok(dir) = File::open(parent) {
        let _ = dir.sync_all();
    }
    Ok(dest)
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Removes a staged file that will not be kept.
pub fn discard(staged: &Staged) {
    let _ = fs::remove_file(&staged.temp);
}

/// SHA-256 (hex) and size of a file, streamed.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    fieldtrail_core::evidence::sha256_of(File::open(path)?)
}
