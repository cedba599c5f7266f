//! Evidence benchmarks (REC-2, SYNC-3), printing figures beside the fastest public tools on the same files in
//! the same run:
//! - intake of a 1 GiB recording (stream, SHA-256, copy, fsync, rename) in MB/s beside `openssl dgst -sha256`
//!   (which only reads and hashes), and the intake's peak memory;
//! - upload of that file over loopback to an in-process server (chunks, the server's streaming writes and its
//!   hash check on arrival) in MB/s;
//! - a thumbnail of a 12-megapixel JPEG beside libvips' `vipsthumbnail`: wall time and peak memory, as ratios.
//!
//! Run: `cargo bench -p fieldtrail-tests --bench evidence` (a few minutes; needs scripts/apt-test-packages.txt).
//! `FIELDTRAIL_BENCH_MIB` shrinks the intake file for a quick look; `FIELDTRAIL_BENCH_SMOKE=1` runs everything
//! once on an 8 MiB file (the test script's check that the bench still works, not a measurement). Peak memory of our own code is measured in a
//! child process (this binary re-run with `--child-*`), reading its VmHWM; of the tools, with GNU time.
#![allow(clippy::unwrap_used)] // a benchmark that cannot set up should stop loudly

use fieldtrail_terminal::evidence::media;
use fieldtrail_terminal::{Capture, Terminal, UploadOptions};
use fieldtrail_tests::{InProcessServer, sample_inspection, write_noise_wav};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child-intake") {
        return child_intake(Path::new(&args[i + 1]), Path::new(&args[i + 2]));
    }
    if let Some(i) = args.iter().position(|a| a == "--child-thumb") {
        return child_thumb(Path::new(&args[i + 1]), Path::new(&args[i + 2]));
    }
    let smoke = fieldtrail_tests::bench::smoke();
    let default_mib = if smoke { 8 } else { 1024 };
    let mib: u64 = std::env::var("FIELDTRAIL_BENCH_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(default_mib);
    let runs = if smoke { 1 } else { 5 };
    let dir = tempfile::TempDir::new().unwrap();
    intake_and_upload(dir.path(), mib);
    thumbnail(dir.path(), runs);
}

/// Peak resident memory of this process, from /proc/self/status, in KiB.
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn child_intake(data: &Path, file: &Path) {
    let t = Terminal::open(data).unwrap();
    let id = t.create_inspection(&sample_inspection("基准测试")).unwrap();
    let started = Instant::now();
    let e = t.add_evidence_file(&id, file, &Capture::default()).unwrap();
    println!("{} {} {}", started.elapsed().as_secs_f64(), vm_hwm_kib(), e.sha256);
}

fn child_thumb(file: &Path, out: &Path) {
    let started = Instant::now();
    media::thumbnail(file, out).unwrap();
    println!("{} {}", started.elapsed().as_secs_f64(), vm_hwm_kib());
}

/// Runs a command under GNU time; returns (wall seconds, peak RSS KiB, stdout).
fn timed(cmd: &str, args: &[&str]) -> (f64, u64, String) {
    let started = Instant::now();
    let out = Command::new("/usr/bin/time").arg("-v").arg(cmd).args(args).output().unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{cmd} failed: {}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rss = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    (wall, rss, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn this_exe() -> PathBuf {
    std::env::current_exe().unwrap()
}

fn intake_and_upload(dir: &Path, mib: u64) {
    let size = mib * 1024 * 1024;
    let file = dir.join("recording.wav");
    let t0 = Instant::now();
    write_noise_wav(&file, size, 42).unwrap();
    println!("evidence bench: wrote a {mib} MiB WAV in {:.1} s", t0.elapsed().as_secs_f64());

    // openssl first: it also warms the page cache, so both read from memory.
    let mut best_openssl = f64::MAX;
    let mut openssl_sha = String::new();
    for _ in 0..3 {
        let (wall, _, out) = timed("openssl", &["dgst", "-sha256", "-r", file.to_str().unwrap()]);
        best_openssl = best_openssl.min(wall);
        openssl_sha = out.split_whitespace().next().unwrap_or_default().trim_start_matches('*').to_owned();
    }
    let data = dir.join("terminal");
    let out =
        Command::new(this_exe()).args(["--child-intake", data.to_str().unwrap(), file.to_str().unwrap()]).output();
    let out = out.unwrap();
    assert!(out.status.success(), "intake child failed: {}", String::from_utf8_lossy(&out.stderr));
    let line = String::from_utf8_lossy(&out.stdout);
    let mut parts = line.split_whitespace();
    let secs: f64 = parts.next().unwrap().parse().unwrap();
    let hwm: u64 = parts.next().unwrap().parse().unwrap();
    let sha = parts.next().unwrap().to_owned();
    assert_eq!(sha, openssl_sha, "intake and openssl disagree on the hash");
    let mb = size as f64 / 1e6;
    println!(
        "intake {mib} MiB: {:.0} MB/s ({secs:.2} s: SHA-256 + copy + fsync + rename); openssl dgst -sha256: {:.0} MB/s \
         ({best_openssl:.2} s, hash only, best of 3); ratio intake/openssl = {:.2}",
        mb / secs,
        mb / best_openssl,
        best_openssl / secs
    );
    println!("intake peak memory (VmHWM of the whole process): {:.1} MiB for a {mib} MiB file", hwm as f64 / 1024.0);

    // Where the intake's time goes: our streaming SHA-256 alone, and the disk's copy + fsync alone (dd).
    let started = Instant::now();
    let (ours_sha, _) = fieldtrail_terminal::evidence::intake::hash_file(&file).unwrap();
    let hash_secs = started.elapsed().as_secs_f64();
    assert_eq!(ours_sha, openssl_sha);
    let copy = dir.join("dd-copy");
    let (dd_secs, _, _) = timed(
        "dd",
        &[&format!("if={}", file.display()), &format!("of={}", copy.display()), "bs=1M", "conv=fsync", "status=none"],
    );
    let _ = std::fs::remove_file(&copy);
    println!(
        "  of which: SHA-256 alone (ring, streamed) {:.0} MB/s = {:.2}× openssl; copy + fsync alone (dd conv=fsync) \
         {:.0} MB/s: the intake is bound by the disk, not the hash",
        mb / hash_secs,
        best_openssl / hash_secs,
        mb / dd_secs
    );

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let server = InProcessServer::start(&dir.join("server")).await.unwrap();
        let t = Terminal::open(&data).unwrap();
        // Uploads are signed by a registered device, as every request is.
        fieldtrail_tests::register(&server.data, &t).unwrap();
        let started = Instant::now();
        t.upload_evidence(&server.url, &sha, &UploadOptions::default(), |_, _| {}).await.unwrap();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "upload {mib} MiB over loopback: {:.0} MB/s ({secs:.2} s, 8 MiB chunks, server hash check included)",
            mb / secs
        );
        server.stop().await.unwrap();
    });
    let _ = std::fs::remove_file(&file);
}

fn thumbnail(dir: &Path, runs: usize) {
    let media_dir = dir.join("media");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/test-media.sh");
    let status = Command::new("bash").arg(&script).arg(&media_dir).stdout(std::process::Stdio::null()).status();
    assert!(status.unwrap().success(), "scripts/test-media.sh failed");
    let photo = media_dir.join("photo_12mp.jpg");
    let (w, h) = media::dimensions(&photo).unwrap();

    let (mut ours, mut ours_mem) = (Vec::new(), 0u64);
    let (mut vips, mut vips_mem) = (Vec::new(), 0u64);
    for i in 0..runs {
        let out = dir.join(format!("ours{i}.jpg"));
        let o = Command::new(this_exe())
            .args(["--child-thumb", photo.to_str().unwrap(), out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "thumbnail child failed: {}", String::from_utf8_lossy(&o.stderr));
        let line = String::from_utf8_lossy(&o.stdout);
        let mut p = line.split_whitespace();
        ours.push(p.next().unwrap().parse::<f64>().unwrap());
        ours_mem = ours_mem.max(p.next().unwrap().parse().unwrap());

        let out = dir.join(format!("vips{i}.jpg"));
        let (wall, rss, _) = timed(
            "vipsthumbnail",
            &[photo.to_str().unwrap(), "-s", &media::THUMB_SIDE.to_string(), "-o", out.to_str().unwrap()],
        );
        vips.push(wall);
        vips_mem = vips_mem.max(rss);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours_t, vips_t) = (median(&mut ours), median(&mut vips));
    println!(
        "thumbnail of a {:.1}-MP JPEG ({w}×{h}) to {} px: ours {:.3} s, {:.0} MiB peak; vipsthumbnail {:.3} s, {:.0} MiB \
         peak (median of {runs}); ratios ours/vips: time {:.2}, memory {:.2}",
        (w * h) as f64 / 1e6,
        media::THUMB_SIDE,
        ours_t,
        ours_mem as f64 / 1024.0,
        vips_t,
        vips_mem as f64 / 1024.0,
        ours_t / vips_t,
        ours_mem as f64 / vips_mem as f64
    );
    println!(
        "(ours is timed inside the process, decode + orient + resize + encode; vips wall time includes its start-up)"
    );
}
