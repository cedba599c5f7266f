//! Certificates, revocation and presentations verified offline: every verdict (CERT-1, CERT-2, CERT-3), and
//! the rules of who may act (CERT-4, CERT-5).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::identity::*;
use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;

const DAY: i64 = 86_400;
const T0: i64 = 1_795_000_000; // 2026-11-18

fn keypair() -> Ed25519KeyPair {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
}

struct Fixture {
    authority: Ed25519KeyPair,
    trust: TrustList,
    holder: Ed25519KeyPair,
    cert: Certificate,
}

fn body(number: &str, holder: &Ed25519KeyPair, kind: CertificateKind) -> CertificateBody {
    CertificateBody {
        number: number.into(),
        name: "张三".into(),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec!["市场监管".into(), "食品安全".into()],
        regions: vec!["1508".into()],
        valid_from: T0 - 30 * DAY,
        valid_to: T0 + 365 * DAY,
        kind,
        holder_key: public_key_of(holder),
        photo_sha256: vec![7; 32],
        photo: vec![0xFF, 0xD8, 0xFF, 0xD9],
        issuer: "内蒙古自治区司法厅".into(),
        issued_at: T0 - 30 * DAY,
    }
}

fn fixture() -> Fixture {
    let authority = keypair();
    let trust = TrustList::new(vec![Authority {
        name: "内蒙古自治区司法厅".into(),
        public_key: public_key_of(&authority),
    }]);
    let holder = keypair();
    let cert = Certificate::issue(&body("15080001", &holder, CertificateKind::Officer), &authority).unwrap();
    Fixture { authority, trust, holder, cert }
}

/// CERT-1: an issued certificate verifies offline and carries everything it says.
#[test]
fn cert_1_valid_certificate_round_trips_through_qr_text() {
    let f = fixture();
    let qr = f.cert.to_qr_text();
    assert!(qr.starts_with("FT1:"));
    let back = Certificate::from_qr_text(&qr).unwrap();
    assert_eq!(back, f.cert);
    let v = verify_certificate(back.bytes(), &f.trust, None, T0);
    assert_eq!(v.verdict, Verdict::Valid, "{}", v.detail);
    assert_eq!(v.certificate.unwrap().categories, ["市场监管", "食品安全"]);
}

#[test]
fn cert_1_validity_window() {
    let f = fixture();
    assert_eq!(verify_certificate(f.cert.bytes(), &f.trust, None, T0 - 31 * DAY).verdict, Verdict::NotYetValid);
    assert_eq!(verify_certificate(f.cert.bytes(), &f.trust, None, T0 + 366 * DAY).verdict, Verdict::Expired);
}

/// CERT-1: one byte changed anywhere in the signed bytes breaks it.
#[test]
fn cert_1_a_changed_byte_is_caught() {
    let f = fixture();
    let bytes = f.cert.bytes().to_vec();
    let mut bad_signature = 0;
    for i in 0..bytes.len() {
        let mut tampered = bytes.clone();
        tampered[i] ^= 0x01;
        let v = verify_certificate(&tampered, &f.trust, None, T0);
        assert_ne!(v.verdict, Verdict::Valid, "byte {i} changed and it still verified");
        bad_signature += usize::from(v.verdict == Verdict::BadSignature);
    }
    assert!(bad_signature > bytes.len() / 2, "most changes are caught by the signature, not the parser");
}

#[test]
fn cert_1_signed_by_another_key() {
    let f = fixture();
    let impostor = keypair();
    let forged = Certificate::issue(&body("15080001", &f.holder, CertificateKind::Officer), &impostor).unwrap();
    assert_eq!(verify_certificate(forged.bytes(), &f.trust, None, T0).verdict, Verdict::UnknownIssuer);
    // The impostor's signature under the real authority's key id: a bad signature, not an unknown issuer.
    let other_trust =
        TrustList::new(vec![Authority { name: "假机关".into(), public_key: public_key_of(&impostor) }]);
    assert_eq!(verify_certificate(f.cert.bytes(), &other_trust, None, T0).verdict, Verdict::UnknownIssuer);
}

#[test]
fn cert_1_malformed_inputs() {
    let f = fixture();
    for bad in [&b""[..], b"FT1:", b"hello", &[0xd2, 0x84]] {
        assert_eq!(verify_certificate(bad, &f.trust, None, T0).verdict, Verdict::Malformed);
    }
    for text in ["", "FT1:", "FT1:!!!!", "HC1:NCFOXN", "FT1:AB", "FTP1:ABC"] {
        assert!(Certificate::from_qr_text(text).is_err(), "{text}");
    }
    let qr = f.cert.to_qr_text();
    assert!(Certificate::from_qr_text(&qr[..qr.len() - 7]).is_err(), "a truncated QR is refused");
}

/// CERT-2: a certificate revoked after it was issued is valid before the revocation and revoked after it,
/// as seen by a terminal holding the newer list; a suspension lifted in a later list no longer counts.
#[test]
fn cert_2_suspension_revocation_and_list_age() {
    let f = fixture();
    let suspended = RevocationList::sign(
        1,
        T0,
        vec![RevocationEntry { number: "15080001".into(), status: RevocationStatus::Suspended, since: T0 }],
        &f.authority,
    )
    .unwrap();
    let list = RevocationList::verify(suspended.bytes(), &f.trust).unwrap();
    let v = verify_certificate(f.cert.bytes(), &f.trust, Some(&list), T0 + 3600);
    assert_eq!((v.verdict, v.revocation_version, v.revocation_age), (Verdict::Suspended, Some(1), Some(3600)));
    assert_eq!(verify_certificate(f.cert.bytes(), &f.trust, Some(&list), T0 - 1).verdict, Verdict::Valid);

    let reinstated = RevocationList::sign(2, T0 + DAY, vec![], &f.authority).unwrap();
    let list = RevocationList::verify(reinstated.bytes(), &f.trust).unwrap();
    assert_eq!(verify_certificate(f.cert.bytes(), &f.trust, Some(&list), T0 + DAY).verdict, Verdict::Valid);

    let revoked = RevocationList::sign(
        3,
        T0 + 2 * DAY,
        vec![RevocationEntry { number: "15080001".into(), status: RevocationStatus::Revoked, since: T0 + 2 * DAY }],
        &f.authority,
    )
    .unwrap();
    let list = RevocationList::verify(revoked.bytes(), &f.trust).unwrap();
    assert_eq!(verify_certificate(f.cert.bytes(), &f.trust, Some(&list), T0 + 3 * DAY).verdict, Verdict::Revoked);
}

#[test]
fn cert_2_a_list_not_signed_by_a_trusted_authority_is_refused() {
    let f = fixture();
    let forged = RevocationList::sign(9, T0, vec![], &keypair()).unwrap();
    assert_eq!(RevocationList::verify(forged.bytes(), &f.trust).unwrap_err(), IdentityError::UnknownIssuer);
    let real = RevocationList::sign(1, T0, vec![], &f.authority).unwrap();
    let mut tampered = real.bytes().to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(matches!(RevocationList::verify(&tampered, &f.trust), Err(IdentityError::BadSignature(_))));
}

/// CERT-3: a presentation verifies for its inspection, and is refused for another one, when stale, when signed
/// by someone other than the holder, or when its certificate is revoked.
#[test]
fn cert_3_presentations() {
    let f = fixture();
    let p = Presentation::create(&f.cert, &f.holder, "case-1", T0, [1; 16]).unwrap();
    let qr = p.to_qr_text();
    assert!(qr.starts_with("FTP1:"));
    let bytes = Presentation::from_qr_text(&qr).unwrap().bytes().to_vec();
    let live = |id: &str, at: i64| verify_presentation(&bytes, &f.trust, None, at, Some(id), Some(900));
    let v = live("case-1", T0 + 60);
    assert_eq!(v.verdict, Verdict::Valid, "{}", v.detail);
    assert_eq!((v.inspection_id.as_deref(), v.presented_at), (Some("case-1"), Some(T0)));
    assert_eq!(live("case-2", T0 + 60).verdict, Verdict::WrongInspection, "replayed for another inspection");
    assert_eq!(live("case-1", T0 + 3600).verdict, Verdict::Stale);

    // Someone with the certificate but not the holder's key cannot present it.
    assert!(Presentation::create(&f.cert, &keypair(), "case-1", T0, [2; 16]).is_err());
    let mut tampered = bytes.clone();
    let n = tampered.len() - 3;
    tampered[n] ^= 1;
    assert_eq!(verify_presentation(&tampered, &f.trust, None, T0, None, None).verdict, Verdict::BadSignature);

    let revoked = RevocationList::sign(
        1,
        T0 + 10,
        vec![RevocationEntry { number: "15080001".into(), status: RevocationStatus::Revoked, since: T0 + 10 }],
        &f.authority,
    )
    .unwrap();
    let next = Presentation::create(&f.cert, &f.holder, "case-3", T0 + 100, [3; 16]).unwrap();
    let v = verify_presentation(next.bytes(), &f.trust, Some(&revoked), T0 + 100, Some("case-3"), Some(900));
    assert_eq!(v.verdict, Verdict::Revoked);
    assert_eq!(verify_presentation(b"FTP1:xyz", &f.trust, None, T0, None, None).verdict, Verdict::Malformed);
}

/// CERT-4: two different officers with valid officer certificates, proven by their own signatures.
#[test]
fn cert_4_two_officers_needed_to_lock() {
    let f = fixture();
    let second_holder = keypair();
    let second = Certificate::issue(&body("15080002", &second_holder, CertificateKind::Officer), &f.authority).unwrap();
    let supervisor_key = keypair();
    let supervisor =
        Certificate::issue(&body("JD0001", &supervisor_key, CertificateKind::Supervisor), &f.authority).unwrap();
    let check = |cert: &Certificate, key: &Ed25519KeyPair| {
        let p = Presentation::create(cert, key, "case-1", T0, [0; 16]).unwrap();
        verify_presentation(p.bytes(), &f.trust, None, T0, Some("case-1"), None)
    };
    let a = check(&f.cert, &f.holder);
    let a_again = check(&f.cert, &f.holder);
    let b = check(&second, &second_holder);
    let s = check(&supervisor, &supervisor_key);
    let ok =
        |vs: &[&Verification]| check_can_lock(&vs.iter().map(|v| OfficerCheck { verification: v }).collect::<Vec<_>>());
    assert_eq!(ok(&[&a]).unwrap_err().code(), "not_enough_officers");
    assert!(ok(&[&a, &a_again]).is_err(), "the same officer twice is one officer");
    assert!(ok(&[&a, &s]).is_err(), "a supervisor is not an enforcement officer");
    assert!(ok(&[&a, &b]).is_ok());
    let expired = verify_presentation(
        Presentation::create(&second, &second_holder, "case-1", T0 + 400 * DAY, [0; 16]).unwrap().bytes(),
        &f.trust,
        None,
        T0 + 400 * DAY,
        None,
        None,
    );
    assert!(ok(&[&a, &expired]).is_err(), "an expired certificate does not count");
}

/// CERT-5: outside the certificate's categories or region, refused with the reason.
#[test]
fn cert_5_scope() {
    let f = fixture();
    let body = f.cert.body();
    assert!(check_scope(body, "食品安全", "150802").is_ok());
    let err = check_scope(body, "交通运输", "150802").unwrap_err();
    assert!(err.to_string().contains("交通运输"), "{err}");
    let err = check_scope(body, "食品安全", "150202").unwrap_err();
    assert!(err.to_string().contains("150202") && err.code() == "out_of_scope", "{err}");
}
