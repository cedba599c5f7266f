//! Sync benchmark: N terminals × M inspections × K edits merged into a real server over loopback HTTP, then
//! the cost of a sync with nothing new when the terminal holds 10,000 documents.
//!
//! `cargo bench -p fieldtrail-tests --bench sync` (defaults), or with
//! `FT_TERMINALS=4 FT_INSPECTIONS=250 FT_EDITS=5 FT_IDLE_DOCS=10000`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::Edit;
use fieldtrail_terminal::{SyncReport, Terminal};
use fieldtrail_tests::{InProcessServer, register, sample_inspection};
use std::time::Instant;
use tempfile::TempDir;

fn env(name: &str, full: usize, smoke: usize) -> usize {
    fieldtrail_tests::bench::size(name, full as u64, smoke as u64) as usize
}

fn fill(t: &Terminal, inspections: usize, edits: usize) -> anyhow::Result<()> {
    for m in 0..inspections {
        let id = t.create_inspection(&sample_inspection(&format!("商户 {m}")))?;
        for k in 0..edits {
            t.edit(
                &id,
                &[Edit::SetFindings(format!("第 {k} 次记录：现场情况正常。")), Edit::SetResult(format!("结果 {k}"))],
            )?;
        }
    }
    Ok(())
}

fn add(total: &mut SyncReport, r: &SyncReport) {
    total.rounds += r.rounds;
    total.bytes_sent += r.bytes_sent;
    total.bytes_received += r.bytes_received;
    total.sent_docs += r.sent_docs;
    total.received_docs += r.received_docs;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let (n, m, k, idle_docs) = (
        env("FT_TERMINALS", 4, 2),
        env("FT_INSPECTIONS", 250, 5),
        env("FT_EDITS", 5, 2),
        env("FT_IDLE_DOCS", 10_000, 20),
    );
    let dir = TempDir::new()?;
    let server = InProcessServer::start(&dir.path().join("server")).await?;
    let url = server.url.clone();

    // Push: every terminal delivers its inspections at once.
    let terminals: Vec<Terminal> =
        (0..n).map(|i| Terminal::open(dir.path().join(format!("t{i}")))).collect::<Result<_, _>>()?;
    for t in &terminals {
        register(&server.data, t)?;
    }
    let started = Instant::now();
    for t in &terminals {
        fill(t, m, k)?;
    }
    let fill_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let reports = futures_join(&terminals, &url).await?;
    let push_secs = started.elapsed().as_secs_f64();
    let mut push = SyncReport::default();
    reports.iter().for_each(|r| add(&mut push, r));
    let docs = (n * m) as f64;
    println!("sync benchmark: {n} terminals x {m} inspections x {k} edits ({} documents)", n * m);
    println!("  local writes          {:>10.0} edits/s", docs * k as f64 / fill_secs);
    println!(
        "  push to server        {:>10.0} documents/s ({push_secs:.2} s, {} round trips)",
        docs / push_secs,
        push.rounds
    );
    println!(
        "  bytes per inspection  {:>10.0} up, {:.0} down",
        push.bytes_sent as f64 / docs,
        push.bytes_received as f64 / docs
    );

    // Pull: a fresh terminal receives everything.
    let fresh = Terminal::open(dir.path().join("fresh"))?;
    register(&server.data, &fresh)?;
    let started = Instant::now();
    let pull = fresh.sync(&url).await?;
    let pull_secs = started.elapsed().as_secs_f64();
    println!(
        "  pull to new terminal  {:>10.0} documents/s ({pull_secs:.2} s, {} round trips, {:.0} bytes down per inspection)",
        pull.received_docs as f64 / pull_secs,
        pull.rounds,
        pull.bytes_received as f64 / docs
    );

    // Idle: a terminal with `idle_docs` documents, all synced, syncs again.
    let big = Terminal::open(dir.path().join("big"))?;
    register(&server.data, &big)?;
    fill(&big, idle_docs, 0)?;
    let started = Instant::now();
    big.sync(&url).await?;
    let first_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let idle = big.sync(&url).await?;
    let idle_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!("  first sync of {idle_docs} documents: {first_secs:.2} s");
    println!(
        "  idle sync at {idle_docs} documents: {} round trip(s), {} bytes up, {} bytes down, {idle_ms:.1} ms",
        idle.rounds, idle.bytes_sent, idle.bytes_received
    );
    server.stop().await?;
    Ok(())
}

async fn futures_join(terminals: &[Terminal], url: &str) -> anyhow::Result<Vec<SyncReport>> {
    let mut set = Vec::new();
    for t in terminals {
        set.push(t.sync(url));
    }
    let mut out = Vec::new();
    // The terminals' syncs run concurrently on the runtime: the server sees them interleaved.
    let results = join_all(set).await;
    for r in results {
        out.push(r?);
    }
    Ok(out)
}

async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if outputs[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => outputs[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
