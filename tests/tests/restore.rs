//! SEC-6 end to end, with the real fieldtrail-server binary: the server is restored from a backup taken while
//! it was stopped, after two terminals had delivered more edits and evidence. The terminals tell from the
//! server's log that it lost what they delivered, send it again, and show the server the lost head; the server
//! records the restore. At the end every document has the same heads on the server and both terminals, no
//! change is stored twice, every evidence file is back, and both `verify` commands are clean and name the
//! restore.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::Edit;
use fieldtrail_server::SqliteStore;
use fieldtrail_server::store::Store;
use fieldtrail_terminal::{Capture, Terminal, UploadOptions};
use fieldtrail_tests::{ServerProcess, register, run, sample_inspection, server_document, signed_get, write_noise_wav};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tempfile::TempDir;

/// Every inspection's heads on a terminal.
fn heads(t: &Terminal) -> BTreeMap<String, Vec<String>> {
    t.list_inspections()
        .unwrap()
        .into_iter()
        .map(|s| {
            let mut doc = t.document(&s.id).unwrap();
            let mut heads: Vec<String> = doc.heads().iter().map(|h| h.to_string()).collect();
            heads.sort();
            (s.id, heads)
        })
        .collect()
}

fn add_recording(t: &Terminal, id: &str, dir: &Path, seed: u64) -> String {
    let wav = dir.join(format!("note-{seed}.wav"));
    write_noise_wav(&wav, 30_000 + seed * 1000, seed).unwrap();
    t.add_evidence_file(id, &wav, &Capture::default()).unwrap().sha256
}

async fn upload_all(t: &Terminal, url: &str) -> usize {
    let pending = t.evidence_to_upload(url).unwrap();
    for sha in &pending {
        t.upload_evidence(url, sha, &UploadOptions::default(), |_, _| {}).await.unwrap();
    }
    pending.len()
}

/// SEC-6: a server restored from a backup is detected by the terminals, which re-send everything it lost;
/// the restore is recorded and nothing delivered is lost or stored twice.
#[test]
fn sec_6_a_server_restored_from_backup_gets_back_everything_the_terminals_delivered() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dirs = TempDir::new().unwrap();
    let data = dirs.path().join("server");
    let backup = dirs.path().join("backup");
    let mut server = ServerProcess::start(&data).unwrap();
    let url = server.url();
    let a = Terminal::open(dirs.path().join("a")).unwrap();
    let b = Terminal::open(dirs.path().join("b")).unwrap();
    register(server.data(), &a).unwrap();
    register(server.data(), &b).unwrap();

    // Before the backup: several syncs of both terminals, one evidence file.
    let first = a.create_inspection(&sample_inspection("临河区某超市")).unwrap();
    let second = b.create_inspection(&sample_inspection("临河区某饭店")).unwrap();
    for round in 0..3 {
        rt.block_on(a.sync(&url)).unwrap();
        rt.block_on(b.sync(&url)).unwrap();
        a.edit(&first, &[Edit::SetFindings(format!("第{round}次：冷柜温度正常。"))]).unwrap();
        b.edit(&second, &[Edit::SetFindings(format!("第{round}次：后厨整洁。"))]).unwrap();
    }
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(b.sync(&url)).unwrap();
    let kept_file = add_recording(&a, &first, dirs.path(), 1);
    assert_eq!(rt.block_on(upload_all(&a, &url)), 1);

    // The operator's backup: the server stopped, its data directory copied whole.
    server.stop().unwrap();
    fieldtrail_tests::copy_dir(&data, &backup).unwrap();
    server.restart().unwrap();

    // After the backup: more edits, a new inspection on each side, evidence from both; all synced and uploaded.
    let third = a.create_inspection(&sample_inspection("临河区某药店")).unwrap();
    let fourth = b.create_inspection(&sample_inspection("临河区某粮油店")).unwrap();
    a.edit(&second, &[Edit::SetResult("合格".into())]).unwrap();
    b.edit(&first, &[Edit::SetResult("责令整改".into())]).unwrap();
    let lost_files = [add_recording(&a, &third, dirs.path(), 2), add_recording(&b, &fourth, dirs.path(), 3)];
    for _ in 0..2 {
        rt.block_on(a.sync(&url)).unwrap();
        rt.block_on(b.sync(&url)).unwrap();
    }
    assert_eq!(rt.block_on(upload_all(&a, &url)), 1);
    assert_eq!(rt.block_on(upload_all(&b, &url)), 1);
    let delivered = heads(&a);
    assert_eq!(delivered, heads(&b), "both terminals hold everything before the restore");
    assert_eq!(delivered.len(), 4);
    assert!(a.evidence_to_upload(&url).unwrap().is_empty() && b.evidence_to_upload(&url).unwrap().is_empty());

    // The restore: the server stopped, its data directory replaced by the backup, started on the same address.
    server.stop().unwrap();
    std::fs::remove_dir_all(&data).unwrap();
    fieldtrail_tests::copy_dir(&backup, &data).unwrap();
    server.restart().unwrap();
    let docs_after_restore: Vec<serde_json::Value> =
        serde_json::from_value(rt.block_on(signed_get(&format!("{url}/v1/documents"), &a)).unwrap()).unwrap();
    assert_eq!(docs_after_restore.len(), 2, "the backup holds only the first two inspections");

    // The terminals sync as usual and find out: each re-sends what the server lacks.
    let ra = rt.block_on(a.sync(&url)).unwrap();
    assert!(ra.server_restored, "{ra:?}");
    let rb = rt.block_on(b.sync(&url)).unwrap();
    assert!(rb.server_restored, "{rb:?}");
    for (name, r) in [("a", &ra), ("b", &rb)] {
        println!(
            "terminal {name} found the restore and re-sent {} document(s): {} round trip(s), {} bytes up, {} down",
            r.sent_docs, r.rounds, r.bytes_sent, r.bytes_received
        );
    }
    for t in [&a, &b] {
        let report = rt.block_on(t.sync(&url)).unwrap();
        assert!(!report.server_restored, "a restore is found once: {report:?}");
    }
    // The evidence the server lost is uploaded again; the file it kept is only asked about.
    let uploads_a = a.evidence_to_upload(&url).unwrap();
    assert!(uploads_a.contains(&lost_files[0]) && uploads_a.contains(&kept_file), "{uploads_a:?}");
    rt.block_on(upload_all(&a, &url));
    rt.block_on(upload_all(&b, &url));

    // Nothing delivered is lost: every document has the same heads on both terminals and the server.
    assert_eq!(heads(&a), delivered, "terminal a's documents are unchanged");
    assert_eq!(heads(&b), delivered, "terminal b's documents are unchanged");
    let listed: Vec<serde_json::Value> =
        serde_json::from_value(rt.block_on(signed_get(&format!("{url}/v1/documents"), &a)).unwrap()).unwrap();
    assert_eq!(listed.len(), delivered.len());
    for (id, want) in &delivered {
        let doc = rt.block_on(server_document(&url, id, &a)).unwrap();
        let mut got: Vec<String> = serde_json::from_value(doc["heads"].clone()).unwrap();
        got.sort();
        assert_eq!(&got, want, "document {id} on the server");
        // Re-sending stored nothing twice: the server holds each change of the document once.
        let row = listed.iter().find(|d| d["id"] == id.as_str()).unwrap();
        let changes = a.document(id).unwrap().automerge().get_changes(&[]).len() as u64;
        assert_eq!(row["changes"].as_u64(), Some(changes), "document {id}: changes stored on the server");
    }

    // And syncing goes on as before the restore: b pulls what a does next (its cursor is back in the
    // server's history), and a pulls b's answer.
    let fifth = a.create_inspection(&sample_inspection("临河区某五金店")).unwrap();
    a.edit(&first, &[Edit::SetFindings("复查：已整改。".into())]).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(b.sync(&url)).unwrap();
    assert_eq!(b.show(&first).unwrap().inspection.findings, "复查：已整改。");
    b.edit(&fifth, &[Edit::SetResult("合格".into())]).unwrap();
    rt.block_on(b.sync(&url)).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    assert_eq!(a.show(&fifth).unwrap().inspection.result, "合格");
    assert_eq!(heads(&a), heads(&b));
    server.stop().unwrap();

    // Every evidence file is on the server again, under its hash, and its records agree.
    let store = SqliteStore::open(&data).unwrap();
    let blobs: BTreeSet<String> = store.transact(|tx| tx.list_blobs()).unwrap().into_iter().map(|b| b.sha256).collect();
    for sha in lost_files.iter().chain([&kept_file]) {
        assert!(blobs.contains(sha), "evidence {sha} is on the server");
        assert!(data.join("blobs").join(&sha[0..2]).join(&sha[2..4]).join(sha).exists());
    }

    // The restore is on record: proved by a head the server's key signed, with its leaf in the log.
    let restores = store.transact(|tx| tx.restores()).unwrap();
    assert!(!restores.is_empty());
    let reporters: BTreeSet<&str> = restores.iter().map(|r| r.device.as_str()).collect();
    assert!(reporters.contains(a.device_id()), "the first terminal to find out showed its proof");
    drop(store);
    let out =
        run("fieldtrail-server", "fieldtrail-server", &["--data", &data.display().to_string(), "verify"]).unwrap();
    assert!(out.contains(&format!("{} restore(s) from a backup; 0 problem(s)", restores.len())), "{out}");
    assert!(out.contains(&format!("device {}", a.device_id())), "{out}");
    println!("fieldtrail-server verify:\n{out}");

    // The terminals' own verification is clean too, and says honestly what happened to the server.
    for t in [&a, &b] {
        let report = t.verify_receipts().unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
        let found = t.server_restores().unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].reported_at.is_some(), "the server accepted the proof: {found:?}");
        let dir = t.data_dir().display().to_string();
        let out = run("fieldtrail-terminal", "fieldtrail-terminal", &["--data", &dir, "verify"]).unwrap();
        assert!(out.contains("was restored from a backup"), "{out}");
        println!("fieldtrail-terminal verify ({}):\n{out}", t.device_id());
    }
    assert!(found_lost_receipts(&a) > 0, "terminal a holds receipts of the log the server lost");
}

fn found_lost_receipts(t: &Terminal) -> u32 {
    t.server_restores().unwrap().iter().map(|r| r.lost_receipts).sum()
}

/// SEC-6: a lost head the server refuses as proof (here one no server signed, written into the terminal's
/// database as a confused or tampered terminal would hold it) fails that one sync with the server's reason and
/// is not shown again: one wrong conclusion stops no later sync.
#[test]
fn sec_6_a_refused_proof_is_not_shown_again() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dirs = TempDir::new().unwrap();
    let server = ServerProcess::start(&dirs.path().join("server")).unwrap();
    let url = server.url();
    let a = Terminal::open(dirs.path().join("a")).unwrap();
    register(server.data(), &a).unwrap();
    let id = a.create_inspection(&sample_inspection("临河区某超市")).unwrap();
    rt.block_on(a.sync(&url)).unwrap();

    let db = rusqlite::Connection::open(a.data_dir().join("terminal.db")).unwrap();
    db.execute(
        "INSERT INTO server_restores (server, lost_size, lost_root, lost_timestamp_ms, lost_signature, server_size,
                                      reason, last_receipt_id, detected_at)
         VALUES (?1, 99, ?2, 0, ?3, 1, 'forged', 0, '2026-11-29T00:00:00Z')",
        rusqlite::params![url, [7u8; 32].as_slice(), [9u8; 64].as_slice()],
    )
    .unwrap();
    drop(db);

    a.edit(&id, &[Edit::SetFindings("冷柜温度正常。".into())]).unwrap();
    match rt.block_on(a.sync(&url)) {
        Err(fieldtrail_terminal::Error::Refused { status: 400, code, .. }) => assert_eq!(code, "bad_lost_head"),
        other => panic!("expected the proof refused, got {other:?}"),
    }
    assert_eq!(a.unsynced().unwrap(), vec![id.clone()], "the refused request delivered nothing, lost nothing");
    rt.block_on(a.sync(&url)).unwrap();
    assert!(a.unsynced().unwrap().is_empty(), "the next sync goes through");
    let restores = a.server_restores().unwrap();
    assert!(restores[0].refused.as_deref().is_some_and(|r| r.contains("bad_lost_head")), "{restores:?}");
    let on_server = rt.block_on(server_document(&url, &id, &a)).unwrap();
    assert_eq!(on_server["inspection"]["findings"], "冷柜温度正常。");
}
