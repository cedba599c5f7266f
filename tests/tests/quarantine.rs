//! SEC-3, the terminal's half, against the real fieldtrail-server binary: a document on the server that does
//! not read as an inspection no longer stops every terminal's sync. The terminals set it aside with the reason
//! (its bytes kept), show it in `status` and `status --json`, and go on syncing every other document; when a
//! fix arrives, it reads as an inspection again and leaves quarantine.
//!
//! The malformed document is written into the server's store directly (its SQLite file, through the store
//! API, with its log leaves): a server that refuses such documents on arrival (SEC-3's server half) cannot
//! be made to accept one over HTTP, but documents stored before that check, or restored from an old backup,
//! still reach terminals.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT};
use fieldtrail_core::{Edit, InspectionDoc};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::store::Store;
use fieldtrail_terminal::Terminal;
use fieldtrail_tests::{ServerProcess, register, run, sample_inspection};
use std::path::Path;
use tempfile::TempDir;

const DELIVERED_BY: &str = "an-older-server";

/// Stores `doc`'s changes since `before` on the server, as a sync would, log leaves included.
fn store_on_server(data: &Path, id: &str, doc: &mut AutoCommit, before: &[automerge::ChangeHash]) {
    let store = SqliteStore::open(data).unwrap();
    let new = doc.get_changes(before);
    let hashes: Vec<[u8; 32]> = new.iter().map(|c| c.hash().0).collect();
    store
        .transact(|tx| {
            tx.save_document(id, doc, &new, DELIVERED_BY)?;
            // Such a document predates agencies' ownership checks (SEC-1); it is filed under the terminals' agency
            // so that they are offered it.
            tx.claim_document(id, fieldtrail_tests::AGENCY)?;
            fieldtrail_server::trail::append_changes(tx, id, &hashes)?;
            Ok(())
        })
        .unwrap();
}

/// An inspection whose `item` map was deleted: it passes the server's id check but does not read.
fn malformed(id: &str) -> AutoCommit {
    let mut doc =
        InspectionDoc::create(id, &sample_inspection("临河区某烟酒店"), automerge::ActorId::random()).unwrap();
    let raw = doc.automerge();
    raw.delete(ROOT, "item").unwrap();
    raw.commit();
    raw.clone()
}

fn status_json(t: &Terminal) -> serde_json::Value {
    let dir = t.data_dir().display().to_string();
    serde_json::from_str(
        &run("fieldtrail-terminal", "fieldtrail-terminal", &["--data", &dir, "status", "--json"]).unwrap(),
    )
    .unwrap()
}

/// SEC-3: one unreadable document stops nothing; it is quarantined with its reason and released when fixed.
#[test]
fn sec_3_a_malformed_document_is_quarantined_and_the_rest_keeps_syncing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dirs = TempDir::new().unwrap();
    let data = dirs.path().join("server");
    let server = ServerProcess::start(&data).unwrap();
    let url = server.url();
    let a = Terminal::open(dirs.path().join("a")).unwrap();
    let b = Terminal::open(dirs.path().join("b")).unwrap();
    register(&data, &a).unwrap();
    register(&data, &b).unwrap();
    let good = a.create_inspection(&sample_inspection("临河区某超市")).unwrap();
    let other = b.create_inspection(&sample_inspection("临河区某饭店")).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(b.sync(&url)).unwrap();

    let bad = uuid::Uuid::new_v4().to_string();
    let mut doc = malformed(&bad);
    store_on_server(&data, &bad, &mut doc, &[]);

    // Both terminals sync: no failure, the bad document set aside with why, the good ones exchanged.
    a.edit(&good, &[Edit::SetFindings("冷柜温度 4℃，正常。".into())]).unwrap();
    let ra = rt.block_on(a.sync(&url)).unwrap();
    assert_eq!(ra.quarantined_docs, 1, "{ra:?}");
    let rb = rt.block_on(b.sync(&url)).unwrap();
    assert_eq!(rb.quarantined_docs, 1, "{rb:?}");
    assert_eq!(b.show(&good).unwrap().inspection.findings, "冷柜温度 4℃，正常。", "the other documents still sync");
    rt.block_on(a.sync(&url)).unwrap();
    assert!(a.show(&other).is_ok());
    for t in [&a, &b] {
        let status = t.status(&url).unwrap();
        assert_eq!(status.quarantined.len(), 1);
        assert_eq!(status.quarantined[0].id, bad);
        assert!(status.quarantined[0].reason.contains("'item' is missing or not an object"), "{status:?}");
        assert!(t.show(&bad).is_err(), "an unreadable document is not listed as an inspection");
        assert_eq!(t.list_inspections().unwrap().len(), 2);
        // Its bytes are kept: the whole document as the server had it.
        let mut kept = AutoCommit::load(&t.quarantined_bytes(&bad).unwrap().unwrap()).unwrap();
        assert_eq!(kept.get_heads(), doc.get_heads());
        let json = status_json(t);
        assert_eq!(json["quarantined"][0]["id"], bad.as_str(), "{json}");
        assert!(json["quarantined"][0]["reason"].as_str().unwrap().contains("'item'"), "{json}");
    }
    let dir = a.data_dir().display().to_string();
    let text = run("fieldtrail-terminal", "fieldtrail-terminal", &["--data", &dir, "status"]).unwrap();
    assert!(text.contains("1 document(s) in quarantine") && text.contains(&bad), "{text}");

    // A later sync leaves it where it is and still fails nothing.
    assert_eq!(rt.block_on(a.sync(&url)).unwrap().quarantined_docs, 0);
    assert_eq!(a.status(&url).unwrap().quarantined.len(), 1);

    // The fix arrives on the server: the document reads again and leaves quarantine on both terminals.
    let before = doc.get_heads();
    let item = doc.put_object(ROOT, "item", ObjType::Map).unwrap();
    doc.put(&item, "code", "SC-0101").unwrap();
    doc.put(&item, "name", "食品经营许可事项检查").unwrap();
    doc.commit();
    store_on_server(&data, &bad, &mut doc, &before);
    for t in [&a, &b] {
        rt.block_on(t.sync(&url)).unwrap();
        assert!(t.status(&url).unwrap().quarantined.is_empty(), "released once readable");
        assert_eq!(t.show(&bad).unwrap().inspection.item_code, "SC-0101");
        assert_eq!(t.document(&bad).unwrap().heads(), doc.get_heads());
        assert_eq!(t.list_inspections().unwrap().len(), 3);
    }
    drop(server);
}

/// SEC-3: a document a terminal holds that a later change makes unreadable keeps its last readable state on
/// the terminal; the change is kept aside, and the fix brings both in.
#[test]
fn sec_3_a_known_document_made_unreadable_keeps_its_last_readable_state() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dirs = TempDir::new().unwrap();
    let data = dirs.path().join("server");
    let server = ServerProcess::start(&data).unwrap();
    let url = server.url();
    let a = Terminal::open(dirs.path().join("a")).unwrap();
    register(&data, &a).unwrap();
    let id = a.create_inspection(&sample_inspection("临河区某超市")).unwrap();
    let other = a.create_inspection(&sample_inspection("临河区某饭店")).unwrap();
    rt.block_on(a.sync(&url)).unwrap();

    // On the server, a change that deletes the item (written into its store, as the first test says why).
    let mut doc = SqliteStore::open(&data).unwrap().transact(|tx| tx.load_document(&id)).unwrap().unwrap();
    let readable_heads = doc.get_heads();
    doc.delete(ROOT, "item").unwrap();
    doc.commit();
    store_on_server(&data, &id, &mut doc, &readable_heads);

    a.edit(&other, &[Edit::SetFindings("正常。".into())]).unwrap();
    let report = rt.block_on(a.sync(&url)).unwrap();
    assert_eq!(report.quarantined_docs, 1, "{report:?}");
    assert_eq!(a.unsynced().unwrap(), Vec::<String>::new(), "the other document went through");
    let status = a.status(&url).unwrap();
    assert_eq!(status.quarantined.len(), 1);
    assert_eq!(status.quarantined[0].id, id);
    assert_eq!(a.document(&id).unwrap().heads(), readable_heads, "the last readable state stays");
    assert_eq!(a.show(&id).unwrap().inspection.item_code, "SC-0101");
    let mut kept = AutoCommit::load(&a.quarantined_bytes(&id).unwrap().unwrap()).unwrap();
    assert_eq!(kept.get_heads(), doc.get_heads(), "the unreadable change is kept");

    // The fix arrives: the document takes the deletion and the fix, and leaves quarantine.
    let before = doc.get_heads();
    let item = doc.put_object(ROOT, "item", ObjType::Map).unwrap();
    doc.put(&item, "code", "SC-0102").unwrap();
    doc.put(&item, "name", "食品经营许可事项检查").unwrap();
    doc.commit();
    store_on_server(&data, &id, &mut doc, &before);
    rt.block_on(a.sync(&url)).unwrap();
    assert!(a.status(&url).unwrap().quarantined.is_empty());
    assert_eq!(a.document(&id).unwrap().heads(), doc.get_heads());
    assert_eq!(a.show(&id).unwrap().inspection.item_code, "SC-0102");
    let history = a.verify_history().unwrap();
    assert!(history.is_clean(), "the hash-linked history took the changes in: {:?}", history.problems);
    drop(server);
}
