//! The kill -9 loop (SEC-7: acknowledged means durable). The real fieldtrail-server binary serves several
//! terminals that edit, sync and upload evidence concurrently, and is killed with SIGKILL at random moments.
//! After each kill, with the server down, it checks what the crash left:
//! - `fieldtrail-server --data DIR verify` is clean (every stored file re-hashed, the log recomputed, and
//!   consistent with the newest head a terminal holds in a receipt);
//! - every change a terminal holds a receipt for is in the server's store, every file whose upload a
//!   terminal saw complete is stored, and every receipt's signed head is the server's head of that size (never
//!   two different heads of one size);
//!
//! then starts the server again on the same port. Prints kills, acknowledged changes and files, losses (must
//! be 0) and time; exits non-zero on any loss.
//!
//! Run: `cargo bench -p fieldtrail-tests --bench killloop` (100 kills, a few minutes). `FIELDTRAIL_BENCH_SMOKE=1`
//! runs 5 kills; `FIELDTRAIL_KILLS=N` sets the count; `FIELDTRAIL_SEED` repeats a schedule.
#![allow(clippy::unwrap_used)] // a benchmark that cannot set up should stop loudly

use fieldtrail_core::Edit;
use fieldtrail_core::trail::{Leaf, LeafKind};
use fieldtrail_terminal::{Capture, Terminal, UploadOptions};
use fieldtrail_tests::{ServerProcess, XorShift, sample_inspection, write_noise_wav};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TERMINALS: usize = 3;

/// What the terminals saw acknowledged: files whose upload completed.
#[derive(Debug, Default)]
struct Acked {
    files: Mutex<Vec<String>>,
    syncs_ok: AtomicU64,
    syncs_failed: AtomicU64,
}

fn main() {
    let smoke = fieldtrail_tests::bench::smoke();
    let kills: u32 =
        std::env::var("FIELDTRAIL_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(if smoke { 5 } else { 100 });
    let seed = std::env::var("FIELDTRAIL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    let dir = tempfile::TempDir::new().unwrap();
    let server_data = dir.path().join("server");
    let server = ServerProcess::start(&server_data).unwrap();
    let url = server.url();
    let server_bin = fieldtrail_tests::server_binary().unwrap();
    println!("kill loop: {kills} kills, {TERMINALS} terminals, seed {seed}");

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let terminals: Vec<Arc<Terminal>> = (0..TERMINALS)
        .map(|i| {
            let t = Terminal::open(dir.path().join(format!("t{i}"))).unwrap();
            fieldtrail_tests::register(&server_data, &t).unwrap();
            Arc::new(t)
        })
        .collect();
    let acked = Arc::new(Acked::default());
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = terminals
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let work = work(t.clone(), url.clone(), dir.path().join(format!("media{i}")), i, seed, acked.clone());
            let stop = stop.clone();
            rt.spawn(async move {
                tokio::select! {
                    _ = work => {}
                    _ = async { while !stop.load(Ordering::SeqCst) { tokio::time::sleep(Duration::from_millis(20)).await } } => {}
                }
            })
        })
        .collect();

    let started = Instant::now();
    let mut rng = XorShift(seed);
    let mut server = server;
    let mut checked = Checked::default();
    for kill in 1..=kills {
        // A random moment: anywhere from mid-request to a quiet spell.
        std::thread::sleep(Duration::from_millis(30 + rng.next_u64() % 400));
        server.crash().unwrap();
        let report = check(&server_bin, &server_data, &terminals, &acked, dir.path());
        checked.add(&report);
        if !report.problems.is_empty() {
            for p in &report.problems {
                eprintln!("kill {kill}: {p}");
            }
            stop.store(true, Ordering::SeqCst);
            std::process::exit(1);
        }
        server.start_again().unwrap();
        if kill % 10 == 0 || smoke {
            println!(
                "  kill {kill}: {} changes and {} files acknowledged so far, all on the server; verify clean",
                report.changes, report.files
            );
        }
    }
    // Let the terminals finish what they were doing against a live server, then check once more.
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    rt.block_on(async {
        for w in workers {
            let _ = w.await;
        }
    });
    server.crash().unwrap();
    let last = check(&server_bin, &server_data, &terminals, &acked, dir.path());
    checked.add(&last);
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "kill loop: {kills} kills (SIGKILL) in {elapsed:.1} s; acknowledged: {} changes (in {} receipts) and {} files; \
         lost: {} changes, {} files; forked heads: {}; verify runs: {} clean of {}; syncs: {} ok, {} failed by the kills",
        last.changes,
        last.receipts,
        last.files,
        last.lost_changes,
        last.lost_files,
        last.forks,
        checked.clean_verifies,
        checked.verifies,
        acked.syncs_ok.load(Ordering::SeqCst),
        acked.syncs_failed.load(Ordering::SeqCst),
    );
    if !last.problems.is_empty() || checked.clean_verifies != checked.verifies {
        for p in &last.problems {
            eprintln!("{p}");
        }
        std::process::exit(1);
    }
}

/// One terminal's work: keep editing its inspection, syncing, and now and then adding and uploading a recording.
async fn work(t: Arc<Terminal>, url: String, media: PathBuf, n: usize, seed: u64, acked: Arc<Acked>) {
    std::fs::create_dir_all(&media).unwrap();
    let id = t.create_inspection(&sample_inspection(&format!("临河区第{n}超市"))).unwrap();
    let options = UploadOptions {
        chunk_size: 128 * 1024,
        max_failures: 1000,
        retry_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
    };
    let mut rng = XorShift(seed ^ ((n as u64 + 1) * 0x9E37_79B9));
    let mut pending: Vec<String> = Vec::new();
    for round in 0u64.. {
        t.edit(&id, &[Edit::SetFindings(format!("第{round}次检查: 冷藏温度 {} ℃", rng.next_u64() % 10))]).unwrap();
        // Every third round of the first two terminals records evidence.
        if n < 2 && round % 3 == 0 {
            let wav = media.join(format!("r{round}.wav"));
            write_noise_wav(&wav, 200_000 + rng.next_u64() % 400_000, rng.next_u64()).unwrap();
            let e = t.add_evidence_file(&id, &wav, &Capture::default()).unwrap();
            std::fs::remove_file(&wav).unwrap();
            pending.push(e.sha256);
        }
        match t.sync(&url).await {
            Ok(_) => acked.syncs_ok.fetch_add(1, Ordering::SeqCst),
            Err(_) => acked.syncs_failed.fetch_add(1, Ordering::SeqCst),
        };
        let mut still = Vec::new();
        for sha in pending.drain(..) {
            match t.upload_evidence(&url, &sha, &options, |_, _| {}).await {
                Ok(_) => acked.files.lock().unwrap().push(sha),
                Err(_) => still.push(sha),
            }
        }
        pending = still;
        tokio::time::sleep(Duration::from_millis(rng.next_u64() % 50)).await;
    }
}

#[derive(Debug, Default)]
struct Report {
    receipts: u64,
    changes: u64,
    files: u64,
    lost_changes: u64,
    lost_files: u64,
    forks: u64,
    verify_clean: bool,
    problems: Vec<String>,
}

#[derive(Debug, Default)]
struct Checked {
    verifies: u64,
    clean_verifies: u64,
}

impl Checked {
    fn add(&mut self, r: &Report) {
        self.verifies += 1;
        self.clean_verifies += u64::from(r.verify_clean);
    }
}

/// With the server down: its verify, and every acknowledged change, head and file against its store.
fn check(server_bin: &Path, data: &Path, terminals: &[Arc<Terminal>], acked: &Acked, scratch: &Path) -> Report {
    let mut report = Report::default();
    let db = rusqlite::Connection::open_with_flags(data.join("server.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let mut heads: BTreeMap<u64, String> = BTreeMap::new();
    let mut newest = None;
    for t in terminals {
        for receipt in t.receipts().unwrap() {
            report.receipts += 1;
            let sth = &receipt.sth;
            match heads.insert(sth.size, sth.root.clone()) {
                Some(other) if other != sth.root => {
                    report.forks += 1;
                    report.problems.push(format!("two signed heads of size {}: {other} and {}", sth.size, sth.root));
                }
                _ => {}
            }
            let stored: Option<Vec<u8>> =
                db.query_row("SELECT root FROM log_heads WHERE size = ?1", [sth.size as i64], |r| r.get(0)).ok();
            if stored.as_deref().map(hex::encode).as_deref() != Some(sth.root.as_str()) {
                report.forks += 1;
                report.problems.push(format!(
                    "a receipt holds head {} of size {}; the server has {:?}",
                    sth.root,
                    sth.size,
                    stored.map(hex::encode)
                ));
            }
            if newest.as_ref().is_none_or(|n: &fieldtrail_core::trail::SignedTreeHead| n.size < sth.size) {
                newest = Some(sth.clone());
            }
            for entry in &receipt.entries {
                let leaf = Leaf::decode(&hex::decode(&entry.leaf).unwrap()).unwrap();
                if leaf.kind != LeafKind::Change {
                    continue;
                }
                report.changes += 1;
                let held: bool = db
                    .query_row(
                        "SELECT count(*) > 0 FROM changes WHERE doc_id = ?1 AND hash = ?2",
                        rusqlite::params![leaf.document, leaf.hash.as_slice()],
                        |r| r.get(0),
                    )
                    .unwrap();
                if !held {
                    report.lost_changes += 1;
                    report.problems.push(format!(
                        "change {} of {} has a receipt but is not on the server",
                        hex::encode(leaf.hash),
                        leaf.document
                    ));
                }
            }
        }
    }
    let files: HashSet<String> = acked.files.lock().unwrap().iter().cloned().collect();
    for sha in &files {
        report.files += 1;
        let stored: bool =
            db.query_row("SELECT count(*) > 0 FROM blobs WHERE sha256 = ?1", [sha], |r| r.get(0)).unwrap();
        if !stored {
            report.lost_files += 1;
            report.problems.push(format!("file {sha} was acknowledged complete but is not stored"));
        }
    }
    drop(db);
    let mut cmd = std::process::Command::new(server_bin);
    cmd.args(["--data", data.to_str().unwrap(), "verify"]).env("FIELDTRAIL_LOG", "warn");
    if let Some(sth) = newest {
        let path = scratch.join("newest-sth.json");
        std::fs::write(&path, serde_json::to_vec(&sth).unwrap()).unwrap();
        cmd.arg("--since-sth").arg(path);
    }
    let out = cmd.output().unwrap();
    report.verify_clean = out.status.success();
    if !report.verify_clean {
        report.problems.push(format!("verify is not clean: {}", String::from_utf8_lossy(&out.stdout)));
    }
    report
}
