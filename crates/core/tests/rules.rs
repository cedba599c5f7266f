//! Core's rules for arriving changes (SEC-2, REC-4, CERT-4, CERT-5): a change is classified by the keys its
//! operations touch, never by its message; a lock needs two trusted, unrevoked officers in scope; after a lock
//! only a signed amendment that records exactly what it changes goes in.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ChangeHash, ObjType, ROOT, ReadDoc};
use chrono::Utc;
use fieldtrail_core::change_class::{ChangeClass, Territory, classify};
use fieldtrail_core::identity::*;
use fieldtrail_core::lock_rule::{LockViolation, check_arrivals, lock_officers};
use fieldtrail_core::*;
use ring::signature::Ed25519KeyPair;

mod common;
use common::*;

fn officer(authority: &Ed25519KeyPair, number: &'static str, category: &str) -> Officer {
    certify(authority, number, &format!("执法员{number}"), category, "1508")
}

struct World {
    authority: Ed25519KeyPair,
    zhang: Officer,
    li: Officer,
    wang: Officer,
}

fn world() -> World {
    let authority = keypair();
    let zhang = officer(&authority, "15080001", "食品安全");
    let li = officer(&authority, "15080002", "食品安全");
    let wang = officer(&authority, "15080003", "食品安全");
    World { authority, zhang, li, wang }
}

fn trust_of(authority: &Ed25519KeyPair, revocations: Option<RevocationList>) -> Trust {
    let authorities =
        TrustList::new(vec![Authority { name: "司法厅".into(), public_key: public_key_of(authority) }]);
    Trust { authorities, revocations, now: Utc::now().timestamp() + 60 }
}

fn case(actor: u8) -> InspectionDoc {
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
        position: fieldtrail_core::Position::default(),
        checklist: vec!["证照是否齐全".into()],
    };
    let mut doc =
        InspectionDoc::create("6f1c1f3e-1111-4a43-9b43-2a4f1a6f8c11", &new, ActorId::from([actor; 16].as_slice()))
            .unwrap();
    doc.apply(&Edit::SetScope { category: "食品安全".into(), region: "150802".into() }, Utc::now()).unwrap();
    doc.apply(&Edit::SetResult("合格".into()), Utc::now()).unwrap();
    doc
}

fn amend(doc: &mut InspectionDoc, o: &Officer, edit: Edit) {
    let at = Utc::now();
    let message = doc.amendment_message(&edit, "复核发现问题", o.number, at).unwrap();
    let signature = hex::encode(o.key.sign(&message).as_ref());
    let amend =
        Edit::Amend { edit: Box::new(edit), reason: "复核发现问题".into(), by: o.number.into(), signature };
    doc.apply(&amend, at).unwrap();
}

/// Two officers presented and 张三 locked.
fn locked(w: &World) -> InspectionDoc {
    let mut doc = case(1);
    present(&mut doc, &w.zhang);
    present(&mut doc, &w.li);
    lock(&mut doc, &w.zhang);
    doc
}

/// Runs `change` on the document with automerge directly, as a terminal that skips core's checks would, and
/// returns the heads before it.
fn raw(doc: &mut InspectionDoc, message: Option<&str>, change: impl FnOnce(&mut AutoCommit)) -> Vec<ChangeHash> {
    let raw = doc.automerge();
    let before = raw.get_heads();
    change(raw);
    let mut options = CommitOptions::default();
    if let Some(m) = message {
        options = options.with_message(m.to_owned());
    }
    raw.commit_with(options);
    before
}

fn arrivals(doc: &mut InspectionDoc, before: &[ChangeHash], trust: &Trust) -> Result<(), LockViolation> {
    let new = doc.automerge().get_changes(before);
    check_arrivals(doc.automerge(), &new, || trust.clone())
}

fn class_of_last(doc: &mut InspectionDoc, before: &[ChangeHash]) -> ChangeClass {
    let raw = doc.automerge();
    let territory = Territory::of(raw);
    let new = raw.get_changes(before);
    classify(new.last().unwrap(), &territory)
}

/// SEC-2: the message decides nothing. A plain edit labelled "amend" is a plain edit, refused after the lock
/// (409 `locked` on the server); so is one with no message at all.
#[test]
fn sec_2_a_change_is_classified_by_its_operations_not_its_message() {
    let w = world();
    let trust = trust_of(&w.authority, None);
    let mut open = case(1);
    let before = raw(&mut open, Some("amend"), |d| d.put(ROOT, "result", "不合格").unwrap());
    assert_eq!(class_of_last(&mut open, &before), ChangeClass::Plain);
    assert_eq!(arrivals(&mut open, &before, &trust), Ok(()), "before a lock a plain edit goes in");

    let mut doc = locked(&w);
    for message in [Some("amend"), None, Some("lock")] {
        let mut attempt = doc.clone();
        let before = raw(&mut attempt, message, |d| d.put(ROOT, "result", "不合格").unwrap());
        assert_eq!(class_of_last(&mut attempt, &before), ChangeClass::Plain, "{message:?}");
        let refused = arrivals(&mut attempt, &before, &trust).unwrap_err();
        assert_eq!(refused.code(), "locked", "{message:?}: {refused}");
    }
    // And the honest amendment, whatever its message would have been, is an amendment.
    let before = doc.heads();
    amend(&mut doc, &w.li, Edit::SetResult("责令改正".into()));
    assert!(matches!(class_of_last(&mut doc, &before), ChangeClass::Amendment { .. }));
    assert_eq!(arrivals(&mut doc, &before, &trust), Ok(()));
}

/// SEC-2, REC-4: a lock is recognised by what it writes (even under another message), and a change that sets
/// the status to locked without a lock record, or that locks and edits at once, is refused.
#[test]
fn sec_2_locks_are_recognised_by_content() {
    let w = world();
    let trust = trust_of(&w.authority, None);
    let mut doc = case(1);
    present(&mut doc, &w.zhang);
    present(&mut doc, &w.li);
    let id = doc.id().unwrap();
    let heads = sorted_heads(&mut doc);
    let signature = hex::encode(w.zhang.key.sign(&lock_message(&id, &heads)).as_ref());
    let mut honest = doc.clone();
    let before = raw(&mut honest, Some("set findings"), |d| {
        d.put(ROOT, "status", "locked").unwrap();
        let lock = d.put_object(ROOT, "lock", ObjType::Map).unwrap();
        d.put(&lock, "by", "15080001").unwrap();
        d.put(&lock, "at", Utc::now().to_rfc3339()).unwrap();
        d.put(&lock, "signature", signature.as_str()).unwrap();
        let list = d.put_object(&lock, "heads", ObjType::List).unwrap();
        for (i, h) in heads.iter().enumerate() {
            d.insert(&list, i, h.as_str()).unwrap();
        }
    });
    assert_eq!(class_of_last(&mut honest, &before), ChangeClass::Lock);
    assert_eq!(arrivals(&mut honest, &before, &trust), Ok(()));

    let mut bare = doc.clone();
    let before = raw(&mut bare, Some("set status"), |d| d.put(ROOT, "status", "locked").unwrap());
    assert!(matches!(class_of_last(&mut bare, &before), ChangeClass::Forbidden { lock: true, .. }));
    assert_eq!(arrivals(&mut bare, &before, &trust).unwrap_err().code(), "bad_lock");

    let mut greedy = doc.clone();
    let before = greedy.heads();
    lock(&mut greedy, &w.zhang);
    let mut both = doc.clone();
    let before_both = raw(&mut both, Some("lock"), |d| {
        d.put(ROOT, "status", "locked").unwrap();
        d.put_object(ROOT, "lock", ObjType::Map).unwrap();
        d.put(ROOT, "result", "不合格").unwrap();
    });
    let ChangeClass::Forbidden { lock: true, reason } = class_of_last(&mut both, &before_both) else { panic!() };
    assert!(reason.contains("'result'"), "{reason}");
    assert_eq!(arrivals(&mut greedy, &before, &trust), Ok(()), "the honest lock of the same state goes in");

    // A lock whose record signs an older state than the one it was made on would not cover what it locks.
    let mut stale = case(1);
    present(&mut stale, &w.zhang);
    let old_heads = sorted_heads(&mut stale);
    present(&mut stale, &w.li);
    let signature = hex::encode(w.zhang.key.sign(&lock_message(&id_of(&stale), &old_heads)).as_ref());
    let record = LockRecord { by: "15080001".into(), at: Utc::now().to_rfc3339(), heads: old_heads, signature };
    let before = stale.heads();
    stale.apply(&Edit::Lock(record), Utc::now()).unwrap();
    let refused = arrivals(&mut stale, &before, &trust).unwrap_err();
    assert!(refused.to_string().contains("but was made on"), "{refused}");
}

fn id_of(doc: &InspectionDoc) -> String {
    doc.id().unwrap()
}

/// CERT-4, CERT-5, SEC-2: a lock counts only officers whose presentations verify against the trust list and
/// are in scope; officers of an authority the locking tablet made up, a single officer, or an officer outside
/// the item's category do not make a lock.
#[test]
fn cert_4_cert_5_a_lock_needs_two_trusted_officers_in_scope() {
    let w = world();
    let trust = trust_of(&w.authority, None);
    // Two "officers" certified by an authority the server has never heard of.
    let made_up = keypair();
    let (fake1, fake2) = (officer(&made_up, "99990001", "食品安全"), officer(&made_up, "99990002", "食品安全"));
    let mut doc = case(1);
    present(&mut doc, &fake1);
    present(&mut doc, &fake2);
    let before = doc.heads();
    lock(&mut doc, &fake1);
    let refused = arrivals(&mut doc, &before, &trust).unwrap_err();
    assert_eq!(refused.code(), "bad_lock");
    assert!(refused.to_string().contains("not in the trust list"), "{refused}");
    assert_eq!(arrivals(&mut doc, &before, &trust_of(&made_up, None)), Ok(()), "the made-up authority's own view");

    // One officer only, presenting twice.
    let mut doc = case(1);
    present(&mut doc, &w.zhang);
    present(&mut doc, &w.zhang);
    let before = doc.heads();
    lock(&mut doc, &w.zhang);
    let refused = arrivals(&mut doc, &before, &trust).unwrap_err();
    assert!(refused.to_string().contains("at least two"), "{refused}");

    // An officer certified for transport, not food safety.
    let transport = officer(&w.authority, "15080009", "交通运输");
    let mut doc = case(1);
    present(&mut doc, &w.zhang);
    present(&mut doc, &transport);
    assert_eq!(lock_officers(&doc.read().unwrap().inspection, &trust).unwrap_err().code(), "not_enough_officers");
    let before = doc.heads();
    lock(&mut doc, &w.zhang);
    let refused = arrivals(&mut doc, &before, &trust).unwrap_err();
    assert!(refused.to_string().contains("交通运输") || refused.to_string().contains("category"), "{refused}");

    // A revoked officer's presentation does not count either.
    let revoked = RevocationList::sign(
        2,
        Utc::now().timestamp(),
        vec![RevocationEntry { number: "15080002".into(), status: RevocationStatus::Revoked, since: 0 }],
        &w.authority,
    )
    .unwrap();
    let mut doc = case(1);
    present(&mut doc, &w.zhang);
    present(&mut doc, &w.li);
    let before = doc.heads();
    lock(&mut doc, &w.zhang);
    let refused = arrivals(&mut doc, &before, &trust_of(&w.authority, Some(revoked))).unwrap_err();
    assert!(refused.to_string().contains("revoked"), "{refused}");
}

/// Writes an amendment entry and a new result with automerge directly, signed by `key` over what it records
/// (or not signed), as a terminal that skips core's checks would.
fn forged_amendment(
    doc: &mut InspectionDoc,
    by: &str,
    key: Option<&Ed25519KeyPair>,
    result: &str,
    extra: bool,
) -> Vec<ChangeHash> {
    let id = doc.id().unwrap();
    let heads = sorted_heads(doc);
    let old = doc.read().unwrap().inspection.result;
    let mut amendment = Amendment {
        what: "set result".into(),
        before: serde_json::json!({ "result": old }).to_string(),
        after: serde_json::json!({ "result": result }).to_string(),
        reason: "复核".into(),
        by: by.into(),
        at: Utc::now().to_rfc3339(),
        signature: String::new(),
    };
    amendment.signature =
        key.map(|k| hex::encode(k.sign(&amendment_message(&id, &amendment, &heads)).as_ref())).unwrap_or_default();
    raw(doc, Some("amend"), |d| {
        d.put(ROOT, "result", result).unwrap();
        if extra {
            d.put(ROOT, "agency", "另一个执法主体").unwrap();
        }
        let (_, list) = d.get(ROOT, "amendments").unwrap().unwrap();
        let entry = d.insert_object(&list, d.length(&list), ObjType::Map).unwrap();
        for (k, v) in [
            ("what", &amendment.what),
            ("before", &amendment.before),
            ("after", &amendment.after),
            ("reason", &amendment.reason),
            ("by", &amendment.by),
            ("at", &amendment.at),
            ("signature", &amendment.signature),
        ] {
            d.put(&entry, k, v.as_str()).unwrap();
        }
    })
}

/// SEC-2, REC-4: after a lock an amendment goes in only if an officer who presented, trusted and unrevoked,
/// signed exactly what it records, and it records exactly what its operations change.
#[test]
fn sec_2_amendments_are_signed_by_a_presented_trusted_officer() {
    let w = world();
    let trust = trust_of(&w.authority, None);
    let doc = locked(&w);
    let try_one = |by: &str, key: Option<&Ed25519KeyPair>, extra: bool, trust: &Trust| {
        let mut attempt = doc.clone();
        let before = forged_amendment(&mut attempt, by, key, "责令改正", extra);
        arrivals(&mut attempt, &before, trust)
    };
    assert_eq!(try_one("15080002", Some(&w.li.key), false, &trust), Ok(()), "signed by 李四, who presented");
    let no_signature = try_one("15080002", None, false, &trust).unwrap_err();
    assert!(no_signature.to_string().contains("signature does not verify"), "{no_signature}");
    assert_eq!(no_signature.code(), "bad_amendment");
    let by_another_key = try_one("15080002", Some(&w.zhang.key), false, &trust).unwrap_err();
    assert!(by_another_key.to_string().contains("signature does not verify"), "{by_another_key}");
    let not_present = try_one("15080003", Some(&w.wang.key), false, &trust).unwrap_err();
    assert!(not_present.to_string().contains("has not presented"), "{not_present}");
    let unknown = try_one("15080002", Some(&w.li.key), false, &trust_of(&keypair(), None)).unwrap_err();
    assert!(unknown.to_string().contains("not in the trust list"), "{unknown}");
    let revoked_list = RevocationList::sign(
        2,
        Utc::now().timestamp(),
        vec![RevocationEntry {
            number: "15080002".into(),
            status: RevocationStatus::Suspended,
            since: Utc::now().timestamp() - 10,
        }],
        &w.authority,
    )
    .unwrap();
    let suspended =
        try_one("15080002", Some(&w.li.key), false, &trust_of(&w.authority, Some(revoked_list))).unwrap_err();
    assert!(suspended.to_string().contains("suspended"), "{suspended}");
    // A signed amendment that also changes what an amendment may not change.
    let greedy = try_one("15080002", Some(&w.li.key), true, &trust).unwrap_err();
    assert_eq!(greedy.code(), "locked", "{greedy}");
    assert!(greedy.to_string().contains("'agency'"), "{greedy}");

    // A signed record that says the result changed, while the operations change the findings.
    let mut liar = doc.clone();
    let id = liar.id().unwrap();
    let heads = sorted_heads(&mut liar);
    let mut amendment = Amendment {
        what: "set result".into(),
        before: serde_json::json!({ "result": "合格" }).to_string(),
        after: serde_json::json!({ "result": "合格。" }).to_string(),
        reason: "笔误".into(),
        by: "15080002".into(),
        at: Utc::now().to_rfc3339(),
        signature: String::new(),
    };
    amendment.signature = hex::encode(w.li.key.sign(&amendment_message(&id, &amendment, &heads)).as_ref());
    let before = raw(&mut liar, None, |d| {
        let (_, findings) = d.get(ROOT, "findings").unwrap().unwrap();
        d.splice_text(&findings, 0, 0, "无问题").unwrap();
        let (_, list) = d.get(ROOT, "amendments").unwrap().unwrap();
        let entry = d.insert_object(&list, 0, ObjType::Map).unwrap();
        for (k, v) in [
            ("what", &amendment.what),
            ("before", &amendment.before),
            ("after", &amendment.after),
            ("reason", &amendment.reason),
            ("by", &amendment.by),
            ("at", &amendment.at),
            ("signature", &amendment.signature),
        ] {
            d.put(&entry, k, v.as_str()).unwrap();
        }
    });
    assert!(matches!(class_of_last(&mut liar, &before), ChangeClass::Amendment { .. }));
    let refused = arrivals(&mut liar, &before, &trust).unwrap_err();
    assert!(refused.to_string().contains("not the ones its operations change"), "{refused}");
}

/// SEC-2: an amendment cannot rewrite an earlier one, nor add two entries at once.
#[test]
fn sec_2_earlier_amendments_stay_as_they_were() {
    let w = world();
    let trust = trust_of(&w.authority, None);
    let mut doc = locked(&w);
    amend(&mut doc, &w.li, Edit::SetResult("责令改正".into()));
    let mut rewrite = doc.clone();
    let before = raw(&mut rewrite, Some("amend"), |d| {
        let (_, list) = d.get(ROOT, "amendments").unwrap().unwrap();
        let (_, first) = d.get(&list, 0).unwrap().unwrap();
        d.put(&first, "reason", "无").unwrap();
    });
    let ChangeClass::Forbidden { lock: false, reason } = class_of_last(&mut rewrite, &before) else { panic!() };
    assert!(reason.contains("earlier amendment"), "{reason}");
    assert_eq!(arrivals(&mut rewrite, &before, &trust).unwrap_err().code(), "locked");
}

/// REC-4: edits made offline concurrently with the lock are kept; two officers amending concurrently on two
/// terminals both keep their amendment (the lock made the one list they share).
#[test]
fn rec_4_concurrent_edits_and_amendments_are_kept() {
    let w = world();
    let trust = trust_of(&w.authority, None);
    let mut base = case(1);
    present(&mut base, &w.zhang);
    present(&mut base, &w.li);
    let mut offline =
        InspectionDoc::from_automerge(base.automerge().fork().with_actor(ActorId::from([2; 16].as_slice()))).unwrap();
    offline.apply(&Edit::SetFindings("冷柜温度 9℃".into()), Utc::now()).unwrap();
    lock(&mut base, &w.zhang);
    let before = base.heads();
    base.automerge().merge(offline.automerge()).unwrap();
    assert_eq!(arrivals(&mut base, &before, &trust), Ok(()), "the offline edit was not made after the lock");

    let mut second =
        InspectionDoc::from_automerge(base.automerge().fork().with_actor(ActorId::from([3; 16].as_slice()))).unwrap();
    amend(&mut base, &w.li, Edit::SetResult("责令改正".into()));
    let item_id = second.read().unwrap().inspection.checklist[0].id.clone();
    amend(&mut second, &w.zhang, Edit::SetChecklistNote { item_id, note: "营业执照过期".into() });
    let before = base.heads();
    base.automerge().merge(second.automerge()).unwrap();
    assert_eq!(arrivals(&mut base, &before, &trust), Ok(()));
    let view = base.read().unwrap().inspection;
    assert_eq!(view.amendments.len(), 2, "{:?}", view.amendments);
    assert_eq!(view.findings, "冷柜温度 9℃");
    assert_eq!(view.result, "责令改正");
    assert_eq!(view.checklist[0].note, "营业执照过期");
}

/// SEC-3: a document that does not read completely is named for what is wrong.
#[test]
fn sec_3_incomplete_inspections_do_not_pass_the_complete_read() {
    let mut doc = case(1);
    let id = doc.id().unwrap();
    assert!(doc.check_complete(&id).is_ok());
    assert!(doc.check_complete("another").is_err());
    raw(&mut doc, None, |d| d.delete(ROOT, "item").unwrap());
    let err = doc.check_complete(&id).unwrap_err().to_string();
    assert!(err.contains("'item'"), "{err}");
}
