//! The home screen's list on a real SQLite file (issue 10, item 8): pages newest start first with a cursor,
//! with no row twice or missing; kept in step with every edit; rebuilt from the documents when rows are missing
//! or stale (a database restored from before the list existed, a document changed behind the list's back); a
//! document that does not read is left out without stopping the terminal.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use chrono::{Duration, TimeZone, Utc};
use fieldtrail_core::{Edit, InspectionDoc, Kind, NewInspection, Party};
use fieldtrail_terminal::{ListCursor, Terminal, inspection_list::MAX_PAGE};
use rusqlite::Connection;
use std::collections::HashSet;
use std::path::Path;
use tempfile::TempDir;

fn started(minutes: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn new_inspection(party: &str, minutes: i64) -> NewInspection {
    NewInspection {
        agency: "达拉特旗交通运输局".into(),
        kind: Kind::Inspection,
        item_code: "JT-0302".into(),
        item_name: "道路货物运输车辆超限检查".into(),
        legal_basis: vec![],
        party: Party { name: party.into(), ..Party::default() },
        location: Default::default(),
        officers: vec![],
        started_at: started(minutes),
        checklist: vec![],
        position: Default::default(),
    }
}

fn db(dir: &Path) -> Connection {
    Connection::open(dir.join("terminal.db")).unwrap()
}

/// Pages of `limit` until the last; the parties in the order seen.
fn all_pages(t: &Terminal, limit: u32) -> (Vec<String>, usize) {
    let (mut seen, mut pages, mut cursor): (Vec<String>, usize, Option<ListCursor>) = (Vec::new(), 0, None);
    loop {
        let page = t.inspection_page(cursor.as_ref(), limit).unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|i| i.party_name.clone()));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return (seen, pages),
        }
    }
}

/// Pages hold every inspection once, newest start first, whatever order they were created in; the limit is
/// clamped to at least one row and at most MAX_PAGE; a cursor naming no inspection still pages from its place.
#[test]
fn pages_list_every_inspection_once_newest_first() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    // Created out of order, two starting in the same minute (the id breaks the tie).
    let minutes = [5, 1, 24, 7, 7, 13, 0, 22, 3, 18, 9, 11, 2, 20, 15, 6, 4, 23, 8, 10, 12, 14, 16, 17, 19];
    for (n, m) in minutes.iter().enumerate() {
        t.create_inspection(&new_inspection(&format!("当事人{n:02}-{m:02}"), *m)).unwrap();
    }

    let (seen, pages) = all_pages(&t, 10);
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), minutes.len());
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), minutes.len(), "no row twice");
    let order: Vec<i64> = seen.iter().map(|p| p[p.len() - 2..].parse().unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] >= w[1]), "newest start first: {order:?}");
    assert_eq!(
        t.list_inspections().unwrap().iter().map(|i| &i.party_name).collect::<Vec<_>>(),
        seen.iter().collect::<Vec<_>>()
    );

    assert_eq!(t.inspection_page(None, 0).unwrap().items.len(), 1, "at least one row");
    assert_eq!(t.inspection_page(None, u32::MAX).unwrap().items.len(), minutes.len());
    for _ in 0..(MAX_PAGE as usize) {
        t.create_inspection(&new_inspection("批量", 30)).unwrap();
    }
    assert_eq!(t.inspection_page(None, u32::MAX).unwrap().items.len(), MAX_PAGE as usize, "at most MAX_PAGE");

    let nowhere = ListCursor { started_ms: started(10).timestamp_millis(), id: "no-such-inspection".into() };
    let after = t.inspection_page(Some(&nowhere), 50).unwrap();
    let at = |i: &fieldtrail_core::InspectionSummary| chrono::DateTime::parse_from_rfc3339(&i.started_at).unwrap();
    // Ids are hex, before "no-such-…": the inspection of minute 10 comes after the cursor too.
    assert!(after.items.iter().all(|i| at(i) <= started(10)), "only from the cursor's place on");
    assert_eq!(after.items.len(), 12, "minutes 0 to 10, 7 twice");
}

/// Every edit writes the row in the same transaction: the list shows the new result and status at once, and
/// after a reopen.
#[test]
fn the_list_follows_every_edit() {
    let dir = TempDir::new().unwrap();
    let id = {
        let t = Terminal::open(dir.path()).unwrap();
        let id = t.create_inspection(&new_inspection("某物流有限公司", 0)).unwrap();
        t.edit(&id, &[Edit::SetResult("不合格".into())]).unwrap();
        assert_eq!(t.inspection_page(None, 10).unwrap().items[0].result, "不合格");
        t.edit(&id, &[Edit::SetResult("合格".into())]).unwrap();
        id
    };
    let t = Terminal::open(dir.path()).unwrap();
    let row = &t.inspection_page(None, 10).unwrap().items[0];
    assert_eq!((row.id.as_str(), row.result.as_str()), (id.as_str(), "合格"));
}

/// A row deleted, or a document whose heads changed without its row being written again, is rebuilt from the
/// document at the next open; a document that does not read is left out, and the terminal still opens.
#[test]
fn missing_or_stale_rows_are_rebuilt_at_open() {
    let dir = TempDir::new().unwrap();
    let (a, b) = {
        let t = Terminal::open(dir.path()).unwrap();
        let a = t.create_inspection(&new_inspection("甲公司", 1)).unwrap();
        let b = t.create_inspection(&new_inspection("乙公司", 2)).unwrap();
        (a, b)
    };
    let c = db(dir.path());
    c.execute("DELETE FROM inspection_list WHERE id = ?1", [&a]).unwrap();
    // What older code or a hand edit would do: the document changes, its summary row is not written.
    c.execute("UPDATE documents SET heads = heads, updated_at = 'x' WHERE id = ?1", [&b]).unwrap();
    let rows: i64 = c.query_row("SELECT count(*) FROM inspection_list", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 0, "both rows gone");
    c.execute(
        "INSERT INTO documents (id, saved, heads, created_at, updated_at) VALUES ('broken', x'00010203', x'', 'x', 'x')",
        [],
    )
    .unwrap();
    drop(c);

    let t = Terminal::open(dir.path()).unwrap();
    let parties: Vec<String> = t.list_inspections().unwrap().into_iter().map(|i| i.party_name).collect();
    assert_eq!(parties, ["乙公司", "甲公司"], "rebuilt, the broken document left out");
}

/// A database from before the list existed (a backup restored onto the tablet, or an upgrade): migration 0014
/// fills the list from the documents' stored summaries, and a summary that is not JSON is rebuilt from its
/// document.
#[test]
fn a_database_from_before_the_list_gets_its_list() {
    let dir = TempDir::new().unwrap();
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/terminal");
    let before: Vec<String> = [
        "0001_init",
        "0002_evidence",
        "0003_identity",
        "0004_receipts",
        "0005_change_log",
        "0006_catalogue",
        "0007_resync",
        "0010_restores_quarantine",
        "0011_provisioned_authorities",
        "0012_refused",
    ]
    .iter()
    .map(|m| std::fs::read_to_string(migrations.join(format!("{m}.sql"))).unwrap())
    .collect();
    let c = db(dir.path());
    for sql in &before {
        c.execute_batch(sql).unwrap();
    }
    c.pragma_update(None, "user_version", before.len() as i64).unwrap();
    for (n, (party, minutes)) in [("丙公司", 3), ("丁公司", 9)].into_iter().enumerate() {
        let id = format!("00000000-0000-4000-8000-00000000000{n}");
        let mut doc =
            InspectionDoc::create(&id, &new_inspection(party, minutes), automerge::ActorId::random()).unwrap();
        let summary = serde_json::to_string(&doc.read().unwrap().summary("2026-11-29T09:00:00Z")).unwrap();
        let summary = if n == 0 { summary } else { "not json".to_owned() };
        c.execute(
            "INSERT INTO documents (id, saved, heads, summary, created_at, updated_at) VALUES (?1, ?2, x'', ?3, 'x', 'x')",
            rusqlite::params![id, doc.save(), summary],
        )
        .unwrap();
    }
    drop(c);

    let t = Terminal::open(dir.path()).unwrap();
    let parties: Vec<String> = t.list_inspections().unwrap().into_iter().map(|i| i.party_name).collect();
    assert_eq!(parties, ["丁公司", "丙公司"]);
}
