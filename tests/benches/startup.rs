//! Start-up benchmark (issue 10, item 8: a usable list within 1.5 s of a cold start with 10,000 inspections):
//! seeds a real terminal data directory through the terminal's own API (each inspection created, then its
//! findings and result written, as an officer would), then measures, each from a fresh `Terminal::open`:
//! - opening the terminal (migrations checked, missing list rows looked for) and reading the first page of the
//!   home list, the path the app takes at start;
//! - beside it, what the app did before paging: every row of the list at once, and every inspection read from its
//!   automerge document (what a list without a summary table costs);
//! - the one-time rebuild of the whole list from the documents (a database from before migration 0014).
//!
//! Run: `cargo bench -p fieldtrail-tests --bench startup` (a couple of minutes, most of it seeding).
//! `FT_STARTUP_INSPECTIONS` sets the number (default 10,000); `FIELDTRAIL_BENCH_SMOKE=1` seeds 60 (the test
//! script's check that the bench still works, not a measurement). The page cache is warm (no root to drop it), so
//! "cold" means a freshly started process opening the database, not a freshly booted tablet.
#![allow(clippy::unwrap_used)] // a benchmark that cannot set up should stop loudly

use fieldtrail_terminal::Terminal;
use fieldtrail_tests::bench::{size, smoke};
use fieldtrail_tests::seed_inspections;
use std::path::Path;
use std::time::Instant;

/// The home screen's first page (ui/src/views/Home.vue's PAGE).
const FIRST_PAGE: u32 = 40;

fn main() {
    let n = size("FT_STARTUP_INSPECTIONS", 10_000, 60);
    let runs = if smoke() { 1 } else { 5 };
    let dir = tempfile::TempDir::new().unwrap();
    let seeded = Instant::now();
    seed(dir.path(), n);
    let seconds = seeded.elapsed().as_secs_f64();
    let db_mib = std::fs::metadata(dir.path().join("terminal.db")).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0;
    println!("seeded {n} inspections in {seconds:.1} s ({:.0}/s); terminal.db {db_mib:.1} MiB", n as f64 / seconds);

    let mut open = Vec::new();
    let mut page = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let t = Terminal::open(dir.path()).unwrap();
        open.push(ms(started));
        let at = Instant::now();
        let first = t.inspection_page(None, FIRST_PAGE).unwrap();
        page.push(ms(at));
        assert_eq!(first.items.len(), FIRST_PAGE.min(n as u32) as usize);
    }
    let t = Terminal::open(dir.path()).unwrap();
    let all_rows = time(runs, || assert_eq!(t.list_inspections().unwrap().len(), n as usize));
    let ids: Vec<String> = t.list_inspections().unwrap().into_iter().map(|s| s.id).collect();
    let materialise = time(1, || {
        for id in &ids {
            std::hint::black_box(t.show(id).unwrap().summary(""));
        }
    });
    drop(t);
    let rebuild = {
        let c = rusqlite::Connection::open(dir.path().join("terminal.db")).unwrap();
        c.execute("DELETE FROM inspection_list", []).unwrap();
        drop(c);
        let started = Instant::now();
        let t = Terminal::open(dir.path()).unwrap();
        let took = ms(started);
        assert_eq!(t.list_inspections().unwrap().len(), n as usize, "the rebuild lists every inspection");
        took
    };

    println!("\n{n} inspections, median of {runs} (ms):");
    println!("| figure | ms |");
    println!("|---|---|");
    println!("| open the terminal (fresh `Terminal::open`) | {:.1} |", median(&open));
    println!("| first page of {FIRST_PAGE} rows | {:.2} |", median(&page));
    println!("| **open + first page** | **{:.1}** |", median(&open) + median(&page));
    println!("| before paging: every row of the list at once | {:.1} |", all_rows);
    println!("| without a summary table: every inspection read from its document | {:.0} |", materialise);
    println!("| one-time rebuild of the whole list at open (database from before 0014) | {rebuild:.0} |");
}

fn seed(dir: &Path, n: u64) {
    seed_inspections(&Terminal::open(dir).unwrap(), n, fieldtrail_tests::AGENCY).unwrap();
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Median wall time of `runs` calls of `f`, in ms.
fn time(runs: usize, mut f: impl FnMut()) -> f64 {
    let all: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            ms(started)
        })
        .collect();
    median(&all)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}
