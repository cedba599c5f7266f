//! A large file taken in pieces, as the app's webview sends a video (issue 10, item 3: nothing freezes), on a real
//! SQLite file and a real MPEG-4 video made by ffmpeg: it arrives whole (REC-2: the SHA-256 of the file), its
//! intake reports progress, two intakes at once from two threads both land, and the bad cases lose nothing.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use fieldtrail_core::MediaKind;
use fieldtrail_terminal::{Capture, Terminal, UnlockedOfficer};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use tempfile::TempDir;
mod common;

use common::{inspection, sha256sum};

/// A noise video of about `mib` MiB (so it does not compress), made once per test binary and size.
fn video(mib: u64) -> PathBuf {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    let path = DIR.get_or_init(|| TempDir::new().unwrap()).path().join(format!("noise-{mib}.mp4"));
    if !path.exists() {
        let status = Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg("color=c=gray:s=640x360:r=25,noise=alls=100:allf=t+u")
            .args(["-t", "600", "-c:v", "mpeg4", "-q:v", "2", "-fs", &(mib * 1024 * 1024).to_string()])
            .arg(&path)
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "ffmpeg failed: install the packages of scripts/apt-test-packages.txt"
        );
    }
    path
}

/// Sends the file at `path` in pieces of `piece` bytes, as the ui does; returns the incoming id.
fn send(t: &Terminal, path: &Path, piece: usize) -> String {
    let incoming = t.begin_incoming().unwrap();
    let mut file = std::fs::File::open(path).unwrap();
    let mut buf = vec![0; piece];
    let mut sent = 0;
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        sent += n as u64;
        assert_eq!(t.append_incoming(&incoming, &buf[..n]).unwrap(), sent);
    }
    incoming
}

/// Files left in the data directory's `tmp/`: none once an intake is over, whatever its outcome.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("tmp")).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default()
}

/// The terminal and an unlocked officer are shared by the app's commands running on a pool of threads.
#[test]
fn the_terminal_and_an_unlocked_officer_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Terminal>();
    shared::<UnlockedOfficer>();
}

/// REC-2: a 6 MiB video sent in 256 KiB pieces is stored with the SHA-256 of the original file, as a video, with
/// progress reported in order up to the whole size; nothing stays in `tmp/`.
#[test]
fn rec2_a_video_sent_in_pieces_arrives_whole_with_progress() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = inspection(&t);
    let source = video(6);
    let size = std::fs::metadata(&source).unwrap().len();

    let incoming = send(&t, &source, 256 * 1024);
    let capture = Capture { original_name: "现场录像.mp4".into(), ..Capture::default() };
    let mut reports = Vec::new();
    let e = t.add_evidence_incoming(&id, &incoming, &capture, |done, total| reports.push((done, total))).unwrap();

    assert_eq!(e.sha256, sha256sum(&source));
    assert_eq!((e.size, e.kind, e.media_type.as_str()), (size, MediaKind::Video, "video/mp4"));
    assert_eq!(e.original_name, "现场录像.mp4");
    assert_eq!(sha256sum(&t.evidence_path(&e.sha256).unwrap()), e.sha256);
    assert_eq!(t.list_evidence(&id).unwrap(), vec![e]);
    assert!(reports.len() >= 3, "a 6 MiB intake reports more than its end: {reports:?}");
    assert!(reports.windows(2).all(|w| w[0].0 < w[1].0), "progress goes forward: {reports:?}");
    assert!(reports.iter().all(|&(_, total)| total == size));
    assert_eq!(reports.last(), Some(&(size, size)));
    assert_eq!(leftovers(dir.path()), Vec::<PathBuf>::new());
}

/// Two intakes at once on two threads (two app commands), with the inspection read meanwhile: both videos land
/// in the one document, each whole; the terminal's connection lock keeps SQLite consistent.
#[test]
fn rec2_two_intakes_at_once_both_land() {
    let dir = TempDir::new().unwrap();
    let t = Arc::new(Terminal::open(dir.path()).unwrap());
    let id = inspection(&t);
    let (a, b) = (video(3), video(4));
    let workers: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .map(|path| {
            let (t, id) = (t.clone(), id.clone());
            std::thread::spawn(move || {
                let incoming = send(&t, &path, 64 * 1024);
                t.add_evidence_incoming(&id, &incoming, &Capture::default(), |_, _| ()).unwrap().sha256
            })
        })
        .collect();
    while !workers.iter().all(std::thread::JoinHandle::is_finished) {
        assert_eq!(t.list_inspections().unwrap().len(), 1);
    }
    let mut stored: Vec<String> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let mut listed: Vec<String> = t.list_evidence(&id).unwrap().into_iter().map(|e| e.sha256).collect();
    stored.sort();
    listed.sort();
    let mut expected = vec![sha256sum(&a), sha256sum(&b)];
    expected.sort();
    assert_eq!((stored, listed.clone()), (expected.clone(), expected));
}

/// Bad cases: a piece for an id that was never begun, or that names another file, is refused and touches
/// nothing; a file that is not media, or meant for an inspection that does not exist, is refused with its code,
/// stores nothing and leaves nothing behind; discarding is idempotent.
#[test]
fn bad_pieces_and_bad_files_are_refused_and_lose_nothing() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = inspection(&t);
    let db = std::fs::read(dir.path().join("terminal.db")).unwrap();

    let never = "0b7e0c1a-5f43-4c43-9d1e-2f1a7c6e9b10";
    assert_eq!(t.append_incoming(never, b"bytes").unwrap_err().code(), "evidence_io");
    for evil in ["../terminal.db", "/etc/passwd", "", "terminal"] {
        assert_eq!(t.append_incoming(evil, b"bytes").unwrap_err().code(), "invalid_input", "{evil:?}");
        assert_eq!(t.discard_incoming(evil).unwrap_err().code(), "invalid_input", "{evil:?}");
    }
    assert_eq!(std::fs::read(dir.path().join("terminal.db")).unwrap(), db, "the database was not touched");
    assert_eq!(leftovers(dir.path()), Vec::<PathBuf>::new());

    let notes = t.begin_incoming().unwrap();
    t.append_incoming(&notes, b"not a video, just notes\n").unwrap();
    let refused = t.add_evidence_incoming(&id, &notes, &Capture::default(), |_, _| ()).unwrap_err();
    assert_eq!(refused.code(), "evidence_unsupported");
    // Taken or refused, the pieces are gone: sending more to the same id is refused.
    assert_eq!(t.append_incoming(&notes, b"more").unwrap_err().code(), "evidence_io");

    let orphan = send(&t, &video(3), 1024 * 1024);
    let missing = t.add_evidence_incoming("no-such-inspection", &orphan, &Capture::default(), |_, _| ()).unwrap_err();
    assert_eq!(missing.code(), "not_found");

    let cancelled = send(&t, &video(3), 1024 * 1024);
    t.discard_incoming(&cancelled).unwrap();
    t.discard_incoming(&cancelled).unwrap();

    assert_eq!(leftovers(dir.path()), Vec::<PathBuf>::new());
    assert!(t.list_evidence(&id).unwrap().is_empty());
    assert!(
        !dir.path().join("blobs").exists() || std::fs::read_dir(dir.path().join("blobs")).unwrap().next().is_none()
    );
}
