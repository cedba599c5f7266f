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
    let dir = TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let key_path = dir.path().join("authority.key");
    authority::init(&store, &key_path, "内蒙古自治区司法厅").unwrap();
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
    let t = Terminal::open(dir.path()).unwrap();
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
    let t = Terminal::open(dir.path()).unwrap();
    let (package, code) = a.issue("15080001", "张三");
    t.enrol(&package, &code, PIN).unwrap();
    let id = inspection(&t, "食品安全", "150802");
    let officer = t.unlock("15080001", PIN).unwrap();
    t.present(&id, &officer).unwrap();

    let pkcs8 = open_sealed(&EnrolmentPackage::from_bytes(&package).unwrap().key, &code).unwrap().unwrap();
    let seed = &pkcs8[16..48];
    let mut searched = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
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
    let t = Terminal::open(dir.path()).unwrap();
    let (package, code) = a.issue("15080001", "张三");
    assert_eq!(t.enrol(&package, "WRONG-CODE1", PIN).unwrap_err().code(), "wrong_code");
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
    assert!(t.trust_list().unwrap().authorities.is_empty());
    t.enrol(&package, &code, PIN).unwrap();
    assert_eq!(t.officers().unwrap().len(), 1);
}

/// CERT-3, CERT-4, CERT-5: presenting records a verifiable event; one officer cannot lock; two can; an item
/// outside a certificate's category or region is refused; nothing is edited after lock.
#[test]
fn cert_4_two_officers_present_then_lock() {
    let a = authority();
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let (p1, c1) = a.issue("15080001", "张三");
    let (p2, c2) = a.issue("15080002", "李四");
    t.enrol(&p1, &c1, PIN).unwrap();
    t.enrol(&p2, &c2, "739251").unwrap();
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
    assert_eq!(t.lock(&id).unwrap_err().code(), "not_enough_officers", "the same officer twice is one officer");
    t.present(&id, &li).unwrap();
    t.lock(&id).unwrap();

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
    let t = Terminal::open(dir.path()).unwrap();
    let (p1, c1) = a.issue("15080001", "张三");
    let (p2, c2) = a.issue("15080002", "李四");
    t.enrol(&p1, &c1, PIN).unwrap();
    t.enrol(&p2, &c2, "739251").unwrap();
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
