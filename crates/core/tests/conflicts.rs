//! SYNC-2: a real conflict is shown, not dropped. Each conflicting value names who wrote it, read from the
//! change that holds it (device, device time, and the officer only when that change's signature verifies);
//! resolving is one ordinary edit; a save of another field leaves the conflict in place.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, ObjType, ROOT, ReadDoc};
use chrono::{DateTime, TimeZone, Utc};
use fieldtrail_core::*;
use ring::signature::Ed25519KeyPair;

mod common;
use common::*;

/// A terminal's session actor: the device's UUID bytes, then eight more (the terminal's `store::session_actor`).
fn session(device: u8, session: u8) -> ActorId {
    ActorId::from([[device; 16].as_slice(), [session; 8].as_slice()].concat())
}

fn device(n: u8) -> String {
    device_of(&ActorId::from([n; 16].as_slice()))
}

fn t(min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, min, 0).unwrap()
}

fn case() -> InspectionDoc {
    let new = NewInspection {
        agency: "巴彦淖尔市市场监督管理局".into(),
        kind: Kind::Inspection,
        item_code: "SC-0101".into(),
        item_name: "食品经营许可事项检查".into(),
        legal_basis: vec![],
        party: Party { name: "临河区某超市".into(), ..Party::default() },
        location: Location::default(),
        officers: vec![],
        started_at: Utc::now() - chrono::Duration::hours(1),
        checklist: vec!["证照是否齐全".into()],
        position: Position::default(),
    };
    let mut doc = InspectionDoc::create("6f1c1f3e-1111-4a43-9b43-2a4f1a6f8c11", &new, session(1, 0)).unwrap();
    doc.apply(&Edit::SetScope { category: "食品安全".into(), region: "150802".into() }, t(0)).unwrap();
    doc
}

/// The same case opened on another terminal (`device`), from `doc`'s current state.
fn other(doc: &mut InspectionDoc, device: u8) -> InspectionDoc {
    InspectionDoc::from_automerge(doc.automerge().fork().with_actor(session(device, 1))).unwrap()
}

fn merge(into: &mut InspectionDoc, from: &mut InspectionDoc) {
    into.automerge().merge(from.automerge()).unwrap();
}

fn result_conflict(doc: &InspectionDoc) -> Conflict {
    let view = doc.read().unwrap();
    let found: Vec<&Conflict> = view.conflicts.iter().filter(|c| c.field == "result").collect();
    assert_eq!(found.len(), 1, "{:?}", view.conflicts);
    found[0].clone()
}

fn value<'c>(conflict: &'c Conflict, value: &str) -> &'c ConflictValue {
    conflict.values.iter().find(|v| v.value == value).unwrap_or_else(|| panic!("no value {value}: {conflict:?}"))
}

/// SYNC-2: two terminals set the result offline; after the merge both values are shown, each with the device
/// and device time of the change that wrote it. A plain edit is signed by no officer, so none is named.
#[test]
fn sync_2_each_value_names_the_device_and_time_that_wrote_it() {
    let mut a = case();
    let mut b = other(&mut a, 2);
    a.apply(&Edit::SetResult("责令改正".into()), t(2)).unwrap();
    b.apply(&Edit::SetResult("合格".into()), t(3)).unwrap();
    merge(&mut a, &mut b);

    let conflict = result_conflict(&a);
    assert_eq!(conflict.values.len(), 2);
    let (ours, theirs) = (value(&conflict, "责令改正"), value(&conflict, "合格"));
    assert_eq!(ours.device, device(1));
    assert_eq!(theirs.device, device(2));
    assert_eq!(ours.device_time, t(2).to_rfc3339());
    assert_eq!(theirs.device_time, t(3).to_rfc3339());
    assert_eq!((ours.officer.clone(), theirs.officer.clone()), (None, None));
    // The change named is the one in the history that set that value.
    let timeline = a.timeline();
    let step = timeline.iter().find(|s| s.hash == theirs.change).unwrap();
    assert_eq!(step.what, "set result");
    assert!(step.changes.iter().any(|c| c.contains("合格")), "{step:?}");
    // Every terminal reads the same thing.
    merge(&mut b, &mut a);
    assert_eq!(b.read().unwrap().conflicts, a.read().unwrap().conflicts);
}

/// SYNC-2: a save of the findings writes the findings only; the result conflict made elsewhere survives it,
/// and a save that changes nothing writes nothing.
#[test]
fn sync_2_a_save_of_findings_leaves_the_result_conflict_in_place() {
    let mut a = case();
    let mut b = other(&mut a, 2);
    a.apply(&Edit::SetResult("责令改正".into()), t(2)).unwrap();
    b.apply(&Edit::SetResult("合格".into()), t(3)).unwrap();
    merge(&mut a, &mut b);
    let before = result_conflict(&a);

    assert!(a.apply(&Edit::SetFindings("冷柜温度 9℃，超过标准。".into()), t(5)).unwrap().is_some());
    assert_eq!(a.read().unwrap().inspection.findings, "冷柜温度 9℃，超过标准。");
    assert_eq!(result_conflict(&a), before, "saving the findings kept both results, as they were");
    assert_eq!(a.apply(&Edit::SetFindings("冷柜温度 9℃，超过标准。".into()), t(6)).unwrap(), None);
    // Saved and loaded again, as the terminal stores it.
    let reloaded = InspectionDoc::load(&a.save(), session(1, 2)).unwrap();
    assert_eq!(result_conflict(&reloaded), before);
}

/// SYNC-2: picking a value is one ordinary edit of that field: the conflict is gone everywhere it reaches,
/// and the history shows it as a `set result`.
#[test]
fn sync_2_resolving_is_one_edit_on_the_timeline() {
    let mut a = case();
    let mut b = other(&mut a, 2);
    a.apply(&Edit::SetResult("责令改正".into()), t(2)).unwrap();
    b.apply(&Edit::SetResult("合格".into()), t(3)).unwrap();
    merge(&mut a, &mut b);
    let inspection = a.read().unwrap().inspection;
    // The winner automerge shows is picked: still written, since the field holds two values.
    let winner = inspection.result.clone();
    let edit = Edit::resolving(&inspection, "result", &winner).unwrap();
    assert_eq!(edit, Edit::SetResult(winner.clone()));
    let change = a.apply(&edit, t(7)).unwrap().expect("picking a value writes it once");
    assert!(a.read().unwrap().conflicts.is_empty());
    merge(&mut b, &mut a);
    let view = b.read().unwrap();
    assert!(view.conflicts.is_empty());
    assert_eq!(view.inspection.result, winner);
    let last = a.timeline().into_iter().find(|s| s.hash == change.to_string()).unwrap();
    assert_eq!(last.what, "set result");
}

/// SYNC-2: every field a conflict can name maps to the ordinary edit of that field; anything else is refused
/// with a clear error and the case is left as it was.
#[test]
fn sync_2_resolving_an_unknown_field_or_a_bad_value_is_refused() {
    let mut a = case();
    let inspection = a.read().unwrap().inspection;
    let item = inspection.checklist[0].id.clone();
    let party = Edit::resolving(&inspection, "party.phone", "0478-1234567").unwrap();
    assert_eq!(party, Edit::SetParty(Party { phone: "0478-1234567".into(), ..inspection.party.clone() }));
    let check = Edit::resolving(&inspection, &format!("checklist[{item}].result"), "fail").unwrap();
    assert_eq!(check, Edit::SetChecklistResult { item_id: item.clone(), result: CheckResult::Fail });

    let heads = a.heads();
    for (field, value, expected) in [
        ("lock.by", "15080001", "not set by an officer's edit"),
        ("status", "locked", "not set by an officer's edit"),
        ("party.nickname", "x", "not set by an officer's edit"),
        ("checklist[nope].result", "pass", "no checklist item"),
        (&format!("checklist[{item}].result") as &str, "maybe", "not a valid checkresult"),
        ("kind", "raid", "not a valid kind"),
        ("ended_at", "yesterday", "not an RFC 3339 time"),
    ] {
        let error = Edit::resolving(&inspection, field, value).unwrap_err().to_string();
        assert!(error.contains(expected), "{field}: {error}");
    }
    assert_eq!(a.heads(), heads);
}

fn officer(authority: &Ed25519KeyPair, number: &'static str, name: &str) -> Officer {
    certify(authority, number, name, "食品安全", "1508")
}

fn amend_result(doc: &mut InspectionDoc, o: &Officer, result: &str) {
    let at = Utc::now();
    let edit = Edit::SetResult(result.into());
    let message = doc.amendment_message(&edit, "复核发现问题", o.number, at).unwrap();
    let signature = hex::encode(o.key.sign(&message).as_ref());
    doc.apply(&Edit::Amend { edit: Box::new(edit), reason: "复核发现问题".into(), by: o.number.into(), signature }, at)
        .unwrap();
}

/// SYNC-2: two officers amend the locked result concurrently on two terminals; each value names the officer
/// whose signature on that amendment verifies with the certificate they presented, by the certificate's name.
/// An amendment that only says who made it, signed by someone else, names no officer.
#[test]
fn sync_2_concurrent_amendments_name_the_officer_who_signed_each() {
    let authority = keypair();
    let zhang = officer(&authority, "15080001", "张三");
    let li = officer(&authority, "15080002", "李四");
    let mut a = case();
    a.apply(&Edit::SetResult("合格".into()), t(1)).unwrap();
    present_as(&mut a, &zhang, "张三");
    present_as(&mut a, &li, "王五 (a label, not the certificate)");
    lock(&mut a, &zhang);
    let mut b = other(&mut a, 2);
    let mut forger = other(&mut a, 3);
    amend_result(&mut a, &zhang, "责令改正");
    amend_result(&mut b, &li, "警告");
    // The forger writes an amendment in 李四's name, signed with 张三's key, with automerge directly.
    let id = forger.id().unwrap();
    let heads = sorted_heads(&mut forger);
    let mut forged = Amendment {
        what: "set result".into(),
        before: serde_json::json!({ "result": "合格" }).to_string(),
        after: serde_json::json!({ "result": "罚款" }).to_string(),
        reason: "复核".into(),
        by: li.number.into(),
        at: Utc::now().to_rfc3339(),
        signature: String::new(),
    };
    forged.signature = hex::encode(zhang.key.sign(&amendment_message(&id, &forged, &heads)).as_ref());
    let d = forger.automerge();
    d.put(ROOT, "result", "罚款").unwrap();
    let (_, list) = d.get(ROOT, "amendments").unwrap().unwrap();
    let entry = d.insert_object(&list, d.length(&list), ObjType::Map).unwrap();
    for (k, v) in [
        ("what", &forged.what),
        ("before", &forged.before),
        ("after", &forged.after),
        ("reason", &forged.reason),
        ("by", &forged.by),
        ("at", &forged.at),
        ("signature", &forged.signature),
    ] {
        d.put(&entry, k, v.as_str()).unwrap();
    }
    d.commit_with(CommitOptions::default().with_message("amend".to_owned()));
    merge(&mut a, &mut b);
    merge(&mut a, &mut forger);

    let conflict = result_conflict(&a);
    assert_eq!(conflict.values.len(), 3, "{conflict:?}");
    let named = |v: &str| value(&conflict, v).officer.clone().map(|o| (o.certificate_number, o.name));
    assert_eq!(named("责令改正"), Some(("15080001".into(), "张三".into())));
    assert_eq!(named("警告"), Some(("15080002".into(), "李四".into())), "the certificate's name, not the label");
    assert_eq!(named("罚款"), None, "a signature that does not verify names nobody");
    assert_eq!(value(&conflict, "罚款").device, device(3));
}
