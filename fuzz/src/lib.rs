//! fieldtrail-fuzz: fuzzing on stable Rust of every parser that reads bytes from outside (SEC-8): sync bodies,
//! automerge messages and documents, certificates, presentations and their QR text, revocation lists,
//! enrolment packages, the MP4, WAV and EXIF readers, case bundles and the signature headers.
//!
//! No nightly toolchain, so no libFuzzer: each [`Target`] starts from seeds made by the real code, mutates them
//! ([`mutate`]), runs every input under `catch_unwind` with a watchdog that calls a slow input a hang ([`run`]),
//! and saves each crasher to `tests/fuzz-crashers/<target>/<sha256>.bin`. Crashers are fixed in the parser and
//! kept: `cargo test -p fieldtrail-fuzz` replays every one and requires an error, not a panic or a hang. The
//! bounded runs are a bench: `cargo bench -p fieldtrail-fuzz --bench fuzz` (docs/benchmarks.md).

pub mod bundle_seed;
pub mod context;
pub mod media;
pub mod mutate;
pub mod run;
pub mod targets;

use std::path::{Path, PathBuf};

/// One parser under test.
#[derive(Debug)]
pub struct Target {
    pub name: &'static str,
    /// What is parsed, for the report.
    pub parser: &'static str,
    /// Runs one input as the terminal or the server would; `Err` when the input is refused.
    pub run: fn(&[u8]) -> Result<(), String>,
    /// Valid inputs made by the real code, and edge cases; the target's kept crashers are added.
    pub seeds: fn() -> Vec<Vec<u8>>,
}

pub use targets::TARGETS;

/// The target named `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// Where crashers are kept: `tests/fuzz-crashers/` at the top of the repository.
pub fn crashers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fuzz-crashers")
}

/// The kept crashers of `target`, in name order.
pub fn crashers(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(crashers_dir().join(target))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .filter_map(|p| std::fs::read(&p).ok().map(|bytes| (p, bytes)))
        .collect();
    out.sort();
    out
}

/// The seeds of `target` with its kept crashers: what failed once is mutated again.
pub fn corpus(target: &Target) -> Vec<Vec<u8>> {
    let mut all = (target.seeds)();
    all.extend(crashers(target.name).into_iter().map(|(_, bytes)| bytes));
    all
}
