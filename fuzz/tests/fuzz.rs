//! SEC-8: every crasher the fuzzer ever found is kept in tests/fuzz-crashers/<target>/ and replayed here: each
//! must be refused with an error, neither panic nor hang. The seeds made by the real code must be accepted
//! (so the harness reaches past the first check), and a short run of every target finds nothing new.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_fuzz::run::{self, Outcome};
use fieldtrail_fuzz::{TARGETS, crashers};
use std::time::Duration;

/// Far beyond any parse of these inputs in a debug build, far short of "forever".
const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn sec_8_every_kept_crasher_is_refused_without_a_panic_or_a_hang() {
    let mut replayed = 0;
    for target in TARGETS {
        for (path, bytes) in crashers(target.name) {
            match run::replay(target, bytes, LIMIT) {
                Outcome::Refused(_) => replayed += 1,
                other => panic!("{} {}: {other:?}", target.name, path.display()),
            }
        }
    }
    // The 40-byte MP4 of issue 9 at least.
    assert!(!crashers("mp4").is_empty(), "the MP4 crasher of issue 9 is kept");
    assert!(replayed >= 1);
}

#[test]
fn seeds_made_by_the_real_code_are_accepted() {
    for target in TARGETS {
        let seeds = (target.seeds)();
        assert!(!seeds.is_empty(), "{} has seeds", target.name);
        let accepted = seeds.into_iter().filter(|s| run::replay(target, s.clone(), LIMIT) == Outcome::Accepted).count();
        assert!(accepted >= 1, "{}: no seed is accepted, so the fuzzer never gets past the first check", target.name);
    }
}

#[test]
fn sec_8_a_short_run_of_every_target_finds_no_crasher() {
    let dir = tempfile::TempDir::new().unwrap();
    for target in TARGETS {
        let (report, hung) = run::fuzz(target, 200, 42, LIMIT, dir.path());
        assert!(!hung && report.crashers.is_empty(), "{}: {:?}", target.name, report.crashers);
        assert_eq!(report.inputs, 200);
    }
}

#[test]
fn fixed_keys_are_real_pkcs8_key_pairs() {
    use ring::signature::KeyPair;
    let (pair, pkcs8) = fieldtrail_fuzz::context::fixed_key(2);
    let parsed = ring::signature::Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap();
    assert_eq!(parsed.public_key().as_ref(), pair.public_key().as_ref());
}
