//! The bounded fuzz run of every target (SEC-8): `FIELDTRAIL_FUZZ_ITERS` inputs each (default 1,000,000; 3,000
//! with `FIELDTRAIL_BENCH_SMOKE=1`), one target after another, each input at most `FIELDTRAIL_FUZZ_TIMEOUT_MS`
//! (default 2,000). Prints a table of inputs per second and crashers; new crashers are saved under
//! tests/fuzz-crashers/ and make the run exit non-zero.
//!
//! `cargo bench -p fieldtrail-fuzz --bench fuzz [-- TARGET…]`; `FIELDTRAIL_FUZZ_SEED` changes the mutations.

use fieldtrail_fuzz::{TARGETS, crashers_dir, run};
use std::time::Duration;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok())
}

fn main() {
    let smoke = std::env::var("FIELDTRAIL_BENCH_SMOKE").is_ok_and(|v| v == "1");
    let inputs = env_u64("FIELDTRAIL_FUZZ_ITERS").unwrap_or(if smoke { 3_000 } else { 1_000_000 });
    let seed = env_u64("FIELDTRAIL_FUZZ_SEED").unwrap_or(0x5eed_f1e1_d7a1);
    let limit = Duration::from_millis(env_u64("FIELDTRAIL_FUZZ_TIMEOUT_MS").unwrap_or(2_000));
    // `cargo bench` passes `--bench`; other arguments name targets.
    let names: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let unknown: Vec<&String> = names.iter().filter(|n| fieldtrail_fuzz::target(n).is_none()).collect();
    if !unknown.is_empty() {
        let all: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
        eprintln!("unknown target(s) {unknown:?}; targets: {}", all.join(" "));
        std::process::exit(2);
    }
    println!("fuzz: {inputs} inputs per target, seed {seed:#x}, {limit:?} per input");
    println!("| target | parser | inputs | inputs/s | accepted | corpus | crashers |");
    println!("|---|---|---|---|---|---|---|");
    let mut found = 0;
    for target in TARGETS.iter().filter(|t| names.is_empty() || names.iter().any(|n| n == t.name)) {
        let (report, hung) = run::fuzz(target, inputs, seed, limit, &crashers_dir());
        found += report.crashers.len();
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {} |",
            target.name,
            target.parser,
            report.inputs,
            report.per_second(),
            report.accepted,
            report.corpus,
            report.crashers.len()
        );
        for c in &report.crashers {
            println!("  crasher {}: {}", c.path.display(), c.what.lines().next().unwrap_or_default());
        }
        if hung {
            // The hung input's thread cannot be stopped; the run ends here.
            println!("  {} hung: stopping", target.name);
            std::process::exit(3);
        }
    }
    if found > 0 {
        println!("{found} crasher(s) found: fix them, keep them as fixtures");
        std::process::exit(1);
    }
}
