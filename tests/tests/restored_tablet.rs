//! SEC-6, the tablet half, end to end with the real server binary: a tablet restored from its own backup holds
//! an older request counter and older data than it last had. The server refuses its first request as a replay
//! and says where to resume; the tablet continues above that, asks the server to offer everything again, and
//! converges with the server and the other tablets, heads of every document compared. A request captured
//! before the restore stays refused.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::Edit;
use fieldtrail_core::protocol::{self, ErrorBody, SyncRequest};
use fieldtrail_terminal::Terminal;
use fieldtrail_tests::{ServerProcess, register, sample_inspection, server_document};
use tempfile::TempDir;

fn heads(t: &Terminal, id: &str) -> Vec<String> {
    let mut heads: Vec<String> = t.document(id).unwrap().heads().iter().map(|h| h.to_string()).collect();
    heads.sort();
    heads
}

async fn server_heads(url: &str, id: &str, via: &Terminal) -> Vec<String> {
    let doc = server_document(url, id, via).await.unwrap();
    let mut heads: Vec<String> =
        doc["heads"].as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_owned()).collect();
    heads.sort();
    heads
}

/// Every document on every terminal and on the server has the same heads.
async fn converged(url: &str, terminals: &[&Terminal], ids: &[&str]) {
    for id in ids {
        let on_server = server_heads(url, id, terminals[0]).await;
        for t in terminals {
            assert_eq!(heads(t, id), on_server, "document {id} on terminal {}", t.device_id());
        }
    }
}

#[test]
fn sec6_a_tablet_restored_from_its_backup_resumes_and_converges_while_old_requests_stay_refused() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dirs = TempDir::new().unwrap();
    let server = ServerProcess::start(&dirs.path().join("server")).unwrap();
    let url = server.url();
    let (a_dir, backup) = (dirs.path().join("a"), dirs.path().join("a-backup"));
    let a = Terminal::open(&a_dir).unwrap();
    let b = Terminal::open(dirs.path().join("b")).unwrap();
    register(server.data(), &a).unwrap();
    register(server.data(), &b).unwrap();

    let first = a.create_inspection(&sample_inspection("临河区某超市")).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(b.sync(&url)).unwrap();

    // The backup: A's data directory copied while A is closed.
    drop(a);
    fieldtrail_tests::copy_dir(&a_dir, &backup).unwrap();
    let a = Terminal::open(&a_dir).unwrap();

    // After the backup A works on and delivers: an edit, a second case, several requests.
    a.edit(&first, &[Edit::SetFindings("冷柜温度 9℃，超过标准。".into())]).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    let second = a.create_inspection(&sample_inspection("临河区某药店")).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    // One of A's requests, as someone on the network captured it.
    let body = protocol::encode(&SyncRequest {
        v: protocol::PROTOCOL_VERSION,
        terminal: a.device_id().to_owned(),
        cursor: 0,
        ..Default::default()
    });
    let captured = a
        .signed(reqwest::Method::POST, &format!("{url}/v1/sync"), Some(&body))
        .unwrap()
        .header("content-type", protocol::CONTENT_TYPE)
        .body(body)
        .build()
        .unwrap();
    let replay = captured.try_clone().unwrap();
    let http = reqwest::Client::new();
    assert_eq!(rt.block_on(http.execute(captured)).unwrap().status().as_u16(), 200);
    // B works meanwhile.
    b.edit(&first, &[Edit::SetResult("责令改正".into())]).unwrap();
    rt.block_on(b.sync(&url)).unwrap();

    // A is lost; its backup is restored onto the tablet.
    drop(a);
    std::fs::remove_dir_all(&a_dir).unwrap();
    fieldtrail_tests::copy_dir(&backup, &a_dir).unwrap();
    let a = Terminal::open(&a_dir).unwrap();
    assert!(a.document(&second).is_err(), "the backup predates the second case");
    // The officer works on before the tablet reaches the server: this edit follows the same change of the first
    // case as the original's lost-to-the-backup edit did, and must not collide with it.
    a.edit(&first, &[Edit::SetKind(fieldtrail_core::Kind::Penalty)]).unwrap();

    // Its first request reuses a counter the original spent: refused, resumed, sent again, synced.
    let report = rt.block_on(a.sync(&url)).expect("the restored tablet syncs");
    assert!(report.received_docs >= 2, "what the backup lacked came back: {report:?}");
    rt.block_on(b.sync(&url)).unwrap();
    rt.block_on(converged(&url, &[&a, &b], &[&first, &second]));
    let view = a.show(&first).unwrap().inspection;
    assert_eq!(view.findings, "冷柜温度 9℃，超过标准。", "the original's edit after the backup is back");
    assert_eq!(view.result, "责令改正", "so is B's");
    assert_eq!(view.kind, fieldtrail_core::Kind::Penalty, "and the edit made on the restored tablet before it synced");

    // The restored tablet works on like any other; its counter and sync state are sound.
    a.edit(&second, &[Edit::SetResult("合格".into())]).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(b.sync(&url)).unwrap();
    rt.block_on(converged(&url, &[&a, &b], &[&first, &second]));
    assert_eq!(b.show(&second).unwrap().inspection.result, "合格");

    // The captured request, sent again, is still a replay.
    let resp = rt.block_on(http.execute(replay)).unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let err: ErrorBody = serde_json::from_slice(&rt.block_on(resp.bytes()).unwrap()).unwrap();
    assert_eq!(err.code, "replayed", "{}", err.message);
}
