//! Officers on a terminal: enrolment, PIN protection (CERT-7), presentation (CERT-3), scope (CERT-5) and the
//! two-officer lock (CERT-4), with certificates issued by the server's real authority code.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use chrono::Utc;
use fieldtrail_core::identity::{EnrolmentPackage, IdentityError, Verdict, open_sealed};
use fieldtrail_core::{Edit, Kind, NewInspection, Party, Status};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::authority::{self, AuthorityKey, IssueRequest};
use fieldtrail_terminal::{Error, Terminal};
use tempfile::TempDir;

const PIN: &str = "482913";

/// A real JPEG portrait-sized photo.
fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(600, 800, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img).unwrap();
    out
}

struct Authority {
    _dir: TempDir,
    store: SqliteStore,
    key: AuthorityKey,
}

fn authority() -> Authority {
    authority_named("内蒙古自治区司法厅")
}

fn authority_named(name: &str) -> Authority {
    let dir = TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let key_path = dir.path().join("authority.key");
    authority::init(&store, &key_path, name).unwrap();
    let key = authority::load(&store, &key_path).unwrap();
    Authority { _dir: dir, store, key }
}

impl Authority {
    fn issue(&self, number: &str, name: &str) -> (Vec<u8>, String) {
        let now = Utc::now().timestamp();
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
        let issued = authority::issue(&self.store, &self.key, &req).unwrap();
        (issued.package.to_bytes(), issued.code)
    }

    /// Opens a terminal in `dir` whose administrator provisioned this authority's key (SEC-8).
    fn terminal(&self, dir: &std::path::Path) -> Terminal {
        let t = Terminal::open(dir).unwrap();
        t.provision_authority(&self.key.name, &self.key.public_key()).unwrap();
        t
    }

    /// Issues a certificate and enrols its officer on `t` with `pin`.
    fn enrol_on(&self, t: &Terminal, number: &str, name: &str, pin: &str) {
        let (package, code) = self.issue(number, name);
        t.enrol(&package, &code, pin).unwrap();
    }
}

fn inspection(t: &Terminal, category: &str, region: &str) -> String {
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
            position: fieldtrail_core::Position::default(),
            checklist: vec![],
        })
        .unwrap();
    t.edit(&id, &[Edit::SetScope { category: category.into(), region: region.into() }]).unwrap();
    id
}

/// CERT-7: wrong PINs back off, then lock the officer out for a while; the right PIN waits for the lock and
/// then works again. Another officer on the same tablet is not affected.
#[test]
fn cert_7_wrong_pins_back_off_and_lock() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    let (package, code) = a.issue("15080001", "张三");
    t.enrol(&package, &code, PIN).unwrap();
    let (other, other_code) = a.issue("15080002", "李四");
    t.enrol(&other, &other_code, "739251").unwrap();

    let t0 = 1_800_000_000;
    let wrong = |at: i64| t.unlock_at("15080001", "000001", at).unwrap_err();
    assert!(matches!(wrong(t0), Error::WrongPin { failures: 1, locked_for: 0 }));
    assert!(matches!(wrong(t0 + 1), Error::WrongPin { failures: 2, locked_for: 0 }));
    assert!(matches!(wrong(t0 + 2), Error::WrongPin { failures: 3, locked_for: 30 }));
    assert!(matches!(wrong(t0 + 3), Error::PinLocked { seconds: 29, .. }), "no guessing during the pause");
    assert!(matches!(wrong(t0 + 40), Error::WrongPin { failures: 4, locked_for: 60 }));
    assert!(matches!(wrong(t0 + 101), Error::WrongPin { failures: 5, locked_for: 900 }));
    // Locked: even the right PIN is refused, and restarting the app does not reset the count.
    let t = Terminal::open(dir.path()).unwrap();
    let err = t.unlock_at("15080001", PIN, t0 + 200).unwrap_err();
    assert!(matches!(err, Error::PinLocked { .. }), "{err}");
    assert_eq!(err.code(), "pin_locked");
    assert_eq!(t.officers().unwrap().iter().find(|o| o.certificate_number == "15080001").unwrap().failed_attempts, 5);
    assert!(t.unlock_at("15080002", "739251", t0 + 200).is_ok(), "the other officer still unlocks");
    // After the lock, the right PIN works and clears the count.
    assert!(t.unlock_at("15080001", PIN, t0 + 101 + 901).is_ok());
    assert_eq!(t.officers().unwrap().iter().find(|o| o.certificate_number == "15080001").unwrap().failed_attempts, 0);
}

/// CERT-7: the private key never touches disk in the clear: neither the PKCS#8 document nor the raw 32-byte
/// seed appears anywhere in the terminal's files.
#[test]
fn cert_7_private_key_is_never_stored_in_the_clear() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    let (package, code) = a.issue("15080001", "张三");
    t.enrol(&package, &code, PIN).unwrap();
    let id = inspection(&t, "食品安全", "150802");
    let officer = t.unlock("15080001", PIN).unwrap();
    t.present(&id, &officer).unwrap();

    let pkcs8 = open_sealed(&EnrolmentPackage::from_bytes(&package).unwrap().key, &code).unwrap().unwrap();
    let seed = &pkcs8[16..48];
    let mut searched = 0;
    // Every file, in subdirectories too (the officers' photos are kept in one).
    let mut files = vec![dir.path().to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        searched += bytes.len();
        assert!(!bytes.windows(pkcs8.len()).any(|w| w == pkcs8.as_slice()), "PKCS#8 found on disk");
        assert!(!bytes.windows(seed.len()).any(|w| w == seed), "private key seed found on disk");
    }
    assert!(searched > 10_000, "the database files were searched ({searched} bytes)");
}

#[test]
fn enrolment_refuses_bad_packages_codes_and_pins() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    let (package, code) = a.issue("15080001", "张三");
    let wrong = if code == "22222-22222" { "33333-33333" } else { "22222-22222" };
    assert_eq!(t.enrol(&package, wrong, PIN).unwrap_err().code(), "wrong_code");
    // A text that cannot be a code is refused before any key derivation, as what it is.
    assert_eq!(t.enrol(&package, "WRONG-CODE1", PIN).unwrap_err().code(), "bad_enrolment_code");
    // Nor is another prefix than the administrator's QR's.
    assert_eq!(t.enrol(&package, &format!("FTE2:{code}"), PIN).unwrap_err().code(), "bad_enrolment_code");
    for weak in ["12345", "111111", "123456", "987654", "12ab56", "1234567890123"] {
        assert_eq!(t.enrol(&package, &code, weak).unwrap_err().code(), "weak_pin", "{weak}");
    }
    assert!(matches!(t.enrol(b"not a package", &code, PIN), Err(Error::Identity(IdentityError::Malformed(_)))));
    // A certificate changed inside the package no longer verifies against its authority.
    let mut tampered = EnrolmentPackage::from_bytes(&package).unwrap();
    let n = tampered.certificate.len() / 2;
    tampered.certificate[n] ^= 1;
    let err = t.enrol(&tampered.to_bytes(), &code, PIN).unwrap_err();
    assert_eq!(err.code(), "certificate_not_valid", "{err}");
    assert!(t.officers().unwrap().is_empty(), "nothing was enrolled");
    assert_eq!(t.trust_list().unwrap().authorities.len(), 1, "only the provisioned authority");
    // The code as scanned from the administrator's QR (`FTE1:`), here typed in lower case, is the same code.
    t.enrol(&package, &format!("FTE1:{}", code.to_lowercase()), PIN).unwrap();
    assert_eq!(t.officers().unwrap().len(), 1);
}

/// CERT-3, CERT-4, CERT-5: presenting records a verifiable event; one officer cannot lock; two can; an item
/// outside a certificate's category or region is refused; nothing is edited after lock.
#[test]
fn cert_4_two_officers_present_then_lock() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    a.enrol_on(&t, "15080001", "张三", PIN);
    a.enrol_on(&t, "15080002", "李四", "739251");
    let zhang = t.unlock("15080001", PIN).unwrap();
    let li = t.unlock("15080002", "739251").unwrap();

    let outside = inspection(&t, "交通运输", "150802");
    assert_eq!(t.present(&outside, &zhang).unwrap_err().code(), "out_of_scope");
    let elsewhere = inspection(&t, "食品安全", "150202");
    assert!(t.present(&elsewhere, &zhang).unwrap_err().to_string().contains("150202"));

    let id = inspection(&t, "食品安全", "150802");
    let shown = t.present(&id, &zhang).unwrap();
    let v = t.verify_qr(&shown.to_qr_text(), Some(&id)).unwrap();
    assert_eq!(v.verdict, Verdict::Valid, "{}", v.detail);
    assert_eq!(t.verify_qr(&shown.to_qr_text(), Some(&outside)).unwrap().verdict, Verdict::WrongInspection);
    t.present(&id, &zhang).unwrap();
    assert_eq!(t.lock(&id, &zhang).unwrap_err().code(), "not_enough_officers", "the same officer twice is one officer");
    t.present(&id, &li).unwrap();
    t.lock(&id, &li).unwrap();

    let view = t.show(&id).unwrap().inspection;
    assert_eq!(view.status, Status::Locked);
    assert_eq!(view.presentations.len(), 3);
    assert_eq!(view.presentations[2].name, "李四");
    let err = t.edit(&id, &[Edit::SetResult("合格".into())]).unwrap_err();
    assert_eq!(err.code(), "locked");
    assert!(t.present(&id, &li).is_err(), "no presenting into a locked case either");
}

/// REC-2: evidence captured by an unlocked officer carries the officer's signature beside the device's; it
/// verifies with the key in that officer's certificate and with no other.
#[test]
fn rec_2_evidence_is_signed_by_the_capturing_officer() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    a.enrol_on(&t, "15080001", "张三", PIN);
    a.enrol_on(&t, "15080002", "李四", "739251");
    let zhang = std::sync::Arc::new(t.unlock("15080001", PIN).unwrap());
    let li = t.unlock("15080002", "739251").unwrap();
    let id = inspection(&t, "食品安全", "150802");
    let capture = fieldtrail_terminal::Capture { signer: Some(zhang.clone()), ..Default::default() };
    let evidence = t.add_evidence(&id, photo().as_slice(), &capture).unwrap();
    assert_eq!(evidence.officer.as_deref(), Some("15080001"));
    let key = &zhang.certificate().body().holder_key;
    evidence.verify_signatures(Some(key)).unwrap();
    assert!(evidence.verify_signatures(Some(&li.certificate().body().holder_key)).is_err(), "another officer's key");
    let mut moved = evidence.clone();
    moved.latitude = Some(41.0);
    assert!(moved.verify_signatures(Some(key)).is_err(), "a changed place breaks both signatures");
    let unsigned = t.add_evidence(&id, b"RIFF....WAVEfmt ".as_slice(), &Default::default());
    assert!(unsigned.is_err() || unsigned.unwrap().verify_signatures(Some(key)).is_err());
}

/// Two officers present, one locks; returns (terminal dir, terminal, inspection id, 张三, 李四).
fn locked_case(
    a: &Authority,
) -> (TempDir, Terminal, String, fieldtrail_terminal::UnlockedOfficer, fieldtrail_terminal::UnlockedOfficer) {
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    a.enrol_on(&t, "15080001", "张三", PIN);
    a.enrol_on(&t, "15080002", "李四", "739251");
    let zhang = t.unlock("15080001", PIN).unwrap();
    let li = t.unlock("15080002", "739251").unwrap();
    let id = inspection(&t, "食品安全", "150802");
    t.edit(&id, &[Edit::SetResult("合格".into()), Edit::SetFindings("货架整洁。".into())]).unwrap();
    t.present(&id, &zhang).unwrap();
    t.present(&id, &li).unwrap();
    t.lock(&id, &zhang).unwrap();
    (dir, t, id, zhang, li)
}

/// REC-4: the lock is the locking officer's signature over the document's heads; a lock naming someone else,
/// or signed by another key, is refused; after lock only amendments with a reason go in, and the earlier text
/// stays readable.
#[test]
fn rec_4_lock_is_signed_and_changes_after_it_are_amendments() {
    let a = authority();
    let (_dir, t, id, zhang, li) = locked_case(&a);
    let view = t.show(&id).unwrap().inspection;
    let lock = view.lock.clone().unwrap();
    assert_eq!(lock.by, "15080001");
    assert!(fieldtrail_core::verify_lock(&id, &lock, &zhang.certificate().body().holder_key));
    assert!(!fieldtrail_core::verify_lock(&id, &lock, &li.certificate().body().holder_key));
    assert!(!fieldtrail_core::verify_lock("another-case", &lock, &zhang.certificate().body().holder_key));

    assert_eq!(t.edit(&id, &[Edit::SetResult("不合格".into())]).unwrap_err().code(), "locked");
    assert_eq!(t.amend(&id, Edit::SetResult("责令改正".into()), " ", &li).unwrap_err().code(), "invalid_input");
    t.amend(&id, Edit::SetResult("责令改正".into()), "复核发现冷柜温度超标", &li).unwrap();
    let view = t.show(&id).unwrap().inspection;
    assert_eq!(view.result, "责令改正");
    let amendment = &view.amendments[0];
    assert_eq!((amendment.what.as_str(), amendment.by.as_str()), ("set result", "15080002"));
    assert!(amendment.before.contains("合格") && amendment.after.contains("责令改正"), "{amendment:?}");
    assert_eq!(amendment.reason, "复核发现冷柜温度超标");
    assert!(
        t.amend(&id, Edit::SetResult("责令改正".into()), "再次", &li).is_err(),
        "an amendment that changes nothing"
    );

    // A second terminal's inspection that is not locked takes no amendments.
    let open = inspection(&t, "食品安全", "150802");
    assert!(t.amend(&open, Edit::SetResult("x".into()), "理由", &li).is_err());
}

#[test]
fn rec_4_forged_locks_are_refused() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    let (p1, c1) = a.issue("15080001", "张三");
    let (p2, c2) = a.issue("15080002", "李四");
    let (p3, c3) = a.issue("15080003", "王五");
    t.enrol(&p1, &c1, PIN).unwrap();
    t.enrol(&p2, &c2, "739251").unwrap();
    t.enrol(&p3, &c3, "615083").unwrap();
    let zhang = t.unlock("15080001", PIN).unwrap();
    let li = t.unlock("15080002", "739251").unwrap();
    let wang = t.unlock("15080003", "615083").unwrap();
    let id = inspection(&t, "食品安全", "150802");
    t.present(&id, &zhang).unwrap();
    t.present(&id, &li).unwrap();
    assert!(t.lock(&id, &wang).is_err(), "an officer who did not present cannot lock");
    let mut heads: Vec<String> = t.document(&id).unwrap().heads().iter().map(|h| h.to_string()).collect();
    heads.sort();
    // Claims to be 李四's lock, but carries someone else's signature bytes.
    let forged = fieldtrail_core::LockRecord {
        by: "15080002".into(),
        at: "2026-11-21T10:00:00Z".into(),
        heads,
        signature: "00".repeat(64),
    };
    assert_eq!(t.edit(&id, &[Edit::Lock(forged)]).unwrap_err().code(), "invalid_input");
    assert_ne!(t.show(&id).unwrap().inspection.status, Status::Locked);
}

/// REC-5, REC-6: the party's signature is an image kept as evidence; a refusal is recorded with what was said;
/// interference is recorded truthfully.
#[test]
fn rec_5_party_signature_refusal_and_interference() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    let (p1, c1) = a.issue("15080001", "张三");
    t.enrol(&p1, &c1, PIN).unwrap();
    let zhang = std::sync::Arc::new(t.unlock("15080001", PIN).unwrap());
    let id = inspection(&t, "食品安全", "150802");
    let sha = t.party_signed(&id, &photo(), Some(zhang.clone()), Default::default()).unwrap();
    let view = t.show(&id).unwrap().inspection;
    let signature = view.party_signature.unwrap();
    assert!(signature.signed);
    assert_eq!(signature.evidence.as_deref(), Some(sha.as_str()));
    assert!(t.list_evidence(&id).unwrap().iter().any(|e| e.sha256 == sha), "the image is evidence");
    assert!(t.party_signed(&id, b"not an image", None, Default::default()).is_err());

    let other = inspection(&t, "食品安全", "150802");
    assert!(t.signature_refused(&other, "").is_err(), "a refusal records what was said");
    t.signature_refused(&other, "当事人称需咨询律师，拒绝签字").unwrap();
    let refused = t.show(&other).unwrap().inspection.party_signature.unwrap();
    assert!(!refused.signed && refused.reason.contains("律师"));

    t.record_interference(&other, "某领导来电要求从轻处理", &zhang).unwrap();
    let interference = &t.show(&other).unwrap().inspection.interferences[0];
    assert_eq!(
        (interference.recorded_by.as_str(), interference.description.as_str()),
        ("15080001", "某领导来电要求从轻处理")
    );
}

/// REC-3: the timeline replays every step: who (which device), when (its clock), what, and what it changed.
#[test]
fn rec_3_timeline_replays_the_case() {
    let a = authority();
    let (_dir, t, id, _zhang, li) = locked_case(&a);
    t.amend(&id, Edit::SetResult("责令改正".into()), "复核", &li).unwrap();
    let timeline = t.timeline(&id).unwrap();
    let what: Vec<&str> = timeline.iter().map(|s| s.what.as_str()).collect();
    assert_eq!(what[0], "create inspection");
    for step in ["set scope", "present certificate", "lock", "amend"] {
        assert!(what.contains(&step), "{step} missing from {what:?}");
    }
    assert_eq!(what.iter().filter(|w| **w == "present certificate").count(), 2);
    assert!(timeline.iter().all(|s| s.actor == t.device_id()), "every step is this device's");
    let amend = timeline.iter().find(|s| s.what == "amend").unwrap();
    assert!(amend.changes.iter().any(|c| c.contains("result = \"责令改正\"")), "{:?}", amend.changes);
    let findings = timeline.iter().find(|s| s.changes.iter().any(|c| c.contains("货架整洁"))).unwrap();
    assert!(findings.changes.iter().any(|c| c.starts_with("findings")), "{:?}", findings.changes);
}

/// A copy of a terminal's data directory, tampered with by `sql` run straight on its database.
fn tampered(dir: &std::path::Path, tamper: impl FnOnce(&rusqlite::Connection)) -> (TempDir, Vec<String>) {
    let copy = TempDir::new().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).unwrap();
        }
    }
    tamper(&rusqlite::Connection::open(copy.path().join("terminal.db")).unwrap());
    let problems = Terminal::open(copy.path()).unwrap().verify_history().unwrap().problems;
    (copy, problems)
}

/// An inspection's automerge document as stored: its save and the chunks appended since.
fn stored_doc(c: &rusqlite::Connection, id: &str) -> automerge::AutoCommit {
    let saved: Vec<u8> = c.query_row("SELECT saved FROM documents WHERE id = ?1", [id], |r| r.get(0)).unwrap();
    let mut doc = automerge::AutoCommit::load(&saved).unwrap();
    let mut stmt = c.prepare("SELECT bytes FROM document_chunks WHERE doc_id = ?1 ORDER BY id").unwrap();
    for chunk in stmt.query_map([id], |r| r.get::<_, Vec<u8>>(0)).unwrap() {
        doc.load_incremental(&chunk.unwrap()).unwrap();
    }
    doc
}

/// Stores what `doc` gained since `before` as a chunk, and, with `log_it`, appends it to the change log with
/// correctly recomputed links, as someone covering their tracks would.
fn store_behind_the_terminal(
    c: &rusqlite::Connection,
    id: &str,
    doc: &mut automerge::AutoCommit,
    before: &[automerge::ChangeHash],
    log_it: bool,
) {
    c.execute(
        "INSERT INTO document_chunks (doc_id, bytes) VALUES (?1, ?2)",
        rusqlite::params![id, doc.save_after(before)],
    )
    .unwrap();
    if !log_it {
        return;
    }
    let (mut seq, mut previous): (i64, Vec<u8>) = c
        .query_row("SELECT seq, link FROM change_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    for change in doc.get_changes(before) {
        seq += 1;
        let link = fieldtrail_terminal::history::link(&previous, seq, id, &change.hash().0, change.raw_bytes());
        c.execute(
            "INSERT INTO change_log (seq, doc_id, hash, bytes, link) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![seq, id, change.hash().0.as_slice(), change.raw_bytes(), &link],
        )
        .unwrap();
        previous = link;
    }
}

/// Rewrites the lock's signature with automerge directly, as someone with the database could.
fn swap_lock_signature(c: &rusqlite::Connection, id: &str, also_log_it: bool) {
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    let mut doc = stored_doc(c, id);
    let before = doc.get_heads();
    let (_, lock) = doc.get(automerge::ROOT, "lock").unwrap().unwrap();
    doc.put(&lock, "signature", "ab".repeat(64)).unwrap();
    doc.commit();
    store_behind_the_terminal(c, id, &mut doc, &before, also_log_it);
}

/// TRAIL-1 on the terminal: an honest history verifies clean; a change-log row edited, deleted or moved, a
/// change slipped into a document behind the log, and a swapped lock signature are each found and named.
#[test]
fn trail_1_tampering_with_the_terminal_database_is_named() {
    let a = authority();
    let (dir, t, id, _zhang, li) = locked_case(&a);
    t.amend(&id, Edit::SetResult("责令改正".into()), "复核", &li).unwrap();
    let honest = t.verify_history().unwrap();
    assert!(honest.is_clean(), "{:?}", honest.problems);
    assert!(honest.rows >= 7 && honest.documents == 1, "{honest:?}");
    drop(t);

    let (_c, problems) = tampered(dir.path(), |c| {
        c.execute("UPDATE change_log SET bytes = CAST(bytes || x'00' AS BLOB) WHERE seq = 3", []).unwrap();
    });
    assert!(problems.iter().any(|p| p.contains("row 3 was edited")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("row 3: its bytes do not hash")), "{problems:?}");

    let (_c, problems) = tampered(dir.path(), |c| {
        c.execute("DELETE FROM change_log WHERE seq = 2", []).unwrap();
    });
    assert!(problems.iter().any(|p| p.contains("rows 2 to 2 are missing")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("never recorded")), "{problems:?}");

    let (_c, problems) = tampered(dir.path(), |c| {
        c.execute_batch(
            "UPDATE change_log SET seq = -2 WHERE seq = 2; UPDATE change_log SET seq = 2 WHERE seq = 3;
             UPDATE change_log SET seq = 3 WHERE seq = -2;",
        )
        .unwrap();
    });
    assert!(problems.iter().any(|p| p.contains("row 2 was edited or moved")), "{problems:?}");

    // A lock signature swapped behind the log's back: both the unlogged change and the bad lock are named.
    let (_c, problems) = tampered(dir.path(), |c| swap_lock_signature(c, &id, false));
    assert!(problems.iter().any(|p| p.contains("never recorded")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("lock's signature does not hold")), "{problems:?}");
    // ...and by someone who also forged the log's chain: the lock's signature still gives it away.
    let (_c, problems) = tampered(dir.path(), |c| swap_lock_signature(c, &id, true));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("lock's signature does not hold"), "{problems:?}");
}

/// Rewrites a bundle, changing its entries with `change` (name, bytes) -> Some(new bytes) or None to drop.
fn rewrite_bundle(from: &std::path::Path, to: &std::path::Path, change: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) {
    use std::io::Read;
    let mut archive = tar::Archive::new(std::fs::File::open(from).unwrap());
    let mut out = tar::Builder::new(std::fs::File::create(to).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if let Some(bytes) = change(&name, bytes) {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o444);
            header.set_cksum();
            out.append_data(&mut header, &name, bytes.as_slice()).unwrap();
        }
    }
    out.finish().unwrap();
}

/// TRAIL-3: a case exported as one file verifies on a machine that has never seen the server or the terminal,
/// with a readable report; a changed or missing evidence file and an untrusted authority are named.
#[test]
fn trail_3_case_bundle_verifies_offline() {
    use fieldtrail_server::store::Store;
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    a.enrol_on(&t, "15080001", "张三", PIN);
    a.enrol_on(&t, "15080002", "李四", "739251");
    let zhang = std::sync::Arc::new(t.unlock("15080001", PIN).unwrap());
    let li = t.unlock("15080002", "739251").unwrap();
    let id = inspection(&t, "食品安全", "150802");
    t.present(&id, &zhang).unwrap();
    t.present(&id, &li).unwrap();
    let capture = fieldtrail_terminal::Capture { signer: Some(zhang.clone()), ..Default::default() };
    let photo_sha = t.add_evidence(&id, photo().as_slice(), &capture).unwrap().sha256;
    t.party_signed(&id, &photo()[..], Some(zhang.clone()), Default::default()).unwrap();
    t.lock(&id, &zhang).unwrap();
    t.amend(&id, Edit::SetResult("责令改正".into()), "复核", &li).unwrap();

    let bundle = dir.path().join("case.ftbundle");
    let manifest = t.export_bundle(&id, &bundle).unwrap();
    assert_eq!(manifest.evidence.len(), 1, "the party's signature image is the same bytes as the photo here");
    drop(t);
    let elsewhere = TempDir::new().unwrap();
    let copy = elsewhere.path().join("case.ftbundle");
    std::fs::copy(&bundle, &copy).unwrap();

    let report = fieldtrail_terminal::bundle::verify_bundle(&copy, &[], &[]).unwrap();
    assert!(report.is_clean(), "{}", report.render());
    let text = report.render();
    for expected in [
        "hash-linked",
        "张三 (15080001)",
        "locked by 15080001",
        "two certified officers",
        "intact; signed by device and officer",
        "party signed",
        "reason: 复核; signature verifies",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
    let (_, authority_key) = a.store.transact(|tx| tx.authority()).unwrap().unwrap();
    assert!(fieldtrail_terminal::bundle::verify_bundle(&copy, &[authority_key], &[]).unwrap().is_clean());
    let stranger = fieldtrail_core::identity::public_key_of(
        &ring::signature::Ed25519KeyPair::from_seed_unchecked(&[9; 32]).unwrap(),
    );
    let untrusted = fieldtrail_terminal::bundle::verify_bundle(&copy, &[stranger], &[]).unwrap();
    assert!(!untrusted.is_clean() && untrusted.render().contains("unknown_issuer"), "{}", untrusted.render());

    let flipped = elsewhere.path().join("flipped.ftbundle");
    rewrite_bundle(&copy, &flipped, |name, mut bytes| {
        if name.starts_with("evidence/") {
            bytes[100] ^= 1;
        }
        Some(bytes)
    });
    let report = fieldtrail_terminal::bundle::verify_bundle(&flipped, &[], &[]).unwrap();
    assert!(
        report.render().contains(&format!("evidence {}", &photo_sha[..12])) && !report.is_clean(),
        "{}",
        report.render()
    );
    let dropped = elsewhere.path().join("dropped.ftbundle");
    rewrite_bundle(&copy, &dropped, |name, bytes| (!name.starts_with("evidence/")).then_some(bytes));
    let report = fieldtrail_terminal::bundle::verify_bundle(&dropped, &[], &[]).unwrap();
    assert!(report.render().contains("missing from the bundle"), "{}", report.render());
}

/// TRAIL-1, REC-2: evidence metadata rewritten in the database (here: where the photo was taken), even with
/// the change log's chain recomputed, no longer matches its signatures, and `verify_history` names it.
#[test]
fn trail_1_rewritten_evidence_metadata_is_named() {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ROOT, ReadDoc, Value};
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    let (p1, c1) = a.issue("15080001", "张三");
    t.enrol(&p1, &c1, PIN).unwrap();
    let zhang = std::sync::Arc::new(t.unlock("15080001", PIN).unwrap());
    let id = inspection(&t, "食品安全", "150802");
    t.present(&id, &zhang).unwrap();
    let capture = fieldtrail_terminal::Capture {
        signer: Some(zhang),
        position: fieldtrail_core::Position::Fix(
            fieldtrail_core::Fix::parse("40.75,107.39,8", chrono::Utc::now(), fieldtrail_core::PositionSource::Entered)
                .unwrap(),
        ),
        ..Default::default()
    };
    t.add_evidence(&id, photo().as_slice(), &capture).unwrap();
    assert!(t.verify_history().unwrap().is_clean());
    drop(t);
    let (_c, problems) = tampered(dir.path(), |c| {
        let mut doc = stored_doc(c, &id);
        let before = doc.get_heads();
        let Some((Value::Object(ObjType::List), list)) = doc.get(ROOT, "evidence").unwrap() else {
            panic!("no evidence list")
        };
        let (_, item) = doc.get(&list, 0).unwrap().unwrap();
        doc.put(&item, "latitude", 41.0).unwrap();
        doc.commit();
        store_behind_the_terminal(c, &id, &mut doc, &before, true);
    });
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("signature over evidence"), "{problems:?}");
}

/// Every row of every table of the terminal's database: equal dumps mean nothing was stored.
fn dump(dir: &std::path::Path) -> String {
    let c = rusqlite::Connection::open(dir.join("terminal.db")).unwrap();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = String::new();
    for table in tables {
        let mut stmt = c.prepare(&format!("SELECT * FROM {table} ORDER BY 1")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let values: Vec<String> = (0..n).map(|i| format!("{:?}", row.get_ref(i).unwrap())).collect();
            out.push_str(&format!("{table}: {}\n", values.join(" | ")));
        }
    }
    out
}

/// SEC-8, CERT-1: a terminal trusts only the authority keys its administrator provisioned. A package from an
/// authority someone made up is refused, even when the package names the real authority as its own: the
/// certificate's signature decides, not the package's claim. Nothing is stored, and the made-up key is trusted
/// nowhere afterwards; the provisioned authority's officers still enrol.
#[test]
fn sec_8_enrolment_trusts_only_provisioned_authority_keys() {
    let real = authority();
    let rogue = authority_named("内蒙古自治区司法厅");
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();

    // Before provisioning, not even the real authority's package enrols.
    let (package, code) = real.issue("15080001", "张三");
    let before = dump(dir.path());
    let err = t.enrol(&package, &code, PIN).unwrap_err();
    assert_eq!(err.code(), "authority_not_provisioned", "{err}");
    assert!(err.to_string().contains("trust add-authority"), "{err}");
    assert_eq!(dump(dir.path()), before, "a refused enrolment stores nothing");

    t.provision_authority(&real.key.name, &real.key.public_key()).unwrap();
    let provisioned = dump(dir.path());
    // A rogue package that claims the real authority's name and key: its certificate is signed by the rogue key.
    let (forged, forged_code) = rogue.issue("15089999", "假冒");
    let mut claims_real = EnrolmentPackage::from_bytes(&forged).unwrap();
    claims_real.authority =
        fieldtrail_core::identity::Authority { name: real.key.name.clone(), public_key: real.key.public_key() };
    for package in [forged.clone(), claims_real.to_bytes()] {
        let err = t.enrol(&package, &forged_code, PIN).unwrap_err();
        assert_eq!(err.code(), "authority_not_provisioned", "{err}");
        assert_eq!(dump(dir.path()), provisioned, "a refused enrolment stores nothing");
    }
    let trusted = t.trust_list().unwrap().authorities;
    assert_eq!(trusted.len(), 1);
    assert_eq!(trusted[0].public_key, real.key.public_key(), "the rogue key is trusted nowhere");
    // The rogue's certificate does not verify here either.
    let rogue_cert = EnrolmentPackage::from_bytes(&forged).unwrap().certificate;
    let qr = fieldtrail_core::identity::Certificate::decode(&rogue_cert).unwrap().to_qr_text();
    assert_eq!(t.verify_qr(&qr, None).unwrap().verdict, Verdict::UnknownIssuer);

    // The provisioned path works.
    let o = t.enrol(&package, &code, PIN).unwrap();
    assert_eq!((o.certificate_number.as_str(), o.name.as_str()), ("15080001", "张三"));
    assert!(t.unlock("15080001", PIN).is_ok());
}

/// SEC-8, CERT-7: a package that asks for an absurd key derivation is refused before any derivation runs
/// (4 GiB of memory would take a tablet down, 2^32 passes would never end); nothing is stored.
#[test]
fn sec_8_enrolment_refuses_absurd_kdf_parameters() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = a.terminal(dir.path());
    let (package, code) = a.issue("15080001", "张三");
    let before = dump(dir.path());
    let d = fieldtrail_core::identity::KdfParams::default();
    for kdf in [
        fieldtrail_core::identity::KdfParams { memory_kib: 4 * 1024 * 1024, ..d },
        fieldtrail_core::identity::KdfParams { passes: u32::MAX, ..d },
        fieldtrail_core::identity::KdfParams { lanes: 0, ..d },
    ] {
        let mut absurd = EnrolmentPackage::from_bytes(&package).unwrap();
        absurd.key.kdf = kdf;
        let err = t.enrol(&absurd.to_bytes(), &code, PIN).unwrap_err();
        assert_eq!(err.code(), "kdf_out_of_bounds", "{kdf:?}: {err}");
        assert_eq!(dump(dir.path()), before, "a refused enrolment stores nothing");
    }
    t.enrol(&package, &code, PIN).unwrap();
}

/// SEC-8: the administrator's provisioning, with the real CLI as the README shows: a key that is not a 32-byte
/// Ed25519 key is refused; `trust list` shows what is trusted, by name and key id.
#[test]
fn sec_8_trust_add_authority_with_the_cli() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_fieldtrail-terminal"))
            .arg("--data")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let bad = cli(&["trust", "add-authority", "abcd", "--name", "x"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("32-byte"), "{}", String::from_utf8_lossy(&bad.stderr));
    let key = hex::encode(a.key.public_key());
    let ok = cli(&["trust", "add-authority", &key, "--name", &a.key.name]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let list = String::from_utf8(cli(&["trust", "list"]).stdout).unwrap();
    let kid = hex::encode(fieldtrail_core::identity::key_id(&a.key.public_key()));
    assert!(list.contains(&kid) && list.contains(&a.key.name), "{list}");
    let t = Terminal::open(dir.path()).unwrap();
    let (package, code) = a.issue("15080001", "张三");
    t.enrol(&package, &code, PIN).unwrap();
}
