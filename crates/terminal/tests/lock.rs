//! Ending and locking in one step on a real terminal data directory (REC-4, CERT-4): a lock the rules refuse
//! leaves the stored document byte for byte as it was (same heads, not ended, no new change in the database or
//! in the hash-linked change log); a good one stores the end and the lock together, in one appended chunk.
//! Certificates are issued by the server's real authority code.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use chrono::Utc;
use fieldtrail_core::{Edit, Kind, NewInspection, Party, Status};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::authority::{self, AuthorityKey, IssueRequest};
use fieldtrail_terminal::Terminal;
use rusqlite::Connection;
use std::path::Path;
use tempfile::TempDir;

const PINS: [(&str, &str, &str); 3] =
    [("15080001", "张三", "482913"), ("15080002", "李四", "739251"), ("15080003", "王五", "615083")];

struct Authority {
    _dir: TempDir,
    store: SqliteStore,
    key: AuthorityKey,
}

fn authority() -> Authority {
    let dir = TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let key_path = dir.path().join("authority.key");
    authority::init(&store, &key_path, "内蒙古自治区司法厅").unwrap();
    let key = authority::load(&store, &key_path).unwrap();
    Authority { _dir: dir, store, key }
}

/// A real JPEG portrait.
fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(300, 400, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img).unwrap();
    out
}

/// A terminal whose administrator provisioned the authority, with the three officers enrolled.
fn terminal(a: &Authority, dir: &Path) -> Terminal {
    let t = Terminal::open(dir).unwrap();
    t.provision_authority(&a.key.name, &a.key.public_key()).unwrap();
    let now = Utc::now().timestamp();
    for (number, name, pin) in PINS {
        let req = IssueRequest {
            number: number.into(),
            name: name.into(),
            agency: "巴彦淖尔市市场监督管理局".into(),
            categories: vec!["食品安全".into()],
            regions: vec!["1508".into()],
            valid_from: now - 86_400,
            valid_to: now + 365 * 86_400,
            kind: fieldtrail_core::identity::CertificateKind::Officer,
            photo: photo(),
            actor: "管理员".into(),
        };
        let issued = authority::issue(&a.store, &a.key, &req).unwrap();
        t.enrol(&issued.package.to_bytes(), &issued.code, pin).unwrap();
    }
    t
}

fn inspection(t: &Terminal) -> String {
    let id = t
        .create_inspection(&NewInspection {
            agency: "巴彦淖尔市市场监督管理局".into(),
            kind: Kind::Inspection,
            item_code: "SC-0101".into(),
            item_name: "食品经营许可事项检查".into(),
            legal_basis: vec![],
            party: Party { name: "临河区某超市".into(), ..Party::default() },
            location: Default::default(),
            officers: vec![],
            started_at: Utc::now(),
            checklist: vec![],
            position: Default::default(),
        })
        .unwrap();
    t.edit(&id, &[Edit::SetScope { category: "食品安全".into(), region: "150802".into() }]).unwrap();
    id
}

/// Everything the database holds of inspection `id`: its save, heads and chunks, and its change-log rows.
#[derive(Debug, PartialEq)]
struct Stored {
    saved: Vec<u8>,
    heads: Vec<u8>,
    chunks: Vec<Vec<u8>>,
    log_rows: i64,
}

fn stored(dir: &Path, id: &str) -> Stored {
    let c = Connection::open(dir.join("terminal.db")).unwrap();
    let (saved, heads) =
        c.query_row("SELECT saved, heads FROM documents WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    let mut stmt = c.prepare("SELECT bytes FROM document_chunks WHERE doc_id = ?1 ORDER BY id").unwrap();
    let chunks = stmt.query_map([id], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    let log_rows = c.query_row("SELECT count(*) FROM change_log WHERE doc_id = ?1", [id], |r| r.get(0)).unwrap();
    Stored { saved, heads, chunks, log_rows }
}

/// CERT-4: one officer presented; the lock is refused with `not_enough_officers` and the officer's unsaved
/// findings, the end and the lock are all absent: the stored bytes, heads and change log are as before. An
/// officer who did not present is refused the same way, even once two did.
#[test]
fn cert_4_a_refused_lock_leaves_the_stored_inspection_as_it_was() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = terminal(&a, dir.path());
    let zhang = t.unlock("15080001", "482913").unwrap();
    let li = t.unlock("15080002", "739251").unwrap();
    let wang = t.unlock("15080003", "615083").unwrap();
    let id = inspection(&t);
    t.present(&id, &zhang).unwrap();
    let before = stored(dir.path(), &id);

    let unsaved = [Edit::SetFindings("货架整洁".into())];
    let err = t.end_and_lock(&id, &unsaved, &zhang).unwrap_err();
    assert_eq!(err.code(), "not_enough_officers", "{err}");
    assert_eq!(stored(dir.path(), &id), before, "nothing stored");
    let view = t.show(&id).unwrap().inspection;
    assert_eq!((view.status, view.ended_at, view.findings.as_str()), (Status::InProgress, None, ""));

    t.present(&id, &li).unwrap();
    let before = stored(dir.path(), &id);
    let err = t.end_and_lock(&id, &[], &wang).unwrap_err();
    assert_eq!(err.code(), "lock_officer_not_counted", "{err}");
    assert_eq!(stored(dir.path(), &id), before, "nothing stored");
    assert!(t.verify_history().unwrap().is_clean(), "the change log still matches the documents");
}

/// REC-4: a good lock stores the unsaved findings, the end and the lock in one appended chunk: ended and locked
/// together, the lock over the heads after the end. A second lock is refused and stores nothing.
#[test]
fn rec_4_a_good_lock_ends_and_locks_in_one_write() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = terminal(&a, dir.path());
    let zhang = t.unlock("15080001", "482913").unwrap();
    let li = t.unlock("15080002", "739251").unwrap();
    let id = inspection(&t);
    t.present(&id, &zhang).unwrap();
    t.present(&id, &li).unwrap();
    let before = stored(dir.path(), &id);

    t.end_and_lock(&id, &[Edit::SetFindings("货架整洁".into())], &li).unwrap();

    let after = stored(dir.path(), &id);
    assert_eq!(after.chunks.len(), before.chunks.len() + 1, "one write");
    assert_eq!(after.log_rows, before.log_rows + 3, "findings, end and lock in the change log");
    let view = t.show(&id).unwrap().inspection;
    assert_eq!(view.status, Status::Locked);
    assert_eq!(view.findings, "货架整洁");
    assert!(view.ended_at.is_some(), "ended with the lock");
    assert_eq!(view.lock.as_ref().map(|l| l.by.as_str()), Some("15080002"));
    let timeline: Vec<String> = t.timeline(&id).unwrap().into_iter().map(|s| s.what).collect();
    let n = timeline.len();
    assert_eq!(timeline[n - 2..], ["set ended at".to_owned(), "lock".to_owned()], "{timeline:?}");

    assert_eq!(t.end_and_lock(&id, &[], &zhang).unwrap_err().code(), "locked");
    assert_eq!(stored(dir.path(), &id), after);
}
