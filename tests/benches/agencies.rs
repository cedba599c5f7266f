//! SEC-1 pull cost: what a tablet of one agency pays to sync, before and after another agency stores many
//! documents on the same server. The pull filters in the store's query (an index on agency and sequence), so
//! the figures should not move.
//!
//! `cargo bench -p fieldtrail-tests --bench agencies` (defaults), or with `FT_OWN_DOCS=100 FT_OTHER_DOCS=10000`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails by panicking

use fieldtrail_core::NewInspection;
use fieldtrail_terminal::Terminal;
use fieldtrail_tests::{AGENCY, InProcessServer, register_for, sample_inspection};
use std::path::Path;
use std::time::Instant;
use tempfile::TempDir;

const OTHER: &str = "乌拉特前旗应急管理局";

fn env(name: &str, full: usize, smoke: usize) -> usize {
    fieldtrail_tests::bench::size(name, full as u64, smoke as u64) as usize
}

fn fill(t: &Terminal, agency: &str, n: usize) -> anyhow::Result<()> {
    for i in 0..n {
        t.create_inspection(&NewInspection { agency: agency.into(), ..sample_inspection(&format!("商户 {i}")) })?;
    }
    Ok(())
}

/// Median of `runs` idle syncs, in milliseconds, and the bytes of the last one.
async fn idle(t: &Terminal, url: &str, runs: usize) -> anyhow::Result<(f64, u64, u64)> {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        last = Some(t.sync(url).await?);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let last = last.unwrap_or_default();
    Ok((times[runs / 2], last.bytes_sent, last.bytes_received))
}

/// A fresh tablet of the other agency pulls what its agency sees: (seconds, documents received).
async fn fresh_pull(dir: &Path, name: &str, data: &Path, url: &str) -> anyhow::Result<(f64, u32)> {
    let t = Terminal::open(dir.join(name))?;
    register_for(data, &t, OTHER)?;
    let started = Instant::now();
    let r = t.sync(url).await?;
    Ok((started.elapsed().as_secs_f64(), r.received_docs))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let (own, other) = (env("FT_OWN_DOCS", 100, 5), env("FT_OTHER_DOCS", 10_000, 20));
    let runs = 21;
    let dir = TempDir::new()?;
    let server = InProcessServer::start(&dir.path().join("server")).await?;
    let url = server.url.clone();

    let b = Terminal::open(dir.path().join("b"))?;
    register_for(&server.data, &b, OTHER)?;
    fill(&b, OTHER, own)?;
    b.sync(&url).await?;
    let (idle_before, up_before, down_before) = idle(&b, &url, runs).await?;
    let (pull_before, got_before) = fresh_pull(dir.path(), "b-fresh-1", &server.data, &url).await?;

    let a = Terminal::open(dir.path().join("a"))?;
    register_for(&server.data, &a, AGENCY)?;
    fill(&a, AGENCY, other)?;
    let started = Instant::now();
    a.sync(&url).await?;
    let a_secs = started.elapsed().as_secs_f64();
    b.sync(&url).await?; // the cursor moves past the other agency's documents
    let (idle_after, up_after, down_after) = idle(&b, &url, runs).await?;
    let (pull_after, got_after) = fresh_pull(dir.path(), "b-fresh-2", &server.data, &url).await?;

    println!("agency benchmark: a tablet of agency B ({own} documents), before and after agency A stores {other}");
    println!("  A's first sync of {other} documents: {a_secs:.2} s");
    println!("  | figure | before | after |");
    println!(
        "  | B's idle sync (median of {runs}) | {idle_before:.1} ms, {up_before} B up, {down_before} B down | {idle_after:.1} ms, {up_after} B up, {down_after} B down |"
    );
    println!(
        "  | a new B tablet's first pull | {pull_before:.2} s, {got_before} documents | {pull_after:.2} s, {got_after} documents |"
    );
    server.stop().await?;
    Ok(())
}
