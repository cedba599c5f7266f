//! The inspection document: typed writes, reads, merges and conflicts (REC-1, SYNC-2).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::ActorId;
use automerge::sync::SyncDoc;
use chrono::{TimeZone, Utc};
use fieldtrail_core::sync::{decode_heads, encode_heads, seed_state};
use fieldtrail_core::*;

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16].as_slice())
}

fn new_inspection() -> NewInspection {
    NewInspection {
        agency: "巴彦淖尔市市场监督管理局".into(),
        kind: Kind::Inspection,
        item_code: "SC-0101".into(),
        item_name: "食品经营许可事项检查".into(),
        legal_basis: vec![LegalBasis {
            law: "中华人民共和国食品安全法".into(),
            article: "第八十七条".into(),
            clause: "".into(),
            item: "".into(),
        }],
        party: Party {
            name: "临河区某超市".into(), credit_code: "91150802MA0N000000".into(), ..Party::default()
        },
        location: Location { latitude: Some(40.7574), longitude: Some(107.3877), address: "临河区新华街".into() },
        officers: vec![OfficerRef { certificate_number: "15080001".into(), name: "张三".into() }],
        started_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap(),
        position: fieldtrail_core::Position::default(),
        checklist: vec!["证照是否齐全".into(), "冷藏温度是否达标".into()],
    }
}

fn t(min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, min, 0).unwrap()
}

/// REC-1: basis, subject, content and result, item, location and times are all recorded and read back.
#[test]
fn rec_1_create_and_read_back_every_field() {
    let mut doc = InspectionDoc::create("case-1", &new_inspection(), actor(1)).unwrap();
    let view = doc.read().unwrap();
    let i = &view.inspection;
    assert_eq!(i.id, "case-1");
    assert_eq!(i.schema, SCHEMA_VERSION);
    assert_eq!(i.item_name, "食品经营许可事项检查");
    assert_eq!(i.legal_basis[0].article, "第八十七条");
    assert_eq!(i.party.credit_code, "91150802MA0N000000");
    assert_eq!(i.location.latitude, Some(40.7574));
    assert_eq!(i.officers[0].name, "张三");
    assert_eq!(i.started_at, "2026-11-20T09:30:00+00:00");
    assert_eq!(i.ended_at, None);
    assert_eq!(i.checklist.len(), 2);
    assert_eq!(i.checklist[1].result, CheckResult::Pending);
    assert_eq!(i.status, Status::InProgress);
    assert!(view.conflicts.is_empty());

    let item = i.checklist[1].id.clone();
    doc.apply(&Edit::SetChecklistResult { item_id: item, result: CheckResult::Fail }, t(1)).unwrap();
    doc.apply(&Edit::SetFindings("冷柜温度 9℃，超标。".into()), t(2)).unwrap();
    doc.apply(&Edit::SetResult("责令改正".into()), t(3)).unwrap();
    doc.apply(&Edit::SetEndedAt(t(4)), t(4)).unwrap();
    let reloaded = InspectionDoc::load(&doc.save(), actor(1)).unwrap().read().unwrap().inspection;
    assert_eq!(reloaded.checklist[1].result, CheckResult::Fail);
    assert_eq!(reloaded.findings, "冷柜温度 9℃，超标。");
    assert_eq!(reloaded.result, "责令改正");
    assert_eq!(reloaded.ended_at.as_deref(), Some("2026-11-20T10:04:00+00:00"));
}

#[test]
fn an_edit_that_changes_nothing_makes_no_change() {
    let mut doc = InspectionDoc::create("case-1", &new_inspection(), actor(1)).unwrap();
    assert!(doc.apply(&Edit::SetResult("合格".into()), t(1)).unwrap().is_some());
    assert!(doc.apply(&Edit::SetResult("合格".into()), t(2)).unwrap().is_none());
    let party = doc.read().unwrap().inspection.party;
    assert!(doc.apply(&Edit::SetParty(party), t(3)).unwrap().is_none());
}

/// Merging two documents with the real automerge sync protocol, as the terminal and server do.
fn sync_pair(a: &mut InspectionDoc, b: &mut InspectionDoc) {
    let (mut sa, mut sb) = (seed_state(vec![]), seed_state(vec![]));
    for _ in 0..10 {
        let ab = a.automerge().sync().generate_sync_message(&mut sa);
        if let Some(m) = ab.clone() {
            b.automerge().sync().receive_sync_message(&mut sb, m).unwrap();
        }
        let ba = b.automerge().sync().generate_sync_message(&mut sb);
        if let Some(m) = ba.clone() {
            a.automerge().sync().receive_sync_message(&mut sa, m).unwrap();
        }
        if ab.is_none() && ba.is_none() {
            return;
        }
    }
    panic!("sync did not finish in 10 rounds");
}

/// SYNC-2: concurrent edits of different fields merge; the same field is shown as a conflict with both values;
/// an ordinary edit resolves it.
#[test]
fn sync_2_concurrent_result_is_a_conflict_and_an_edit_resolves_it() {
    let mut a = InspectionDoc::create("case-1", &new_inspection(), actor(1)).unwrap();
    let mut b = InspectionDoc::load(&a.save(), actor(2)).unwrap();
    let item = a.read().unwrap().inspection.checklist[0].id.clone();

    a.apply(&Edit::SetFindings("现场发现过期食品两件。".into()), t(1)).unwrap();
    a.apply(&Edit::SetResult("责令改正".into()), t(2)).unwrap();
    b.apply(&Edit::SetChecklistResult { item_id: item, result: CheckResult::Pass }, t(1)).unwrap();
    b.apply(&Edit::SetResult("合格".into()), t(2)).unwrap();
    sync_pair(&mut a, &mut b);

    assert_eq!(a.heads(), b.heads());
    let (va, vb) = (a.read().unwrap(), b.read().unwrap());
    assert_eq!(va, vb);
    assert_eq!(va.inspection.findings, "现场发现过期食品两件。");
    assert_eq!(va.inspection.checklist[0].result, CheckResult::Pass);
    assert_eq!(va.conflicts.len(), 1, "{:?}", va.conflicts);
    assert_eq!(va.conflicts[0].field, "result");
    let mut values: Vec<String> = va.conflicts[0].values.iter().map(|v| v.value.clone()).collect();
    values.sort();
    assert_eq!(values, vec!["合格".to_string(), "责令改正".to_string()]);

    a.apply(&Edit::SetResult("责令改正".into()), t(5)).unwrap();
    sync_pair(&mut a, &mut b);
    let vb = b.read().unwrap();
    assert!(vb.conflicts.is_empty());
    assert_eq!(vb.inspection.result, "责令改正");
}

#[test]
fn concurrent_findings_edits_keep_both_texts() {
    let mut a = InspectionDoc::create("case-1", &new_inspection(), actor(1)).unwrap();
    a.apply(&Edit::SetFindings("第一段。".into()), t(1)).unwrap();
    let mut b = InspectionDoc::load(&a.save(), actor(2)).unwrap();
    a.apply(&Edit::SetFindings("第一段。甲补充。".into()), t(2)).unwrap();
    b.apply(&Edit::SetFindings("乙补充。第一段。".into()), t(2)).unwrap();
    sync_pair(&mut a, &mut b);
    let findings = a.read().unwrap().inspection.findings;
    assert_eq!(findings, b.read().unwrap().inspection.findings);
    assert!(findings.contains("甲补充") && findings.contains("乙补充") && findings.contains("第一段"), "{findings}");
}

#[test]
fn checklist_items_added_offline_on_two_devices_do_not_collide() {
    let mut a = InspectionDoc::create("case-1", &new_inspection(), actor(1)).unwrap();
    let mut b = InspectionDoc::load(&a.save(), actor(2)).unwrap();
    a.apply(&Edit::AddChecklistItem { label: "消防通道".into() }, t(1)).unwrap();
    b.apply(&Edit::AddChecklistItem { label: "从业人员健康证".into() }, t(1)).unwrap();
    sync_pair(&mut a, &mut b);
    let list = a.read().unwrap().inspection.checklist;
    assert_eq!(list.len(), 4);
    let mut ids: Vec<_> = list.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
}

#[test]
fn bad_edits_are_refused_and_change_nothing() {
    let mut doc = InspectionDoc::create("case-1", &new_inspection(), actor(1)).unwrap();
    let before = doc.heads();
    let missing = Edit::SetChecklistResult { item_id: "nope".into(), result: CheckResult::Pass };
    assert!(matches!(doc.apply(&missing, t(1)), Err(Error::NotFound(m)) if m.contains("nope")));
    let nan = Edit::SetLocation(Location { latitude: Some(f64::NAN), ..Location::default() });
    assert!(matches!(doc.apply(&nan, t(1)), Err(Error::Invalid(m)) if m.contains("latitude")));
    assert!(doc.apply(&Edit::AddChecklistItem { label: " ".into() }, t(1)).is_err());
    assert!(doc.apply(&Edit::SetItem { code: "x".into(), name: "".into() }, t(1)).is_err());
    assert!(doc.apply(&Edit::AddLegalBasis(LegalBasis::default()), t(1)).is_err());
    assert_eq!(doc.heads(), before);
    assert!("closed".parse::<Status>().unwrap_err().to_string().contains("in_progress"));
}

#[test]
fn documents_that_are_not_inspections_are_refused() {
    assert!(matches!(InspectionDoc::load(b"not automerge", actor(1)), Err(Error::Automerge(_))));
    let mut other = automerge::AutoCommit::new();
    use automerge::transaction::Transactable;
    other.put(automerge::ROOT, "title", "a shopping list").unwrap();
    assert!(matches!(InspectionDoc::load(&other.save(), actor(1)), Err(Error::Malformed(_))));
    let mut future = automerge::AutoCommit::new();
    future.put(automerge::ROOT, "schema", 99u64).unwrap();
    let err = InspectionDoc::load(&future.save(), actor(1)).unwrap_err();
    assert!(matches!(err, Error::UnsupportedSchema { found: 99, supported: 1 }), "{err}");
    assert_eq!(err.code(), "schema_unsupported");
}

#[test]
fn heads_encode_and_decode() {
    let mut doc = InspectionDoc::create("case-1", &new_inspection(), actor(1)).unwrap();
    let heads = doc.heads();
    assert_eq!(decode_heads(&encode_heads(&heads)).unwrap(), heads);
    assert!(decode_heads(&[0u8; 31]).is_err());
}

/// SEC-3: a document that does not read completely as the inspection it was sent as is handed back untouched,
/// with the reason, so a terminal can keep its bytes aside; a readable one is accepted.
#[test]
fn sec_3_an_unreadable_document_is_handed_back_with_the_reason() {
    use automerge::transaction::Transactable;
    let id = "6f1d2c3b-4a59-4e68-9d7c-0b1a2c3d4e5f";
    let mut doc = InspectionDoc::create(id, &new_inspection(), actor(1)).unwrap();
    let mut raw = doc.automerge().clone();
    assert!(InspectionDoc::readable(raw.clone(), id).is_ok());

    let wrong = InspectionDoc::readable(raw.clone(), "00000000-0000-4000-8000-000000000000").err().unwrap();
    assert!(wrong.error.to_string().contains(id), "{}", wrong.error);

    raw.delete(automerge::ROOT, "item").unwrap();
    raw.commit();
    let heads = raw.get_heads();
    let mut back = InspectionDoc::readable(raw, id).err().unwrap();
    assert!(back.error.to_string().contains("'item' is missing or not an object"), "{}", back.error);
    assert_eq!(back.doc.get_heads(), heads, "the document comes back as it was");
}
