//! Running a target: every input under `catch_unwind`, watched by a thread that calls an input running past the
//! time limit a hang. A panic or a hang is a crasher, saved as `<dir>/<target>/<sha256>.bin`; inputs that end
//! in an outcome not seen before (an error message of a new shape) join the corpus, so mutations build on
//! inputs that got further into the parser.

use crate::Target;
use crate::mutate::{Rng, mutate};
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// Inputs grow by insertion; beyond this they only cost time.
pub const MAX_INPUT: usize = 256 * 1024;
/// The corpus stops growing here; mutations keep drawing from it.
const MAX_CORPUS: usize = 4_096;

/// What one input did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Refused(String),
    Panicked(String),
    Hung,
}

/// A panic or hang found, and where its input was saved.
#[derive(Debug, Clone)]
pub struct Crasher {
    pub path: PathBuf,
    pub what: String,
}

/// The figures of a run.
#[derive(Debug, Clone)]
pub struct Report {
    pub target: &'static str,
    pub inputs: u64,
    pub accepted: u64,
    pub elapsed: Duration,
    pub corpus: usize,
    pub crashers: Vec<Crasher>,
}

impl Report {
    pub fn per_second(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

static LAST_PANIC: Mutex<String> = Mutex::new(String::new());
static QUIET: Once = Once::new();

/// Panics are expected by the thousand while fuzzing: record the message instead of printing it.
fn quiet_panics() {
    QUIET.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let mut last = LAST_PANIC.lock().unwrap_or_else(|p| p.into_inner());
            *last = info.to_string();
        }))
    });
}

/// Runs one input, catching a panic.
pub fn run_one(target: &Target, input: &[u8]) -> Outcome {
    quiet_panics();
    match catch_unwind(AssertUnwindSafe(|| (target.run)(input))) {
        Ok(Ok(())) => Outcome::Accepted,
        Ok(Err(e)) => Outcome::Refused(e),
        Err(_) => Outcome::Panicked(LAST_PANIC.lock().unwrap_or_else(|p| p.into_inner()).clone()),
    }
}

/// Runs one input on its own thread and waits at most `limit`: a hang is reported (its thread is left behind).
pub fn replay(target: &'static Target, input: Vec<u8>, limit: Duration) -> Outcome {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(run_one(target, &input));
    });
    rx.recv_timeout(limit).unwrap_or(Outcome::Hung)
}

/// Saves a crasher under `dir/<target>/`, named by its SHA-256.
pub fn save(dir: &Path, target: &str, input: &[u8]) -> std::io::Result<PathBuf> {
    let dir = dir.join(target);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.bin", hex::encode(ring::digest::digest(&ring::digest::SHA256, input))));
    std::fs::write(&path, input)?;
    Ok(path)
}

/// The shape of an error message: digits and quoted parts vary, the shape says how far the parser got.
fn shape(message: &str) -> String {
    message.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).take(64).collect()
}

struct Shared {
    current: Mutex<Vec<u8>>,
    /// Milliseconds since the run began at which the current input started; 0 between inputs.
    started: AtomicU64,
    finished: AtomicBool,
}

/// Fuzzes `target` with `inputs` inputs from `seed`, each at most `limit`; crashers go under `crashers`. A hang
/// ends the run (its thread cannot be stopped): the report says so, and the caller decides what to do.
pub fn fuzz(target: &'static Target, inputs: u64, seed: u64, limit: Duration, crashers: &Path) -> (Report, bool) {
    // Seeds are made by the real code (keys, signatures, a terminal for bundles): not part of the timing.
    let mut corpus = crate::corpus(target);
    let begun = Instant::now();
    let shared =
        Arc::new(Shared { current: Mutex::new(Vec::new()), started: AtomicU64::new(0), finished: false.into() });
    let worker_shared = shared.clone();
    let dir = crashers.to_path_buf();
    let worker = std::thread::spawn(move || {
        let shared = worker_shared;
        let seeds = corpus.len();
        let mut shapes = HashSet::new();
        let mut panics = HashSet::new();
        let mut found = Vec::new();
        let mut accepted = 0;
        let mut rng = Rng::new(seed);
        for n in 0..inputs {
            let input = match corpus.get(n as usize).filter(|_| (n as usize) < seeds) {
                Some(seed_input) => seed_input.clone(),
                None => {
                    let parent = rng.below(corpus.len());
                    mutate(&mut rng, &corpus[parent], &corpus, MAX_INPUT)
                }
            };
            shared.current.lock().unwrap_or_else(|p| p.into_inner()).clone_from(&input);
            shared.started.store(begun.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
            let outcome = run_one(target, &input);
            shared.started.store(0, Ordering::SeqCst);
            match outcome {
                Outcome::Accepted => {
                    accepted += 1;
                    if shapes.insert(String::from("accepted")) && corpus.len() < MAX_CORPUS {
                        corpus.push(input);
                    }
                }
                Outcome::Refused(e) => {
                    if shapes.insert(shape(&e)) && corpus.len() < MAX_CORPUS {
                        corpus.push(input);
                    }
                }
                Outcome::Panicked(message) => {
                    // One saved input per place that panics; the message's first line names the place.
                    let place = message.lines().next().unwrap_or_default().to_owned();
                    if panics.insert(place.clone()) {
                        let path = save(&dir, target.name, &input).unwrap_or_default();
                        eprintln!("{}: PANIC {place} -> {}", target.name, path.display());
                        found.push(Crasher { path, what: message });
                    }
                }
                Outcome::Hung => unreachable!("run_one does not time out"),
            }
        }
        shared.finished.store(true, Ordering::SeqCst);
        (accepted, corpus.len(), found)
    });
    // The watchdog.
    loop {
        std::thread::sleep(Duration::from_millis(20));
        if shared.finished.load(Ordering::SeqCst) || worker.is_finished() {
            break;
        }
        let started = shared.started.load(Ordering::SeqCst);
        if started > 0 && begun.elapsed().as_millis() as u64 + 1 - started > limit.as_millis() as u64 {
            let input = shared.current.lock().unwrap_or_else(|p| p.into_inner()).clone();
            // Only a hang if the same input is still running (it may have finished while we looked).
            if shared.started.load(Ordering::SeqCst) != started {
                continue;
            }
            let path = save(crashers, target.name, &input).unwrap_or_default();
            eprintln!("{}: HANG (over {limit:?}) -> {}", target.name, path.display());
            let report = Report {
                target: target.name,
                inputs: 0,
                accepted: 0,
                elapsed: begun.elapsed(),
                corpus: 0,
                crashers: vec![Crasher { path, what: format!("runs longer than {limit:?}") }],
            };
            return (report, true);
        }
    }
    let (accepted, corpus, found) = match worker.join() {
        Ok(result) => result,
        Err(_) => (0, 0, vec![Crasher { path: PathBuf::new(), what: "the harness itself panicked".into() }]),
    };
    let report = Report { target: target.name, inputs, accepted, elapsed: begun.elapsed(), corpus, crashers: found };
    (report, false)
}
