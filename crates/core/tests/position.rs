//! Where (REC-1, REC-2): the inspection's start position and each evidence item's position in the document,
//! documents from before positions, and positions that do not read.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::transaction::Transactable;
use automerge::{ActorId, ObjType, ROOT, ReadDoc};
use chrono::{TimeZone, Utc};
use fieldtrail_core::*;

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16].as_slice())
}

fn fix() -> Position {
    let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 29, 58).unwrap();
    Position::Fix(Fix::new(40.7574, 107.394, 12.0, at, PositionSource::Device).unwrap())
}

fn new_inspection(position: Position) -> NewInspection {
    NewInspection {
        agency: "巴彦淖尔市市场监督管理局".into(),
        kind: Kind::Inspection,
        item_code: "SC-0101".into(),
        item_name: "食品经营许可事项检查".into(),
        legal_basis: vec![],
        party: Party::default(),
        location: Location::default(),
        officers: vec![],
        started_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap(),
        position,
        checklist: vec![],
    }
}

fn evidence(sha_byte: &str, position: Option<Position>) -> Evidence {
    Evidence {
        sha256: sha_byte.repeat(32),
        size: 10,
        media_type: "image/jpeg".into(),
        kind: MediaKind::Photo,
        captured_at: "2026-11-20T09:31:00.000Z".into(),
        device_id: "dev".into(),
        officer: None,
        original_name: "a.jpg".into(),
        exif_time: None,
        latitude: None,
        longitude: None,
        position,
        orientation: None,
        duration_ms: None,
        width: None,
        height: None,
        device_public_key: String::new(),
        device_signature: "00".into(),
        officer_signature: None,
    }
}

/// REC-1: the start position (a fix with accuracy, time and source, or an absence with its reason) is written
/// when the inspection is created and read back after a save and load on another device.
#[test]
fn rec1_start_position_round_trips_through_the_document() {
    let cases = [fix()].into_iter().chain(AbsenceReason::ALL.iter().map(|r| Position::absent(*r))).collect::<Vec<_>>();
    for position in cases {
        let mut doc = InspectionDoc::create("case-1", &new_inspection(position.clone()), actor(1)).unwrap();
        let loaded = InspectionDoc::load(&doc.save(), actor(2)).unwrap();
        let view = loaded.check_complete("case-1").unwrap();
        assert_eq!(view.inspection.position, Some(position));
        assert!(view.conflicts.is_empty());
    }
}

/// REC-2: each evidence item keeps its own position, fix or absence, through the document.
#[test]
fn rec2_evidence_positions_round_trip_through_the_document() {
    let mut doc = InspectionDoc::create("case-1", &new_inspection(fix()), actor(1)).unwrap();
    let at = Utc::now();
    let items = [
        evidence("ab", Some(fix())),
        evidence("cd", Some(Position::absent(AbsenceReason::PermissionRefused))),
        evidence("ef", None),
    ];
    for e in &items {
        doc.apply(&Edit::AddEvidence(Box::new(e.clone())), at).unwrap();
    }
    let loaded = InspectionDoc::load(&doc.save(), actor(2)).unwrap();
    assert_eq!(loaded.evidence().unwrap(), items.to_vec());
}

/// REC-1: a document written before positions existed (no `position` key, at the top or in evidence) still
/// reads completely; its position reads as `None`, never as an invented absence.
#[test]
fn rec1_documents_from_before_positions_still_read() {
    let mut doc = InspectionDoc::create("case-1", &new_inspection(fix()), actor(1)).unwrap();
    doc.apply(&Edit::AddEvidence(Box::new(evidence("ab", Some(fix())))), Utc::now()).unwrap();
    // The layout of the previous build: the same document without the position keys.
    let am = doc.automerge();
    am.delete(ROOT, "position").unwrap();
    let (_, list) = am.get(ROOT, "evidence").unwrap().unwrap();
    let (_, item) = am.get(&list, 0).unwrap().unwrap();
    am.delete(&item, "position").unwrap();
    let loaded = InspectionDoc::load(&doc.save(), actor(2)).unwrap();
    let view = loaded.check_complete("case-1").unwrap();
    assert_eq!(view.inspection.position, None);
    assert_eq!(loaded.evidence().unwrap()[0].position, None);
}

/// SEC-3: a position this build cannot read (an unknown state or reason, a fix off the Earth) makes the
/// document unreadable with a reason naming the field, instead of being read as something it is not.
#[test]
fn rec1_a_malformed_position_is_refused_with_its_field() {
    type Spoil = dyn Fn(&mut automerge::AutoCommit, &automerge::ObjId);
    let bad: [(&str, &Spoil); 3] = [
        ("state", &|d, o| d.put(o, "state", "lost").unwrap()),
        ("reason", &|d, o| {
            d.put(o, "state", "absent").unwrap();
            d.put(o, "reason", "forgot").unwrap();
        }),
        ("latitude", &|d, o| d.put(o, "latitude", 123.0).unwrap()),
    ];
    for (what, spoil) in bad {
        let mut doc = InspectionDoc::create("case-1", &new_inspection(fix()), actor(1)).unwrap();
        let am = doc.automerge();
        let obj = am.put_object(ROOT, "position", ObjType::Map).unwrap();
        for (k, v) in [("state", "fix"), ("at", "2026-11-20T09:29:58.000Z"), ("source", "device")] {
            am.put(&obj, k, v).unwrap();
        }
        for k in ["latitude", "longitude", "accuracy_m"] {
            am.put(&obj, k, 10.0).unwrap();
        }
        spoil(am, &obj);
        let saved = doc.save();
        let loaded = InspectionDoc::load(&saved, actor(2)).unwrap();
        let err = loaded.check_complete("case-1").unwrap_err();
        assert!(matches!(err, Error::Malformed(_)), "{what}: {err}");
        assert!(err.to_string().contains("position"), "{what}: {err}");
    }
}

/// REC-1: a fix that cannot be on Earth is refused when the inspection is opened; nothing is created.
#[test]
fn rec1_an_impossible_start_position_is_refused() {
    let Position::Fix(f) = fix() else { unreachable!() };
    let bad = Position::Fix(Fix { longitude: 200.0, ..f });
    assert!(matches!(InspectionDoc::create("case-1", &new_inspection(bad), actor(1)), Err(Error::Invalid(_))));
}
