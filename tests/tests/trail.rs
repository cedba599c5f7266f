//! The server's trail end to end (TRAIL-1, TRAIL-2, SYNC-5): receipts kept by two terminals through several
//! syncs verify and stay consistent with later tree heads; `fieldtrail-server verify` names each kind of
//! tampering (a log entry edited, the log truncated, a change rewritten or deleted, a fork); malformed proof
//! requests are refused with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::trail::{Leaf, LeafKind, SignedTreeHead, hash_from_hex, hashes_from_hex, leaf_hash};
use fieldtrail_core::trail::{verify_consistency, verify_inclusion};
use fieldtrail_core::{CheckResult, Edit};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::trail::{self, LogKey, LogReport};
use fieldtrail_terminal::{Capture, Terminal, UploadOptions};
use fieldtrail_tests::{ServerProcess, binary, register, run, sample_inspection, write_noise_wav};
use std::path::Path;
use tempfile::TempDir;

async fn get(url: &str) -> (u16, serde_json::Value) {
    let resp = reqwest::get(url).await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// Two terminals, several syncs, an evidence upload; the server is stopped at the end. Returns the data dir.
fn honest_history(dirs: &TempDir) -> (std::path::PathBuf, Terminal, Terminal, SignedTreeHead) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut server = ServerProcess::start(&dirs.path().join("server")).unwrap();
    let url = server.url();
    let a = Terminal::open(dirs.path().join("a")).unwrap();
    let b = Terminal::open(dirs.path().join("b")).unwrap();
    register(server.data(), &a).unwrap();
    register(server.data(), &b).unwrap();

    let id = a.create_inspection(&sample_inspection("临河区某超市")).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(b.sync(&url)).unwrap();
    let item = b.show(&id).unwrap().inspection.checklist[0].id.clone();
    let mut first_heads = Vec::new();
    for round in 0..3 {
        a.edit(&id, &[Edit::SetFindings(format!("第{round}次检查：冷柜温度正常。"))]).unwrap();
        b.edit(&id, &[Edit::SetChecklistResult { item_id: item.clone(), result: CheckResult::Pass }]).unwrap();
        b.create_inspection(&sample_inspection(&format!("商户{round}"))).unwrap();
        rt.block_on(a.sync(&url)).unwrap();
        rt.block_on(b.sync(&url)).unwrap();
        let (status, sth) = rt.block_on(get(&format!("{url}/v1/log/sth")));
        assert_eq!(status, 200);
        first_heads.push(serde_json::from_value::<SignedTreeHead>(sth).unwrap());
    }
    rt.block_on(a.sync(&url)).unwrap();

    // An evidence file joins the log when its upload verifies.
    let wav = dirs.path().join("note.wav");
    write_noise_wav(&wav, 20_000, 7).unwrap();
    let e = a.add_evidence_file(&id, &wav, &Capture::default()).unwrap();
    rt.block_on(a.upload_evidence(&url, &e.sha256, &UploadOptions::default(), |_, _| {})).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(b.sync(&url)).unwrap();

    let (_, latest) = rt.block_on(get(&format!("{url}/v1/log/sth")));
    let latest: SignedTreeHead = serde_json::from_value(latest).unwrap();
    let (_, key) = rt.block_on(get(&format!("{url}/v1/log/key")));
    let key = hex::decode(key["public_key"].as_str().unwrap()).unwrap();
    let server_key = url.trim_end_matches('/');
    assert_eq!(a.log_key(server_key).unwrap().unwrap(), key, "trusted on first use: the server's key");
    assert_eq!(b.log_key(server_key).unwrap().unwrap(), key);
    let latest_root = latest.verify(&key).unwrap();

    // SYNC-5: every receipt verifies, and its tree head is consistent with the newest (consistency proof).
    for t in [&a, &b] {
        let report = t.verify_receipts().unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
        assert!(report.receipts >= 3 && report.changes >= 4, "{report:?}");
        for receipt in t.receipts().unwrap() {
            let old_root = receipt.sth.verify(&key).unwrap();
            let (status, proof) = rt
                .block_on(get(&format!("{url}/v1/log/consistency?first={}&second={}", receipt.sth.size, latest.size)));
            assert_eq!(status, 200, "{proof}");
            let proof: Vec<String> = serde_json::from_value(proof["proof"].clone()).unwrap();
            verify_consistency(
                receipt.sth.size,
                latest.size,
                &hashes_from_hex(&proof).unwrap(),
                &old_root,
                &latest_root,
            )
            .unwrap();
            // The delivered change is still in the newest tree too.
            let entry = &receipt.entries[0];
            let leaf = leaf_hash(&hex::decode(&entry.leaf).unwrap());
            let (status, inc) =
                rt.block_on(get(&format!("{url}/v1/log/inclusion?leaf={}&size={}", hex::encode(leaf), latest.size)));
            assert_eq!(status, 200, "{inc}");
            let path: Vec<String> = serde_json::from_value(inc["proof"].clone()).unwrap();
            let index = inc["index"].as_u64().unwrap();
            assert_eq!(index, entry.index);
            verify_inclusion(&leaf, index, latest.size, &hashes_from_hex(&path).unwrap(), &latest_root).unwrap();
        }
    }
    // TRAIL-2: heads an auditor took along the way are consistent with the newest one too.
    for head in &first_heads {
        let old_root = head.verify(&key).unwrap();
        let (_, proof) =
            rt.block_on(get(&format!("{url}/v1/log/consistency?first={}&second={}", head.size, latest.size)));
        let proof: Vec<String> = serde_json::from_value(proof["proof"].clone()).unwrap();
        verify_consistency(head.size, latest.size, &hashes_from_hex(&proof).unwrap(), &old_root, &latest_root).unwrap();
    }
    let data = server.data().to_path_buf();
    server.stop().unwrap();
    (data, a, b, latest)
}

fn verify(data: &Path, given: &[SignedTreeHead]) -> LogReport {
    let store = SqliteStore::open(data).unwrap();
    trail::verify(&store, LogKey::load(data).unwrap().public_key(), given).unwrap()
}

fn codes(report: &LogReport) -> Vec<&'static str> {
    report.problems.iter().map(|p| p.code).collect()
}

/// A copy of the server's data directory to tamper with.
fn copy(data: &Path, to: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for name in ["server.db", "server.db-wal", "log.key"] {
        if data.join(name).exists() {
            std::fs::copy(data.join(name), to.join(name)).unwrap();
        }
    }
    to.to_path_buf()
}

fn sql(data: &Path, statement: &str, params: impl rusqlite::Params) {
    let conn = rusqlite::Connection::open(data.join("server.db")).unwrap();
    conn.execute(statement, params).unwrap();
}

/// TRAIL-2, SYNC-5: two terminals through several syncs keep receipts that verify; old heads are consistent
/// with the newest; both CLIs' `verify` pass on the honest history, and a terminal's edited receipt is named.
#[test]
fn trail_2_sync_5_two_terminals_keep_receipts_that_verify_and_the_server_log_verifies() {
    let dirs = TempDir::new().unwrap();
    let (data, a, _b, latest) = honest_history(&dirs);

    let report = verify(&data, std::slice::from_ref(&latest));
    assert!(report.is_clean(), "{:?}", report.problems);
    assert_eq!(report.leaves, report.changes_checked + 1, "every change and the one evidence file are leaves");
    assert_eq!(report.latest.as_ref().unwrap().size, report.leaves);

    // The CLIs agree: the terminal's receipts and the server's log verify, with an earlier head given.
    let out =
        run("fieldtrail-terminal", "fieldtrail-terminal", &["--data", &a.data_dir().display().to_string(), "verify"])
            .unwrap();
    assert!(out.contains("problem(s)") && out.contains(" 0 problem(s)"), "{out}");
    let sth_file = dirs.path().join("sth.json");
    std::fs::write(&sth_file, serde_json::to_string(&latest).unwrap()).unwrap();
    let out = run(
        "fieldtrail-server",
        "fieldtrail-server",
        &["--data", &data.display().to_string(), "verify", "--since-sth", &sth_file.display().to_string()],
    )
    .unwrap();
    assert!(out.contains("0 problem(s)"), "{out}");

    // TRAIL-3: the case exported as one file verifies elsewhere, its receipts checked with the server's key.
    let case = a.list_inspections().unwrap().into_iter().find(|i| i.party_name == "临河区某超市").unwrap().id;
    let bundle = dirs.path().join("case.ftbundle");
    let data_dir = a.data_dir().display().to_string();
    run(
        "fieldtrail-terminal",
        "fieldtrail-terminal",
        &["--data", &data_dir, "inspection", "export", &case, "--out", &bundle.display().to_string()],
    )
    .unwrap();
    let log_key = hex::encode(LogKey::load(&data).unwrap().public_key());
    let out = run(
        "fieldtrail-terminal",
        "fieldtrail-terminal",
        &["verify-bundle", &bundle.display().to_string(), "--log-key", &log_key],
    )
    .unwrap();
    println!("{out}");
    assert!(out.contains(", 0 failed"), "{out}");
    let proven: Vec<u64> = out
        .lines()
        .find(|l| l.contains("server receipts:"))
        .unwrap()
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(proven[0] > 0 && proven[0] <= proven[1], "terminal A's receipts prove its own deliveries: {out}");
    let wrong_key = hex::encode([7u8; 32]);
    let refused =
        std::process::Command::new(fieldtrail_tests::binary("fieldtrail-terminal", "fieldtrail-terminal").unwrap())
            .args(["verify-bundle", &bundle.display().to_string(), "--log-key", &wrong_key])
            .output()
            .unwrap();
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stdout).contains("not a trusted one"));

    // TRAIL-1 on the terminal: a kept receipt whose proofs were edited is named.
    let conn = rusqlite::Connection::open(a.data_dir().join("terminal.db")).unwrap();
    let changed =
        conn.execute("UPDATE receipt_entries SET proof = randomblob(length(proof)) WHERE length(proof) > 0", []);
    assert!(changed.unwrap() > 0);
    drop(conn);
    let report = a.verify_receipts().unwrap();
    assert!(!report.is_clean() && report.problems[0].contains("receipt"), "{report:?}");
}

/// TRAIL-1, TRAIL-2: a log entry edited, the log truncated, a change rewritten or deleted, and a fork are each
/// detected and named by the server's `verify`.
#[test]
fn trail_1_trail_2_server_verify_names_each_tampering() {
    let dirs = TempDir::new().unwrap();
    let (data, _a, _b, latest) = honest_history(&dirs);
    let key = LogKey::load(&data).unwrap();

    // A log entry edited: a change's hash in the leaf replaced.
    let d = copy(&data, &dirs.path().join("edited"));
    let conn = rusqlite::Connection::open(d.join("server.db")).unwrap();
    let bytes: Vec<u8> = conn.query_row("SELECT data FROM log_leaves WHERE idx = 2", [], |r| r.get(0)).unwrap();
    let mut leaf = Leaf::decode(&bytes).unwrap();
    assert_eq!(leaf.kind, LeafKind::Change);
    leaf.hash[0] ^= 1;
    conn.execute("UPDATE log_leaves SET data = ?1 WHERE idx = 2", [leaf.encode()]).unwrap();
    drop(conn);
    let report = verify(&d, &[]);
    assert!(codes(&report).contains(&"log_entry_changed"), "{:?}", report.problems);
    assert!(report.problems.iter().any(|p| p.detail.contains("log entry 2")), "{:?}", report.problems);

    // ... and edited with its leaf hash too: the signed heads no longer match the leaves.
    sql(&d, "UPDATE log_leaves SET leaf_hash = ?1 WHERE idx = 2", [leaf.leaf_hash().to_vec()]);
    let report = verify(&d, &[]);
    assert!(codes(&report).contains(&"log_head_mismatch"), "{:?}", report.problems);
    assert!(codes(&report).contains(&"log_node_changed"), "{:?}", report.problems);

    // The log truncated.
    let d = copy(&data, &dirs.path().join("truncated"));
    sql(&d, "DELETE FROM log_leaves WHERE idx >= ?1", [latest.size as i64 - 3]);
    let report = verify(&d, &[]);
    assert!(codes(&report).contains(&"log_truncated"), "{:?}", report.problems);
    assert!(codes(&report).contains(&"change_not_in_log"), "{:?}", report.problems);

    // A leaf deleted in the middle.
    let d = copy(&data, &dirs.path().join("gap"));
    sql(&d, "DELETE FROM log_leaves WHERE idx = 1", []);
    let report = verify(&d, &[]);
    assert!(codes(&report).contains(&"log_gap"), "{:?}", report.problems);
    assert_eq!(codes(&report).iter().filter(|c| **c == "log_gap").count(), 1, "{:?}", report.problems);

    // A document's change rewritten in `changes`, and another deleted.
    let d = copy(&data, &dirs.path().join("rewritten"));
    sql(&d, "UPDATE changes SET bytes = (SELECT bytes FROM changes WHERE seq = 1) WHERE seq = 3", []);
    sql(&d, "DELETE FROM changes WHERE seq = (SELECT max(seq) FROM changes)", []);
    let report = verify(&d, &[]);
    assert!(codes(&report).contains(&"change_rewritten"), "{:?}", report.problems);
    assert!(codes(&report).contains(&"change_missing"), "{:?}", report.problems);
    assert!(report.problems.iter().any(|p| p.detail.contains("change 3 ")), "{:?}", report.problems);

    // A fork: two different heads of the same size, both signed by the log key.
    let other_root = hash_from_hex(&"ab".repeat(32)).unwrap();
    let forged = key.sign(latest.size, &other_root, latest.timestamp_ms + 1);
    let report = verify(&data, &[latest.clone(), forged.clone()]);
    assert!(codes(&report).contains(&"fork"), "{:?}", report.problems);
    let (first, second) = (dirs.path().join("honest.json"), dirs.path().join("forged.json"));
    std::fs::write(&first, serde_json::to_string(&latest).unwrap()).unwrap();
    std::fs::write(&second, serde_json::to_string(&forged).unwrap()).unwrap();
    let out = std::process::Command::new(binary("fieldtrail-server", "fieldtrail-server").unwrap())
        .args(["--data", &data.display().to_string(), "verify", "--since-sth"])
        .arg(&first)
        .arg("--since-sth")
        .arg(&second)
        .env("FIELDTRAIL_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("fork") && stdout.contains(&format!("size {}", latest.size)), "{stdout}");

    // An earlier head whose size the log no longer reaches is named too.
    let beyond = key.sign(latest.size + 5, &other_root, 0);
    assert!(codes(&verify(&data, &[beyond])).contains(&"given_head_beyond_log"));
    // The honest copy stays clean.
    assert!(verify(&data, &[latest]).is_clean());
}

/// TRAIL-2: malformed proof requests are refused with 400 `bad_log_request` and a message naming the problem.
#[test]
fn trail_2_malformed_proof_requests_get_400_with_a_clear_message() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dirs = TempDir::new().unwrap();
    let server = ServerProcess::start(&dirs.path().join("server")).unwrap();
    let url = server.url();
    let t = Terminal::open(dirs.path().join("t")).unwrap();
    register(server.data(), &t).unwrap();
    t.create_inspection(&sample_inspection("商户")).unwrap();
    rt.block_on(t.sync(&url)).unwrap();
    let size = t.receipts().unwrap()[0].sth.size;
    let leaf = "00".repeat(32);
    for (query, says) in [
        ("inclusion?leaf=zz&size=1", "64 hex digits"),
        ("inclusion?size=1", "`leaf` is missing"),
        (&format!("inclusion?leaf={leaf}&size=abc"), "whole number"),
        (&format!("inclusion?leaf={leaf}&size=0"), "size must be 1 to"),
        (&format!("inclusion?leaf={leaf}&size={}", size + 1), "the log's size"),
        ("consistency?first=2", "`second` is missing"),
        ("consistency?first=-1&second=1", "whole number"),
        (&format!("consistency?first={size}&second=0"), "must not be larger"),
        (&format!("consistency?first=0&second={}", size + 9), "larger than the log"),
    ] {
        let (status, body) = rt.block_on(get(&format!("{url}/v1/log/{query}")));
        assert_eq!((status, body["code"].as_str()), (400, Some("bad_log_request")), "{query}: {body}");
        assert!(body["message"].as_str().unwrap().contains(says), "{query}: {body}");
    }
    let (status, body) = rt.block_on(get(&format!("{url}/v1/log/inclusion?leaf={leaf}&size={size}")));
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{body}");
}
