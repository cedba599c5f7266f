//! The terminal's store and sync client on a real SQLite file: what survives a restart, how documents are
//! kept, and how failures of the network or the server reach the caller without losing anything (SYNC-1).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use chrono::Utc;
use fieldtrail_core::{Edit, Kind, NewInspection, Party, Status};
use fieldtrail_terminal::{Error, Terminal};
use tempfile::TempDir;

fn new_inspection() -> NewInspection {
    NewInspection {
        agency: "达拉特旗交通运输局".into(),
        kind: Kind::Inspection,
        item_code: "JT-0302".into(),
        item_name: "道路货物运输车辆超限检查".into(),
        legal_basis: vec![],
        party: Party { name: "某物流有限公司".into(), ..Party::default() },
        location: Default::default(),
        officers: vec![],
        started_at: Utc::now(),
        position: fieldtrail_core::Position::default(),
        checklist: vec!["车辆轴数".into()],
    }
}

fn chunks(dir: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("terminal.db")).unwrap();
    conn.query_row("SELECT count(*) FROM document_chunks", [], |r| r.get(0)).unwrap()
}

/// SYNC-1: everything is on disk, offline; a reopened terminal has the same identity and inspections.
#[test]
fn sync_1_inspections_and_identity_survive_reopening() {
    let dir = TempDir::new().unwrap();
    let (device, id) = {
        let t = Terminal::open(dir.path()).unwrap();
        let id = t.create_inspection(&new_inspection()).unwrap();
        t.edit(&id, &[Edit::SetFindings("超限 12%".into()), Edit::SetStatus(Status::Completed)]).unwrap();
        (t.device_id().to_owned(), id)
    };
    let t = Terminal::open(dir.path()).unwrap();
    assert_eq!(t.device_id(), device);
    let view = t.show(&id).unwrap();
    assert_eq!(view.inspection.findings, "超限 12%");
    let list = t.list_inspections().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].status, list[0].party_name.as_str()), (Status::Completed, "某物流有限公司"));
    assert_eq!(t.unsynced().unwrap(), vec![id]);
}

/// Each edit appends a small chunk; after enough of them the document is compacted and still reads the same.
#[test]
fn edits_append_chunks_and_compact() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = t.create_inspection(&new_inspection()).unwrap();
    for n in 0..63 {
        t.edit(&id, &[Edit::SetResult(format!("第{n}次"))]).unwrap();
    }
    assert_eq!(chunks(dir.path()), 63);
    t.edit(&id, &[Edit::SetResult("最终".into())]).unwrap();
    assert_eq!(chunks(dir.path()), 0, "64 chunks are compacted into the save");
    assert_eq!(Terminal::open(dir.path()).unwrap().show(&id).unwrap().inspection.result, "最终");
}

#[test]
fn bad_edits_are_refused_and_keep_the_document() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = t.create_inspection(&new_inspection()).unwrap();
    let before = t.document(&id).unwrap().heads();
    let err = t.edit("9b2e0c1e-0000-4000-8000-000000000000", &[Edit::SetResult("x".into())]).unwrap_err();
    assert_eq!(err.code(), "not_found");
    // The first edit is fine, the second is not: neither is kept.
    let edits = [Edit::SetResult("合格".into()), Edit::AddChecklistItem { label: "".into() }];
    assert_eq!(t.edit(&id, &edits).unwrap_err().code(), "invalid_input");
    assert_eq!(t.document(&id).unwrap().heads(), before);
    assert_eq!(t.show(&id).unwrap().inspection.result, "");
    let mut bad = new_inspection();
    bad.item_name = " ".into();
    assert_eq!(t.create_inspection(&bad).unwrap_err().code(), "invalid_input");
    assert_eq!(t.list_inspections().unwrap().len(), 1);
}

/// SYNC-1: no server, a server that is not FieldTrail, a server that refuses: each is a clear error, and the
/// inspection waits, unchanged, for the next sync.
#[tokio::test]
async fn sync_1_failed_syncs_lose_nothing() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path().join("t")).unwrap();
    let id = t.create_inspection(&new_inspection()).unwrap();

    // Nobody listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let err = t.sync(&url).await.unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err}");

    // Something answers 200 with a body that is not the protocol.
    let liar = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let liar_url = format!("http://{}", liar.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = liar.accept().await {
            let mut buf = vec![0u8; 64 * 1024];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello").await;
        }
    });
    let err = t.sync(&liar_url).await.unwrap_err();
    assert_eq!(err.code(), "server_bad_reply", "{err}");

    // A real server, but the wrong path: refused with the server's status.
    let config = fieldtrail_server::Config::new(dir.path().join("server"), "127.0.0.1:0".parse().unwrap());
    let server = fieldtrail_server::Server::bind(&config).await.unwrap();
    let real = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.serve(std::future::pending()));
    // Not registered with the server: refused.
    let err = t.sync(&real).await.unwrap_err();
    assert!(matches!(&err, Error::Refused { status: 401, code, .. } if code == "unknown_device"), "{err}");
    let store = fieldtrail_server::SqliteStore::open(&dir.path().join("server")).unwrap();
    fieldtrail_server::devices::register(
        &store,
        t.device_id(),
        &t.device_public_key().unwrap(),
        "达拉特旗交通运输局",
        "test",
    )
    .unwrap();
    let err = t.sync(&format!("{real}/nowhere")).await.unwrap_err();
    assert!(matches!(err, Error::Refused { status: 404, .. }), "{err}");

    assert_eq!(t.unsynced().unwrap(), vec![id.clone()]);
    let report = t.sync(&real).await.unwrap();
    assert_eq!((report.rounds, report.sent_docs), (1, 1));
    assert!(t.unsynced().unwrap().is_empty());
}
