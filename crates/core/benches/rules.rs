//! What the rules for arriving changes cost (SEC-2, SEC-3), per document that changed in a sync request, beside
//! what automerge takes to apply the same changes: the complete read of the inspection, the trust the server
//! builds (its revocation list verified), and the classification and checks of the new changes.
//!
//! `cargo bench -p fieldtrail-core --bench rules` (defaults), or `FT_DOCS=500`. Columns, in µs per document:
//! automerge applying the changes; the id check the server made before these rules; the complete read (SEC-3);
//! verifying the trust (only when a lock or an amendment arrives); classifying and judging the changes; and
//! what the rules add beyond the old id check.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails by panicking

use automerge::{ActorId, AutoCommit, Change};
use chrono::Utc;
use fieldtrail_core::identity::*;
use fieldtrail_core::lock_rule::check_arrivals;
use fieldtrail_core::*;
use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;
use std::time::{Duration, Instant};

fn keypair() -> Ed25519KeyPair {
    Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap().as_ref()).unwrap()
}

struct Officer {
    number: String,
    cert: Certificate,
    key: Ed25519KeyPair,
}

fn officer(authority: &Ed25519KeyPair, number: &str) -> Officer {
    let key = keypair();
    let now = Utc::now().timestamp();
    let body = CertificateBody {
        number: number.into(),
        name: format!("执法员{number}"),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec!["食品安全".into()],
        regions: vec!["1508".into()],
        valid_from: now - 86_400,
        valid_to: now + 86_400 * 365,
        kind: CertificateKind::Officer,
        holder_key: public_key_of(&key),
        photo_sha256: vec![7; 32],
        photo: vec![0; 833], // a thumbnail's size, so presentations weigh what real ones do
        issuer: "内蒙古自治区司法厅".into(),
        issued_at: now - 86_400,
    };
    Officer { number: number.into(), cert: Certificate::issue(&body, authority).unwrap(), key }
}

fn new_case(n: usize) -> InspectionDoc {
    let new = NewInspection {
        agency: "巴彦淖尔市市场监督管理局".into(),
        kind: Kind::Inspection,
        item_code: "SC-0101".into(),
        item_name: "食品经营许可事项检查".into(),
        legal_basis: vec![LegalBasis { law: "中华人民共和国食品安全法".into(), ..LegalBasis::default() }],
        party: Party { name: format!("商户 {n}"), ..Party::default() },
        location: Location::default(),
        officers: vec![],
        started_at: Utc::now(),
        position: fieldtrail_core::Position::default(),
        checklist: vec!["证照是否齐全".into(), "冷藏温度是否达标".into(), "进货查验记录".into()],
    };
    let id = format!("00000000-0000-4000-8000-{n:012x}");
    let mut doc = InspectionDoc::create(&id, &new, ActorId::from([1; 16].as_slice())).unwrap();
    doc.apply(&Edit::SetScope { category: "食品安全".into(), region: "150802".into() }, Utc::now()).unwrap();
    doc
}

fn present(doc: &mut InspectionDoc, o: &Officer) {
    let p = Presentation::create(&o.cert, &o.key, &doc.id().unwrap(), Utc::now().timestamp(), [1; 16]).unwrap();
    let record = PresentationRecord {
        certificate_number: o.number.clone(),
        name: o.cert.body().name.clone(),
        presented_at: Utc::now().to_rfc3339(),
        qr: p.to_qr_text(),
    };
    doc.apply(&Edit::AddPresentation(record), Utc::now()).unwrap();
}

fn lock(doc: &mut InspectionDoc, o: &Officer) {
    let mut heads: Vec<String> = doc.heads().iter().map(|h| h.to_string()).collect();
    heads.sort();
    let signature = hex::encode(o.key.sign(&lock_message(&doc.id().unwrap(), &heads)).as_ref());
    let record = LockRecord { by: o.number.clone(), at: Utc::now().to_rfc3339(), heads, signature };
    doc.apply(&Edit::Lock(record), Utc::now()).unwrap();
}

fn amend(doc: &mut InspectionDoc, o: &Officer, k: usize) {
    let edit = Edit::SetResult(format!("责令改正 {k}"));
    let at = Utc::now();
    let signature = hex::encode(o.key.sign(&doc.amendment_message(&edit, "复核", &o.number, at).unwrap()).as_ref());
    doc.apply(&Edit::Amend { edit: Box::new(edit), reason: "复核".into(), by: o.number.clone(), signature }, at)
        .unwrap();
}

/// A stored document on the server and the changes a terminal delivers for it.
struct Delivery {
    stored: AutoCommit,
    new: Vec<Change>,
}

fn delivery(mut doc: InspectionDoc, then: impl FnOnce(&mut InspectionDoc)) -> Delivery {
    let stored = doc.automerge().clone();
    let before = doc.heads();
    then(&mut doc);
    let new = doc.automerge().get_changes(&before);
    Delivery { stored, new }
}

/// Makes the delivery of document number n.
type MakeDelivery<'a> = Box<dyn Fn(usize) -> Delivery + 'a>;

/// Time spent per part, over all deliveries.
#[derive(Default)]
struct Times {
    apply: Duration,
    /// What the server checked before these rules: the schema and the id.
    before: Duration,
    complete: Duration,
    trust: Duration,
    arrivals: Duration,
}

/// Applies every delivery as the server does, timing automerge's part and each part of the rules apart.
fn run(deliveries: Vec<Delivery>, revocations: &[u8], authorities: &TrustList) -> Times {
    let mut t = Times::default();
    for Delivery { mut stored, new } in deliveries {
        let started = Instant::now();
        stored.apply_changes(new.clone()).unwrap();
        t.apply += started.elapsed();
        let started = Instant::now();
        InspectionDoc::from_automerge(stored.clone()).unwrap().id().unwrap();
        t.before += started.elapsed();
        let started = Instant::now();
        let inspection = InspectionDoc::from_automerge(stored.clone()).unwrap();
        inspection.check_complete(&inspection.id().unwrap()).unwrap();
        t.complete += started.elapsed();
        // The server reads its lists before, and verifies them only when a lock or an amendment needs them.
        let started = Instant::now();
        let mut trust_took = Duration::ZERO;
        let trust = || {
            let started = Instant::now();
            let trust = Trust {
                authorities: authorities.clone(),
                revocations: Some(RevocationList::verify(revocations, authorities).unwrap()),
                now: Utc::now().timestamp(),
            };
            trust_took = started.elapsed();
            trust
        };
        check_arrivals(&mut stored, &new, trust).unwrap();
        t.arrivals += started.elapsed() - trust_took;
        t.trust += trust_took;
    }
    t
}

fn main() {
    // A smoke run (the test script's) is tiny, so the bench cannot rot unnoticed.
    let smoke = std::env::var("FIELDTRAIL_BENCH_SMOKE").is_ok_and(|v| v == "1");
    let docs: usize = std::env::var("FT_DOCS").ok().and_then(|v| v.parse().ok()).unwrap_or(if smoke { 3 } else { 300 });
    let authority = keypair();
    let authorities =
        TrustList::new(vec![Authority { name: "司法厅".into(), public_key: public_key_of(&authority) }]);
    let entries = (0..50)
        .map(|i| RevocationEntry { number: format!("1508{i:04}x"), status: RevocationStatus::Revoked, since: 0 })
        .collect();
    let revocations = RevocationList::sign(3, Utc::now().timestamp(), entries, &authority).unwrap();
    let (zhang, li) = (officer(&authority, "15080001"), officer(&authority, "15080002"));

    println!("rules for arriving changes, {docs} documents per case (release build)");
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "case (µs per document)", "automerge", "id check", "complete", "trust", "changes", "added"
    );
    let cases: [(&str, MakeDelivery<'_>); 3] = [
        (
            "plain edits (findings, result) of an open case",
            Box::new(|n| {
                delivery(new_case(n), |d| {
                    d.apply(&Edit::SetFindings("冷柜温度 9℃，货架整洁。".into()), Utc::now()).unwrap();
                    d.apply(&Edit::SetResult("合格".into()), Utc::now()).unwrap();
                })
            }),
        ),
        (
            "two presentations and the lock",
            Box::new(|n| {
                delivery(new_case(n), |d| {
                    present(d, &zhang);
                    present(d, &li);
                    lock(d, &zhang);
                })
            }),
        ),
        (
            "a signed amendment of a locked case",
            Box::new(|n| {
                let mut doc = new_case(n);
                present(&mut doc, &zhang);
                present(&mut doc, &li);
                lock(&mut doc, &zhang);
                delivery(doc, |d| amend(d, &li, n))
            }),
        ),
    ];
    for (name, make) in &cases {
        let deliveries: Vec<Delivery> = (0..docs).map(make).collect();
        let t = run(deliveries, revocations.bytes(), &authorities);
        let per = |d: Duration| d.as_secs_f64() * 1e6 / docs as f64;
        // What these rules add to the server's work for one document, beyond the id check it made before.
        let added = (t.complete + t.trust + t.arrivals).saturating_sub(t.before);
        println!(
            "{name:<44} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            per(t.apply),
            per(t.before),
            per(t.complete),
            per(t.trust),
            per(t.arrivals),
            per(added)
        );
    }
}
