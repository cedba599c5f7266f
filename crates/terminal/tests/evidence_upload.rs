//! The terminal's resumable upload client against a real server on loopback (SYNC-3, SYNC-4): progress,
//! resume after the app is killed mid-upload, files the server already has not sent again, and the SHA-256
//! checked on arrival.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use fieldtrail_terminal::{Capture, Terminal, UploadOptions, UploadOutcome};
use std::io::Write;
use std::path::{Path, PathBuf};
use tempfile::TempDir;
mod common;

use common::inspection;

async fn server(data: PathBuf) -> String {
    let config = fieldtrail_server::Config::new(data, "127.0.0.1:0".parse().unwrap());
    let server = fieldtrail_server::Server::bind(&config).await.unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.serve(std::future::pending()));
    url
}

/// Opens a terminal registered with the server in `server_data`, as the administrator does.
fn open(data: &Path, server_data: &Path) -> Terminal {
    let t = Terminal::open(data).unwrap();
    let store = fieldtrail_server::SqliteStore::open(server_data).unwrap();
    // Opening the same terminal again finds it registered already.
    let _ =
        fieldtrail_server::devices::register(&store, t.device_id(), &t.device_public_key().unwrap(), "测试局", "test");
    t
}

/// A WAV recording of `len` bytes of noise: a real RIFF/WAVE header (16 kHz mono 16-bit) and pseudo-random
/// samples, so it is sniffed as audio and no two seeds share a hash.
fn noise_wav(path: &Path, len: u32, seed: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let data_len = len - 44;
    f.write_all(b"RIFF").unwrap();
    f.write_all(&(len - 8).to_le_bytes()).unwrap();
    f.write_all(b"WAVEfmt ").unwrap();
    f.write_all(&16u32.to_le_bytes()).unwrap();
    f.write_all(&[1, 0, 1, 0]).unwrap(); // PCM, mono
    f.write_all(&16_000u32.to_le_bytes()).unwrap();
    f.write_all(&32_000u32.to_le_bytes()).unwrap();
    f.write_all(&[2, 0, 16, 0]).unwrap();
    f.write_all(b"data").unwrap();
    f.write_all(&data_len.to_le_bytes()).unwrap();
    let mut x = seed | 1;
    let mut buf = Vec::with_capacity(data_len as usize);
    for _ in 0..data_len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf.push(x as u8);
    }
    f.write_all(&buf).unwrap();
}

fn server_blob(data: &Path, sha: &str) -> PathBuf {
    data.join("blobs").join(&sha[0..2]).join(&sha[2..4]).join(sha)
}

/// SYNC-3: progress is reported to the total; a second terminal holding the same file sends nothing.
#[tokio::test]
async fn sync3_upload_reports_progress_and_skips_what_the_server_has() {
    let dir = TempDir::new().unwrap();
    let url = server(dir.path().join("server")).await;
    let wav = dir.path().join("rec.wav");
    noise_wav(&wav, 3_000_000, 1);

    let a = open(&dir.path().join("a"), &dir.path().join("server"));
    let id = inspection(&a);
    let e = a.add_evidence_file(&id, &wav, &Capture::default()).unwrap();
    assert_eq!(e.duration_ms, Some((3_000_000 - 44) * 1000 / 32_000));
    assert_eq!(a.evidence_to_upload(&url).unwrap(), vec![e.sha256.clone()]);

    let options = UploadOptions { chunk_size: 1 << 20, ..UploadOptions::default() };
    let mut seen = Vec::new();
    let outcome = a.upload_evidence(&url, &e.sha256, &options, |done, total| seen.push((done, total))).await.unwrap();
    assert_eq!(outcome, UploadOutcome::Uploaded { bytes_sent: e.size, resumed_from: 0, retries: 0 });
    assert_eq!(seen.first(), Some(&(0, e.size)));
    assert_eq!(seen.last(), Some(&(e.size, e.size)));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "progress never goes back: {seen:?}");
    assert_eq!(
        std::fs::read(server_blob(&dir.path().join("server"), &e.sha256)).unwrap(),
        std::fs::read(&wav).unwrap()
    );
    assert!(a.evidence_to_upload(&url).unwrap().is_empty());

    let b = open(&dir.path().join("b"), &dir.path().join("server"));
    let id_b = inspection(&b);
    let e_b = b.add_evidence_file(&id_b, &wav, &Capture::default()).unwrap();
    let outcome = b.upload_evidence(&url, &e_b.sha256, &options, |_, _| {}).await.unwrap();
    assert_eq!(outcome, UploadOutcome::AlreadyOnServer);
    assert!(b.evidence_to_upload(&url).unwrap().is_empty());
}

/// SYNC-3: the app is killed mid-upload (its future dropped, its terminal closed); reopened, it resumes from
/// the server's offset, sending only the rest.
#[tokio::test]
async fn sync3_killed_app_resumes_from_server_offset() {
    let dir = TempDir::new().unwrap();
    let url = server(dir.path().join("server")).await;
    let wav = dir.path().join("long.wav");
    let size = 24 * 1024 * 1024;
    noise_wav(&wav, size, 2);
    let options = UploadOptions { chunk_size: 1 << 20, ..UploadOptions::default() };

    let data = dir.path().join("t");
    let sha = {
        let t = open(&data, &dir.path().join("server"));
        let id = inspection(&t);
        let sha = t.add_evidence_file(&id, &wav, &Capture::default()).unwrap().sha256;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let mut stop_tx = Some(stop_tx);
        let upload = t.upload_evidence(&url, &sha, &options, |done, total| {
            if done >= total / 3
                && let Some(tx) = stop_tx.take()
            {
                let _ = tx.send(());
            }
        });
        tokio::select! {
            r = upload => panic!("the upload should have been killed, it ended with {r:?}"),
            _ = stop_rx => {}
        }
        sha
    };

    let t = open(&data, &dir.path().join("server"));
    let outcome = t.upload_evidence(&url, &sha, &options, |_, _| {}).await.unwrap();
    let UploadOutcome::Uploaded { bytes_sent, resumed_from, .. } = outcome else { panic!("{outcome:?}") };
    println!("killed app: resumed from {resumed_from} of {size}, then sent {bytes_sent}");
    assert!(resumed_from >= size as u64 / 3, "resumed from {resumed_from}");
    assert_eq!(bytes_sent, size as u64 - resumed_from, "nothing sent twice");
    assert_eq!(std::fs::read(server_blob(&dir.path().join("server"), &sha)).unwrap(), std::fs::read(&wav).unwrap());
}

/// SYNC-4: a terminal whose stored bytes no longer match their hash (changed on disk after intake) is refused
/// by the server, with its own error code, and nothing is kept under that hash.
#[tokio::test]
async fn sync4_changed_local_file_is_refused_by_the_server() {
    let dir = TempDir::new().unwrap();
    let server_data = dir.path().join("server");
    let url = server(server_data.clone()).await;
    let wav = dir.path().join("rec.wav");
    noise_wav(&wav, 500_000, 3);
    let t = open(&dir.path().join("t"), &server_data);
    let id = inspection(&t);
    let e = t.add_evidence_file(&id, &wav, &Capture::default()).unwrap();

    let path = t.evidence_path(&e.sha256).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[1000] ^= 1;
    std::fs::write(&path, bytes).unwrap();

    let err = t.upload_evidence(&url, &e.sha256, &UploadOptions::default(), |_, _| {}).await.unwrap_err();
    assert_eq!(err.code(), "upload_hash_mismatch", "{err}");
    assert!(!server_blob(&server_data, &e.sha256).exists());
    assert_eq!(t.verify_evidence().unwrap().changed, vec![e.sha256]);
}

/// SYNC-3: the real CLI process is killed (SIGKILL) mid-upload; run again, it resumes from the server's offset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync3_cli_killed_mid_upload_resumes() {
    let dir = TempDir::new().unwrap();
    let server_data = dir.path().join("server");
    let url = server(server_data.clone()).await;
    let wav = dir.path().join("long.wav");
    let size = 96 * 1024 * 1024u32;
    noise_wav(&wav, size, 4);
    let data = dir.path().join("t");
    let sha = {
        let t = open(&data, &server_data);
        let id = inspection(&t);
        t.add_evidence_file(&id, &wav, &Capture::default()).unwrap().sha256
    };
    let cli = |data: &Path, url: &str| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fieldtrail-terminal"));
        cmd.arg("--data").arg(data).args(["evidence", "upload", "--server", url, "--chunk-size", "1048576"]);
        cmd
    };

    // The watcher below always kills and waits for it before returning.
    #[allow(clippy::zombie_processes)]
    let mut child =
        cli(&data, &url).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let uploads = server_data.join("uploads");
    let held = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let part = std::fs::read_dir(&uploads).ok().and_then(|mut d| d.next()).and_then(|e| e.ok());
            let len = part.and_then(|e| e.metadata().ok()).map_or(0, |m| m.len());
            if len >= 8 << 20 || std::time::Instant::now() > deadline {
                child.kill().unwrap();
                child.wait().unwrap();
                return len;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    })
    .await
    .unwrap();
    assert!(held >= 8 << 20 && held < size as u64, "killed with {held} bytes on the server");

    let out = tokio::task::spawn_blocking(move || cli(&data, &url).output().unwrap()).await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{stdout}");
    let resumed: u64 = stdout.split("resumed from ").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    let sent: u64 = stdout.split("uploaded: ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(resumed >= held, "resumed from {resumed}, the server held {held}");
    assert_eq!(sent, size as u64 - resumed, "only the rest was sent");
    assert_eq!(std::fs::read(server_blob(&server_data, &sha)).unwrap(), std::fs::read(&wav).unwrap());
}

/// The app runs uploads on Tauri's multi-threaded runtime: the future must be `Send`.
#[test]
fn upload_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let options = UploadOptions::default();
    let sha = "a".repeat(64);
    let fut = t.upload_evidence("http://127.0.0.1:9", &sha, &options, |_, _| {});
    assert_send(&fut);
}
