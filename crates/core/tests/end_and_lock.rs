//! Ending and locking as one act (REC-4, CERT-4, CERT-5): a refused lock leaves the document exactly as it was
//! (same heads, not ended, the officer's unsaved edit not applied either); a good one ends and locks it, the lock
//! signing the heads after the end, and the server's rule for arriving changes accepts both changes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::ActorId;
use chrono::{TimeZone, Utc};
use fieldtrail_core::end_and_lock::{LockRefused, check_end_and_lock, end_and_lock};
use fieldtrail_core::identity::*;
use fieldtrail_core::lock_rule::check_arrivals;
use fieldtrail_core::*;
use ring::signature::Ed25519KeyPair;

mod common;
use common::*;

fn officer(authority: &Ed25519KeyPair, number: &'static str, region: &str) -> Officer {
    certify(authority, number, &format!("执法员{number}"), "食品安全", region)
}

fn trust_of(authority: &Ed25519KeyPair) -> Trust {
    let authorities =
        TrustList::new(vec![Authority { name: "司法厅".into(), public_key: public_key_of(authority) }]);
    Trust { authorities, revocations: None, now: Utc::now().timestamp() + 60 }
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
        started_at: Utc::now(),
        checklist: vec![],
        position: Default::default(),
    };
    let mut doc =
        InspectionDoc::create("6f1c1f3e-1111-4a43-9b43-2a4f1a6f8c11", &new, ActorId::from([1; 16].as_slice())).unwrap();
    doc.apply(&Edit::SetScope { category: "食品安全".into(), region: "150802".into() }, Utc::now()).unwrap();
    doc
}

/// The whole document as bytes: what "exactly as it was" means.
fn bytes(doc: &mut InspectionDoc) -> Vec<u8> {
    doc.save()
}

/// CERT-4: with one officer presented the lock is refused before anything is written: the heads, the bytes,
/// the end time and the officer's unsaved result are all as they were.
#[test]
fn cert_4_one_officer_presented_leaves_the_inspection_as_it_was() {
    let authority = keypair();
    let zhang = officer(&authority, "15080001", "1508");
    let trust = trust_of(&authority);
    let mut doc = case();
    present(&mut doc, &zhang);
    let (heads, saved) = (doc.heads(), bytes(&mut doc));

    let pending = [Edit::SetResult("不合格".into())];
    let err = end_and_lock(&mut doc, &pending, zhang.number, &trust, Utc::now(), zhang.sign()).unwrap_err();

    assert_eq!(err.code(), "not_enough_officers", "{err}");
    assert_eq!(doc.heads(), heads, "no change was made");
    assert_eq!(bytes(&mut doc), saved);
    let inspection = doc.read().unwrap().inspection;
    assert_eq!(inspection.ended_at, None, "a refused lock does not end the inspection");
    assert_eq!(inspection.status, Status::InProgress);
    assert_eq!(inspection.result, "", "the unsaved edit went nowhere either");
}

/// CERT-4, CERT-5: an officer who did not present, or whose certificate does not cover the region, cannot lock
/// even when two others did; nothing is written.
#[test]
fn cert_5_a_locking_officer_who_does_not_count_is_refused() {
    let authority = keypair();
    let zhang = officer(&authority, "15080001", "1508");
    let li = officer(&authority, "15080002", "1508");
    let wang = officer(&authority, "15080003", "1508");
    let zhao = officer(&authority, "15080004", "1501"); // another city: out of this inspection's region
    let trust = trust_of(&authority);
    let mut doc = case();
    present(&mut doc, &zhang);
    present(&mut doc, &li);
    let heads = doc.heads();

    let err = end_and_lock(&mut doc, &[], wang.number, &trust, Utc::now(), wang.sign()).unwrap_err();
    assert!(matches!(err, LockRefused::NotCounted(ref n) if n == "15080003"), "{err}");
    assert_eq!(err.code(), "lock_officer_not_counted");
    present(&mut doc, &zhao);
    let heads_with_zhao = doc.heads();
    let err = end_and_lock(&mut doc, &[], zhao.number, &trust, Utc::now(), zhao.sign()).unwrap_err();
    assert_eq!(err.code(), "lock_officer_not_counted", "{err}");
    assert_ne!(heads, heads_with_zhao);
    assert_eq!(doc.heads(), heads_with_zhao, "nothing written by either refusal");
    assert_eq!(doc.read().unwrap().inspection.ended_at, None);
}

/// REC-4: a signature made with another key is refused by the lock record's own check; nothing is written.
#[test]
fn rec_4_a_lock_signed_with_another_key_is_refused() {
    let authority = keypair();
    let zhang = officer(&authority, "15080001", "1508");
    let li = officer(&authority, "15080002", "1508");
    let trust = trust_of(&authority);
    let mut doc = case();
    present(&mut doc, &zhang);
    present(&mut doc, &li);
    let heads = doc.heads();
    let err = end_and_lock(&mut doc, &[], zhang.number, &trust, Utc::now(), li.sign()).unwrap_err();
    assert!(matches!(err, LockRefused::Record(_)), "{err}");
    assert_eq!(doc.heads(), heads);
}

/// REC-4: a good lock applies the unsaved edit, ends the inspection at the lock's time and locks it, the lock
/// signing the heads after the end; the server's rule for arriving changes accepts every change made. A second
/// lock is refused as already locked.
#[test]
fn rec_4_ends_and_locks_together() {
    let authority = keypair();
    let zhang = officer(&authority, "15080001", "1508");
    let li = officer(&authority, "15080002", "1508");
    let trust = trust_of(&authority);
    let mut doc = case();
    present(&mut doc, &zhang);
    present(&mut doc, &li);
    let before = doc.heads();
    let at = Utc.with_ymd_and_hms(2026, 11, 29, 10, 30, 0).unwrap();

    let made = end_and_lock(&mut doc, &[Edit::SetResult("合格".into())], li.number, &trust, at, li.sign()).unwrap();

    assert_eq!(made.len(), 3, "the result, the end, the lock");
    assert_eq!(doc.heads(), vec![made[2]]);
    let inspection = doc.read().unwrap().inspection;
    assert_eq!(inspection.status, Status::Locked);
    assert_eq!(inspection.result, "合格");
    assert_eq!(inspection.ended_at.as_deref().map(|t| t.starts_with("2026-11-29T10:30:00")), Some(true));
    let lock = inspection.lock.unwrap();
    assert_eq!(lock.by, "15080002");
    assert_eq!(lock.heads, vec![made[1].to_string()], "the lock covers the end");
    assert!(verify_lock(&inspection.id, &lock, &li.cert.body().holder_key));
    let new = doc.automerge().get_changes(&before);
    check_arrivals(doc.automerge(), &new, || trust.clone()).unwrap();

    let again = end_and_lock(&mut doc, &[], zhang.number, &trust, Utc::now(), zhang.sign()).unwrap_err();
    assert_eq!(again.code(), "locked");
    assert_eq!(check_end_and_lock(&doc.read().unwrap().inspection, zhang.number, &trust).unwrap_err().code(), "locked");
}

/// An inspection already ended keeps its end time: the lock does not move it.
#[test]
fn an_inspection_already_ended_keeps_its_end() {
    let authority = keypair();
    let zhang = officer(&authority, "15080001", "1508");
    let li = officer(&authority, "15080002", "1508");
    let trust = trust_of(&authority);
    let mut doc = case();
    let ended = Utc.with_ymd_and_hms(2026, 11, 29, 9, 0, 0).unwrap();
    doc.apply(&Edit::SetEndedAt(ended), ended).unwrap();
    present(&mut doc, &zhang);
    present(&mut doc, &li);
    let made = end_and_lock(&mut doc, &[], zhang.number, &trust, Utc::now(), zhang.sign()).unwrap();
    assert_eq!(made.len(), 1, "only the lock");
    let ended_at = doc.read().unwrap().inspection.ended_at.unwrap();
    assert!(ended_at.starts_with("2026-11-29T09:00:00"), "{ended_at}");
}
