//! The server trusts no device (SEC-2, SEC-3, REC-4, CERT-4, CERT-5), tried against the real server over HTTP
//! with real terminals and a few lines of automerge: each attack is refused with a clear 4xx naming it, the
//! server's store is dumped before and after and is unchanged, and the legitimate terminals keep syncing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::sync::SyncDoc;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, ChangeHash, ObjType, ROOT, ReadDoc};
use fieldtrail_core::identity::{Certificate, CertificateKind, Presentation, open_sealed};
use fieldtrail_core::protocol::ErrorBody;
use fieldtrail_core::sync::seed_state;
use fieldtrail_core::{Amendment, Edit, InspectionDoc, LockRecord, PresentationRecord, Status};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::authority::{self, IssueRequest, StatusChange};
use fieldtrail_terminal::{Terminal, UnlockedOfficer};
use fieldtrail_tests::{InProcessServer, register, sample_inspection, server_document};
use ring::signature::Ed25519KeyPair;
use std::path::Path;
use tempfile::TempDir;

fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(120, 160, |x, y| image::Rgb([x as u8, y as u8, 100]));
    let mut photo = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut photo, 80).encode_image(&img).unwrap();
    photo
}

/// The administrator of the authority in `data` issues a certificate; returns its enrolment package and code.
fn issue(data: &Path, number: &str, category: &str) -> authority::Issued {
    let store = SqliteStore::open(data).unwrap();
    let key_path = data.join("authority.key");
    if !key_path.exists() {
        authority::init(&store, &key_path, "内蒙古自治区司法厅").unwrap();
    }
    let key = authority::load(&store, &key_path).unwrap();
    let now = chrono::Utc::now().timestamp();
    let request = IssueRequest {
        number: number.into(),
        name: format!("执法员{number}"),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec![category.into()],
        regions: vec!["1508".into()],
        valid_from: now - 86_400,
        valid_to: now + 86_400 * 365,
        kind: CertificateKind::Officer,
        photo: photo(),
        actor: "test".into(),
    };
    authority::issue(&store, &key, &request).unwrap()
}

/// An officer enrolled on terminal `t` with a PIN, unlocked.
fn enrol(authority_data: &Path, t: &Terminal, number: &str, pin: &str) -> UnlockedOfficer {
    let issued = issue(authority_data, number, "食品安全");
    // SEC-8: the terminal's administrator provisioned the authority's key before anyone enrols.
    let store = SqliteStore::open(authority_data).unwrap();
    let key = authority::load(&store, &authority_data.join("authority.key")).unwrap();
    t.provision_authority(&key.name, &key.public_key()).unwrap();
    t.enrol(&issued.package.to_bytes(), &issued.code, pin).unwrap();
    t.unlock(number, pin).unwrap()
}

/// A certified officer whose private key the test holds, to sign what a terminal skipping its checks would.
struct RawOfficer {
    cert: Certificate,
    key: Ed25519KeyPair,
}

fn raw_officer(authority_data: &Path, number: &str, category: &str) -> RawOfficer {
    let issued = issue(authority_data, number, category);
    let pkcs8 = open_sealed(&issued.package.key, &issued.code).unwrap().unwrap();
    RawOfficer { cert: issued.certificate, key: Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap() }
}

impl RawOfficer {
    fn number(&self) -> String {
        self.cert.body().number.clone()
    }

    fn present(&self, doc: &mut InspectionDoc) {
        let id = doc.id().unwrap();
        let now = chrono::Utc::now();
        let p = Presentation::create(&self.cert, &self.key, &id, now.timestamp(), [9; 16]).unwrap();
        let record = PresentationRecord {
            certificate_number: self.number(),
            name: self.cert.body().name.clone(),
            presented_at: now.to_rfc3339(),
            qr: p.to_qr_text(),
        };
        doc.apply(&Edit::AddPresentation(record), now).unwrap();
    }

    fn lock(&self, doc: &mut InspectionDoc) {
        let id = doc.id().unwrap();
        let mut heads: Vec<String> = doc.heads().iter().map(|h| h.to_string()).collect();
        heads.sort();
        let signature = hex::encode(self.key.sign(&fieldtrail_core::lock_message(&id, &heads)).as_ref());
        let now = chrono::Utc::now();
        doc.apply(&Edit::Lock(LockRecord { by: self.number(), at: now.to_rfc3339(), heads, signature }), now).unwrap();
    }
}

/// The server's refusal of terminal `t`'s document `id`, as `status` shows it (SEC-3).
fn refusal_of(t: &Terminal, url: &str, id: &str) -> fieldtrail_terminal::refused::RefusedDocument {
    let refused = t.status(url).unwrap().refused;
    refused.into_iter().find(|r| r.id == id).expect("the refused document is listed in status")
}

/// Sends what `doc` holds beyond `server_has` as one sync from terminal `t`; returns the status and error.
async fn push(
    url: &str,
    t: &Terminal,
    id: &str,
    doc: &mut AutoCommit,
    server_has: Vec<ChangeHash>,
) -> (u16, ErrorBody) {
    let msg = doc.sync().generate_sync_message(&mut seed_state(server_has)).unwrap();
    fieldtrail_tests::push_raw(url, t, id, msg.encode()).await
}

/// Pushes `doc` (made from what the server has, `server_has`) and checks the refusal: status, code, a message
/// naming `says`, and a store that did not change.
async fn refused(
    server: &InProcessServer,
    t: &Terminal,
    id: &str,
    doc: &mut AutoCommit,
    server_has: Vec<ChangeHash>,
    expected: (u16, &str),
    says: &str,
) -> String {
    let before = fieldtrail_tests::dump_server_store(&server.data);
    let (status, error) = push(&server.url, t, id, doc, server_has).await;
    assert_eq!((status, error.code.as_str()), expected, "{}", error.message);
    assert!(error.message.contains(says), "{:?} should say {says:?}", error.message);
    assert_eq!(
        fieldtrail_tests::dump_server_store(&server.data),
        before,
        "a refused change must leave the server's store as it was"
    );
    error.message
}

/// The terminal's copy of `id` and its heads (what the server has after a sync), to change behind its back.
fn raw_copy(t: &Terminal, id: &str) -> (InspectionDoc, Vec<ChangeHash>) {
    let mut doc = t.document(id).unwrap();
    let heads = doc.heads();
    (doc, heads)
}

fn commit(doc: &mut AutoCommit, message: Option<&str>) {
    let mut options = CommitOptions::default();
    if let Some(m) = message {
        options = options.with_message(m.to_owned());
    }
    doc.commit_with(options);
}

/// Writes a result and an amendment entry recording it, signed with `key` (or not), with automerge directly.
fn forged_amendment(doc: &mut InspectionDoc, by: &str, key: Option<&Ed25519KeyPair>, garbage: bool) {
    let id = doc.id().unwrap();
    let mut heads: Vec<String> = doc.heads().iter().map(|h| h.to_string()).collect();
    heads.sort();
    let old = doc.read().unwrap().inspection.result;
    let mut amendment = Amendment {
        what: "set result".into(),
        before: serde_json::json!({ "result": old }).to_string(),
        after: serde_json::json!({ "result": "不予处罚" }).to_string(),
        reason: "复核".into(),
        by: by.into(),
        at: chrono::Utc::now().to_rfc3339(),
        signature: String::new(),
    };
    if let Some(key) = key {
        amendment.signature =
            hex::encode(key.sign(&fieldtrail_core::amendment_message(&id, &amendment, &heads)).as_ref());
    }
    if garbage {
        amendment.signature = "ab".repeat(64);
    }
    let raw = doc.automerge();
    raw.put(ROOT, "result", "不予处罚").unwrap();
    let (_, list) = raw.get(ROOT, "amendments").unwrap().unwrap();
    let entry = raw.insert_object(&list, raw.length(&list), ObjType::Map).unwrap();
    let a = &amendment;
    for (k, v) in [
        ("what", &a.what),
        ("before", &a.before),
        ("after", &a.after),
        ("reason", &a.reason),
        ("by", &a.by),
        ("at", &a.at),
        ("signature", &a.signature),
    ] {
        raw.put(&entry, k, v.as_str()).unwrap();
    }
    commit(raw, Some("amend"));
}

struct Site {
    _dir: TempDir,
    server: InProcessServer,
    t1: Terminal,
    t2: Terminal,
    zhang: UnlockedOfficer,
    li: UnlockedOfficer,
}

/// A server, two registered terminals of one agency, and 张三 and 李四 enrolled on the first.
async fn site() -> Site {
    let dir = TempDir::new().unwrap();
    let server = InProcessServer::start(&dir.path().join("server")).await.unwrap();
    let t1 = Terminal::open(dir.path().join("t1")).unwrap();
    let t2 = Terminal::open(dir.path().join("t2")).unwrap();
    register(&server.data, &t1).unwrap();
    register(&server.data, &t2).unwrap();
    let zhang = enrol(&server.data, &t1, "15080001", "482913");
    let li = enrol(&server.data, &t1, "15080002", "739251");
    Site { _dir: dir, server, t1, t2, zhang, li }
}

impl Site {
    fn case(&self, party: &str) -> String {
        let id = self.t1.create_inspection(&sample_inspection(party)).unwrap();
        let scope = Edit::SetScope { category: "食品安全".into(), region: "150802".into() };
        self.t1.edit(&id, &[scope, Edit::SetResult("合格".into())]).unwrap();
        id
    }

    /// A case presented by 张三 and 李四, locked by 张三 and synced to both terminals.
    async fn locked_case(&self) -> String {
        let id = self.case("临河区某超市");
        self.t1.present(&id, &self.zhang).unwrap();
        self.t1.present(&id, &self.li).unwrap();
        self.t1.lock(&id, &self.zhang).unwrap();
        self.t1.sync(&self.server.url).await.unwrap();
        self.t2.sync(&self.server.url).await.unwrap();
        id
    }

    /// The legitimate terminals still sync, both ways, and the server holds what they made.
    async fn still_syncing(&self) {
        let url = &self.server.url;
        let id = self.t2.create_inspection(&sample_inspection("临河区另一家超市")).unwrap();
        self.t2.edit(&id, &[Edit::SetFindings("货架整洁".into())]).unwrap();
        self.t2.sync(url).await.unwrap();
        self.t1.sync(url).await.unwrap();
        assert_eq!(self.t1.show(&id).unwrap().inspection.findings, "货架整洁");
        assert_eq!(server_document(url, &id, &self.t2).await.unwrap()["inspection"]["findings"], "货架整洁");
    }
}

/// SEC-2, REC-4 (a): after the lock a plain edit is refused whatever its message says, and so is every forged
/// amendment: unsigned, signed with garbage, signed by an officer who did not present, signed by an officer
/// whose certificate was revoked. The server's copy stays locked and unchanged; the terminals keep syncing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_2_rec_4_a_locked_case_takes_only_signed_amendments() {
    let s = site().await;
    let id = s.locked_case().await;
    let locked = server_document(&s.server.url, &id, &s.t1).await.unwrap();
    assert_eq!(locked["inspection"]["status"], "locked");

    for message in [Some("amend"), None] {
        let (mut doc, has) = raw_copy(&s.t1, &id);
        doc.automerge().put(ROOT, "result", "不合格").unwrap();
        commit(doc.automerge(), message);
        refused(&s.server, &s.t1, &id, doc.automerge(), has, (409, "locked"), "not an amendment").await;
    }
    let (mut doc, has) = raw_copy(&s.t1, &id);
    forged_amendment(&mut doc, "15080002", None, false);
    refused(&s.server, &s.t1, &id, doc.automerge(), has, (400, "bad_amendment"), "signature does not verify").await;
    let (mut doc, has) = raw_copy(&s.t1, &id);
    forged_amendment(&mut doc, "15080002", None, true);
    refused(&s.server, &s.t1, &id, doc.automerge(), has, (400, "bad_amendment"), "signature does not verify").await;
    // 王五 holds a real certificate of this authority and signs properly, but never presented for this case.
    let wang = raw_officer(&s.server.data, "15080003", "食品安全");
    let (mut doc, has) = raw_copy(&s.t1, &id);
    forged_amendment(&mut doc, "15080003", Some(&wang.key), false);
    refused(&s.server, &s.t1, &id, doc.automerge(), has, (400, "bad_amendment"), "15080003 has not presented").await;
    assert_eq!(server_document(&s.server.url, &id, &s.t1).await.unwrap()["heads"], locked["heads"]);

    // The administrator revokes 李四; terminal 1 has not synced since, so its own list does not know yet and it
    // lets 李四 amend. The server knows, and refuses the amendment whole.
    let store = SqliteStore::open(&s.server.data).unwrap();
    let key = authority::load(&store, &s.server.data.join("authority.key")).unwrap();
    authority::change_status(&store, &key, "15080002", StatusChange::Revoke, "王管理员", "调离执法岗位").unwrap();
    s.t1.amend(&id, Edit::SetResult("不予处罚".into()), "复核", &s.li).unwrap();
    let before = fieldtrail_tests::dump_server_store(&s.server.data);
    // The terminal is not stuck on it (SEC-3): the case is held back with the server's reason, the sync goes on.
    let report = s.t1.sync(&s.server.url).await.unwrap();
    assert_eq!(report.refused_docs, 1, "{report:?}");
    let refusal = refusal_of(&s.t1, &s.server.url, &id);
    assert_eq!((refusal.status, refusal.code.as_str()), (400, "bad_amendment"), "{}", refusal.message);
    assert!(refusal.message.contains("revoked") && refusal.message.contains(&id), "{}", refusal.message);
    assert_eq!(fieldtrail_tests::dump_server_store(&s.server.data), before);
    assert_eq!(server_document(&s.server.url, &id, &s.t2).await.unwrap()["heads"], locked["heads"]);
    s.still_syncing_from_t2().await;
}

impl Site {
    /// Terminal 1 is stuck behind its refused amendment; terminal 2 syncs on regardless.
    async fn still_syncing_from_t2(&self) {
        let url = &self.server.url;
        let id = self.t2.create_inspection(&sample_inspection("临河区第三家超市")).unwrap();
        self.t2.sync(url).await.unwrap();
        assert_eq!(server_document(url, &id, &self.t2).await.unwrap()["inspection"]["id"], id.as_str());
    }
}

/// CERT-4, CERT-5, SEC-2 (b): a lock counts only officers whose presentations verify against the server's
/// trust list and revocation list and whose certificates cover the case. Two "officers" of an authority a
/// registered tablet made up, one officer alone, and an officer of another category each fail to lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cert_4_cert_5_sec_2_forged_locks_are_refused() {
    let s = site().await;
    let url = s.server.url.clone();
    let id = s.case("临河区某超市");
    s.t1.sync(&url).await.unwrap();

    // A third registered tablet, whose officers come from an authority it set up itself.
    let dir = TempDir::new().unwrap();
    let rogue = Terminal::open(dir.path().join("rogue")).unwrap();
    register(&s.server.data, &rogue).unwrap();
    rogue.sync(&url).await.unwrap();
    let fake_authority = dir.path().join("fake");
    let fake1 = enrol(&fake_authority, &rogue, "15080001", "482913");
    let fake2 = enrol(&fake_authority, &rogue, "15080002", "739251");
    rogue.present(&id, &fake1).unwrap();
    rogue.present(&id, &fake2).unwrap();
    rogue.lock(&id, &fake1).unwrap();
    let before = fieldtrail_tests::dump_server_store(&s.server.data);
    // The rogue tablet trusts its made-up authority, so it also refuses the server's revocation list: its sync
    // ends in that error, after the lock was refused and held back.
    let _ = rogue.sync(&url).await;
    let refusal = refusal_of(&rogue, &url, &id);
    assert_eq!((refusal.status, refusal.code.as_str()), (400, "bad_lock"), "{}", refusal.message);
    assert!(refusal.message.contains("not in the trust list") && refusal.message.contains(&id), "{}", refusal.message);
    assert_eq!(fieldtrail_tests::dump_server_store(&s.server.data), before);
    // The real officers can still edit their case.
    s.t1.edit(&id, &[Edit::SetFindings("冷柜温度 4℃".into())]).unwrap();
    s.t1.sync(&url).await.unwrap();
    let on_server = server_document(&url, &id, &s.t1).await.unwrap();
    assert_eq!(
        (on_server["inspection"]["status"].as_str(), on_server["inspection"]["findings"].as_str()),
        (Some("in_progress"), Some("冷柜温度 4℃"))
    );

    // One officer only: 赵六 presents and locks with a valid signature, alone.
    let zhao = raw_officer(&s.server.data, "15080006", "食品安全");
    let (mut doc, has) = raw_copy(&s.t1, &id);
    zhao.present(&mut doc);
    zhao.lock(&mut doc);
    refused(&s.server, &s.t1, &id, doc.automerge(), has, (400, "bad_lock"), "at least two").await;

    // Two officers, one certified for transport, not food safety (CERT-5).
    let qian = raw_officer(&s.server.data, "15080007", "交通运输");
    let (mut doc, has) = raw_copy(&s.t1, &id);
    zhao.present(&mut doc);
    qian.present(&mut doc);
    zhao.lock(&mut doc);
    refused(&s.server, &s.t1, &id, doc.automerge(), has, (400, "bad_lock"), "交通运输").await;

    // A status of locked without a lock record.
    let (mut doc, has) = raw_copy(&s.t1, &id);
    doc.automerge().put(ROOT, "status", "locked").unwrap();
    commit(doc.automerge(), Some("set status"));
    refused(&s.server, &s.t1, &id, doc.automerge(), has, (400, "bad_lock"), "without a lock record").await;
    s.still_syncing().await;
}

/// SEC-3 (c): a document that passes the id check but does not read completely as an inspection is refused
/// with 400 `not_an_inspection` naming it and what is wrong; nothing is stored, and the other terminals keep
/// syncing (before, a tablet that synced after it failed on every sync).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_3_incomplete_inspections_are_refused_and_others_keep_syncing() {
    let s = site().await;
    let url = s.server.url.clone();
    let good = s.case("临河区某超市");
    s.t1.sync(&url).await.unwrap();

    type Breakage = (&'static str, fn(&mut AutoCommit));
    let breakages: [Breakage; 6] = [
        ("'item' is missing", |d| d.delete(ROOT, "item").unwrap()),
        ("'party.name'", |d| {
            let (_, party) = d.get(ROOT, "party").unwrap().unwrap();
            d.put(&party, "name", 42_i64).unwrap();
        }),
        ("not a valid kind", |d| d.put(ROOT, "kind", "unknown").unwrap()),
        ("not a valid checkresult", |d| {
            let (_, list) = d.get(ROOT, "checklist").unwrap().unwrap();
            let (_, item) = d.get(&list, 0).unwrap().unwrap();
            d.put(&item, "result", "maybe").unwrap();
        }),
        ("'evidence[0]' is not a map", |d| {
            let (_, list) = d.get(ROOT, "evidence").unwrap().unwrap();
            d.insert(&list, 0, "not a map").unwrap();
        }),
        ("'findings'", |d| d.put(ROOT, "findings", "text where a text object belongs").unwrap()),
    ];
    for (n, (says, break_it)) in breakages.into_iter().enumerate() {
        // A new document, sent whole.
        let id = format!("5ec30000-0000-4000-8000-{n:012x}");
        let mut doc = InspectionDoc::create(&id, &sample_inspection("某超市"), automerge::ActorId::random()).unwrap();
        break_it(doc.automerge());
        commit(doc.automerge(), Some("set result"));
        let message = refused(&s.server, &s.t1, &id, doc.automerge(), vec![], (400, "not_an_inspection"), &id).await;
        assert!(message.contains(says), "{message:?} should say {says:?}");
        // And the same breakage as a change to a stored, good one.
        let (mut doc, has) = raw_copy(&s.t1, &good);
        break_it(doc.automerge());
        commit(doc.automerge(), Some("set findings"));
        let message = refused(&s.server, &s.t1, &good, doc.automerge(), has, (400, "not_an_inspection"), &good).await;
        assert!(message.contains(says), "{message:?} should say {says:?}");
    }
    s.t2.sync(&url).await.unwrap();
    assert_eq!(s.t2.show(&good).unwrap().inspection.result, "合格");
    s.still_syncing().await;
}

/// REC-4, SEC-2 (d): the legitimate path. An amendment signed by an officer who presented goes in with its
/// signature; an edit made offline concurrently with the lock is kept; both terminals converge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rec_4_sec_2_signed_amendments_and_concurrent_edits_go_in() {
    let s = site().await;
    let url = s.server.url.clone();
    let id = s.case("临河区某超市");
    s.t1.sync(&url).await.unwrap();
    s.t2.sync(&url).await.unwrap();
    // Terminal 2, offline, writes the findings while terminal 1 locks.
    s.t2.edit(&id, &[Edit::SetFindings("冷柜温度 9℃".into())]).unwrap();
    s.t1.present(&id, &s.zhang).unwrap();
    s.t1.present(&id, &s.li).unwrap();
    s.t1.lock(&id, &s.zhang).unwrap();
    s.t1.amend(&id, Edit::SetResult("责令改正".into()), "复核发现冷柜温度超标", &s.li).unwrap();
    s.t1.sync(&url).await.unwrap();
    s.t2.sync(&url).await.unwrap();
    s.t1.sync(&url).await.unwrap();

    let on_server = server_document(&url, &id, &s.t1).await.unwrap();
    let inspection = &on_server["inspection"];
    assert_eq!(inspection["status"], "locked");
    assert_eq!(inspection["result"], "责令改正");
    assert_eq!(inspection["findings"], "冷柜温度 9℃", "the offline edit was concurrent with the lock: kept");
    let amendment = &inspection["amendments"][0];
    assert_eq!(
        (amendment["by"].as_str(), amendment["reason"].as_str()),
        (Some("15080002"), Some("复核发现冷柜温度超标"))
    );
    assert_eq!(amendment["signature"].as_str().unwrap().len(), 128, "an Ed25519 signature in hex");
    for t in [&s.t1, &s.t2] {
        let view = t.show(&id).unwrap().inspection;
        assert_eq!(
            (view.status, view.result.as_str(), view.findings.as_str()),
            (Status::Locked, "责令改正", "冷柜温度 9℃")
        );
    }
    let heads = |t: &Terminal| t.document(&id).unwrap().heads();
    assert_eq!(heads(&s.t1), heads(&s.t2), "both terminals converge");
    // A second amendment, of the checklist, also goes in.
    let item = s.t1.show(&id).unwrap().inspection.checklist[0].id.clone();
    s.t1.amend(&id, Edit::SetChecklistNote { item_id: item, note: "营业执照已过期".into() }, "补记", &s.zhang).unwrap();
    s.t1.sync(&url).await.unwrap();
    let on_server = server_document(&url, &id, &s.t1).await.unwrap();
    assert_eq!(on_server["inspection"]["amendments"].as_array().unwrap().len(), 2);
    s.still_syncing().await;
}
