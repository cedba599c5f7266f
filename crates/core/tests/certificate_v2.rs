//! Certificates of payload version 2 (CERT-1, CERT-3): the thumbnail beside the certificate, signed by hash, so
//! a presentation fits a small QR; version 1 certificates, with the thumbnail inside, stay verifiable. What a
//! party on site learns online (`on_site_view`, CERT-8) is tested against a real server in
//! tests/tests/verify_online.rs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::identity::*;
use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;

const T0: i64 = 1_795_000_000;
const INSPECTION: &str = "0b9f8a52-8c4e-4f0e-9d7e-3c1f2a6b5d10";

fn keypair() -> Ed25519KeyPair {
    Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap().as_ref()).unwrap()
}

fn body(holder: &Ed25519KeyPair, photo: Vec<u8>, photo_sha256: Vec<u8>) -> CertificateBody {
    CertificateBody {
        number: "15080001".into(),
        name: "张三".into(),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec!["食品安全".into()],
        regions: vec!["1508".into()],
        valid_from: T0 - 86_400,
        valid_to: T0 + 86_400,
        kind: CertificateKind::Officer,
        holder_key: public_key_of(holder),
        photo_sha256,
        photo,
        issuer: "内蒙古自治区司法厅".into(),
        issued_at: T0 - 86_400,
    }
}

#[test]
fn cert_3_version_2_signs_the_thumbnail_by_hash_and_names_the_issuer_by_key() {
    let (authority, holder) = (keypair(), keypair());
    let trust = TrustList::new(vec![Authority {
        name: "内蒙古自治区司法厅".into(),
        public_key: public_key_of(&authority),
    }]);
    let thumbnail = b"\xFF\xD8 a thumbnail \xFF\xD9".to_vec();
    let cert = Certificate::issue(&body(&holder, vec![], Certificate::photo_hash(&thumbnail)), &authority).unwrap();
    assert!(cert.photo_matches(&thumbnail));
    assert!(!cert.photo_matches(b"another photo"), "a different photo is not the one signed");
    assert!(!cert.photo_matches(b""));
    assert!(!String::from_utf8_lossy(cert.bytes()).contains("司法厅"), "the issuer's name is not in the bytes");
    let v = verify_certificate(cert.bytes(), &trust, None, T0);
    assert_eq!(v.verdict, Verdict::Valid, "{}", v.detail);
    assert_eq!(v.certificate.unwrap().issuer, "内蒙古自治区司法厅", "named from the trust list");
}

#[test]
fn cert_3_version_1_certificates_with_the_photo_inside_still_verify_and_present() {
    let (authority, holder) = (keypair(), keypair());
    let trust = TrustList::new(vec![Authority {
        name: "内蒙古自治区司法厅".into(),
        public_key: public_key_of(&authority),
    }]);
    let cert = Certificate::issue(&body(&holder, vec![0xFF, 0xD8, 0xFF, 0xD9], vec![7; 32]), &authority).unwrap();
    assert_eq!(cert.body().photo, [0xFF, 0xD8, 0xFF, 0xD9], "version 1 carries its photo");
    assert!(!cert.photo_matches(&[0xFF, 0xD8, 0xFF, 0xD9]), "nothing beside a version 1 certificate is its photo");
    assert_eq!(verify_certificate(cert.bytes(), &trust, None, T0).verdict, Verdict::Valid);
    // Its presentation still makes a URL that rebuilds the signed bytes (a larger QR code: the photo is in it).
    let p = Presentation::create_for_item(&cert, &holder, INSPECTION, Some("SC-0101"), T0, &[1; 8]).unwrap();
    let back = Presentation::from_url_or_text(&p.to_url("https://ft.example.cn").unwrap()).unwrap();
    assert_eq!(back.bytes(), p.bytes());
    let v = verify_presentation(back.bytes(), &trust, None, T0, Some(INSPECTION), Some(1800));
    assert_eq!(v.verdict, Verdict::Valid, "{}", v.detail);
}
