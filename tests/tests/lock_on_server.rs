//! REC-4 on the server: after a lock only amendments go in, even from a terminal that skips its own checks;
//! a forged lock is refused; an edit made offline concurrently with the lock is kept (it was not made after it).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::sync::SyncDoc;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ObjType, ROOT};
use fieldtrail_core::identity::CertificateKind;
use fieldtrail_core::sync::seed_state;
use fieldtrail_core::{Edit, Status};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::authority::{self, IssueRequest};
use fieldtrail_terminal::{Terminal, UnlockedOfficer};
use fieldtrail_tests::{InProcessServer, register, sample_inspection, server_document};
use tempfile::TempDir;

fn enrol(server_data: &std::path::Path, t: &Terminal, number: &str, pin: &str) -> UnlockedOfficer {
    let store = SqliteStore::open(server_data).unwrap();
    let key_path = server_data.join("authority.key");
    if !key_path.exists() {
        authority::init(&store, &key_path, "内蒙古自治区司法厅").unwrap();
    }
    let key = authority::load(&store, &key_path).unwrap();
    // SEC-8: the terminal's administrator provisions the authority's key before anyone enrols.
    t.provision_authority(&key.name, &key.public_key()).unwrap();
    let img = image::RgbImage::from_fn(120, 160, |x, y| image::Rgb([x as u8, y as u8, 100]));
    let mut photo = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut photo, 80).encode_image(&img).unwrap();
    let now = chrono::Utc::now().timestamp();
    let issued = authority::issue(
        &store,
        &key,
        &IssueRequest {
            number: number.into(),
            name: format!("执法员{number}"),
            agency: "巴彦淖尔市市场监督管理局".into(),
            categories: vec!["食品安全".into()],
            regions: vec!["1508".into()],
            valid_from: now - 86_400,
            valid_to: now + 86_400 * 365,
            kind: CertificateKind::Officer,
            photo,
            actor: "test".into(),
        },
    )
    .unwrap();
    t.enrol(&issued.package.to_bytes(), &issued.code, pin).unwrap();
    t.unlock(number, pin).unwrap()
}

/// Sends `t`'s document `id` after `change` is made to it with automerge directly, as a terminal that skips
/// its own checks would; returns the server's status and error code.
async fn send_raw(url: &str, t: &Terminal, id: &str, change: impl FnOnce(&mut automerge::AutoCommit)) -> (u16, String) {
    let mut doc = t.document(id).unwrap();
    let raw = doc.automerge();
    let before = raw.get_heads();
    change(raw);
    let msg = raw.sync().generate_sync_message(&mut seed_state(before)).unwrap();
    let (status, error) = fieldtrail_tests::push_raw(url, t, id, msg.encode()).await;
    (status, error.code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rec_4_server_accepts_only_amendments_after_lock() {
    let dir = TempDir::new().unwrap();
    let server = InProcessServer::start(&dir.path().join("server")).await.unwrap();
    let url = server.url.clone();
    let t1 = Terminal::open(dir.path().join("t1")).unwrap();
    let t2 = Terminal::open(dir.path().join("t2")).unwrap();
    register(&server.data, &t1).unwrap();
    register(&server.data, &t2).unwrap();
    let zhang = enrol(&server.data, &t1, "15080001", "482913");
    let li = enrol(&server.data, &t1, "15080002", "739251");

    let id = t1.create_inspection(&sample_inspection("临河区某超市")).unwrap();
    t1.edit(
        &id,
        &[Edit::SetScope { category: "食品安全".into(), region: "150802".into() }, Edit::SetResult("合格".into())],
    )
    .unwrap();
    t1.sync(&url).await.unwrap();
    t2.sync(&url).await.unwrap();
    // Terminal 2, offline, edits the findings while terminal 1 locks.
    t2.edit(&id, &[Edit::SetFindings("冷柜温度 9℃".into())]).unwrap();
    t1.present(&id, &zhang).unwrap();
    t1.present(&id, &li).unwrap();
    t1.lock(&id, &zhang).unwrap();
    t1.sync(&url).await.unwrap();
    let locked = server_document(&url, &id, &t1).await.unwrap();
    assert_eq!(locked["inspection"]["status"], "locked");

    // A plain edit made on top of the lock is refused, and nothing of it is stored.
    let (status, code) = send_raw(&url, &t1, &id, |doc| {
        doc.put(ROOT, "result", "不合格").unwrap();
        doc.commit_with(CommitOptions::default().with_message("set result".to_owned()));
    })
    .await;
    assert_eq!((status, code.as_str()), (409, "locked"));
    assert_eq!(server_document(&url, &id, &t1).await.unwrap()["heads"], locked["heads"]);

    // An amendment with a reason goes in.
    t1.amend(&id, Edit::SetResult("责令改正".into()), "复核发现问题", &li).unwrap();
    t1.sync(&url).await.unwrap();
    let amended = server_document(&url, &id, &t1).await.unwrap();
    assert_eq!(amended["inspection"]["result"], "责令改正");
    assert_eq!(amended["inspection"]["amendments"][0]["reason"], "复核发现问题");

    // Terminal 2's offline edit was concurrent with the lock: kept, not refused.
    t2.sync(&url).await.unwrap();
    let merged = server_document(&url, &id, &t2).await.unwrap();
    assert_eq!(merged["inspection"]["findings"], "冷柜温度 9℃");
    assert_eq!(t2.show(&id).unwrap().inspection.status, Status::Locked);

    // A lock that no officer signed is refused.
    let other = t1.create_inspection(&sample_inspection("另一家超市")).unwrap();
    t1.present(&other, &zhang).unwrap();
    t1.sync(&url).await.unwrap();
    let (status, code) = send_raw(&url, &t1, &other, |doc| {
        doc.put(ROOT, "status", "locked").unwrap();
        let lock = doc.put_object(ROOT, "lock", ObjType::Map).unwrap();
        doc.put(&lock, "by", "15080001").unwrap();
        doc.put(&lock, "at", "2026-11-21T10:00:00Z").unwrap();
        doc.put(&lock, "signature", "00".repeat(64)).unwrap();
        doc.put_object(&lock, "heads", ObjType::List).unwrap();
        doc.commit_with(CommitOptions::default().with_message("lock".to_owned()));
    })
    .await;
    assert_eq!((status, code.as_str()), (400, "bad_lock"));
    server.stop().await.unwrap();
}
