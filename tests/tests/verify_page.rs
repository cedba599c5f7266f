//! The public verification page (SEC-8, CERT-3) against the real server over HTTP: a person's name and photo
//! appear only for a valid certificate, never for a revoked, suspended, expired, forged, unknown or unreadable
//! one; a presentation says which inspection it was made for and how long ago, and an old one is stale.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use chrono::Utc;
use fieldtrail_core::identity::{Certificate, CertificateKind, EnrolmentPackage, Presentation, open_sealed};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::authority::{self, AuthorityKey, IssueRequest, StatusChange};
use fieldtrail_tests::InProcessServer;
use ring::signature::Ed25519KeyPair;
use std::path::Path;
use tempfile::TempDir;

const INSPECTION: &str = "0b9f8a52-8c4e-4f0e-9d7e-3c1f2a6b5d10";

fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(120, 160, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img).unwrap();
    out
}

fn authority_in(data: &Path, name: &str) -> (SqliteStore, AuthorityKey) {
    let store = SqliteStore::open(data).unwrap();
    let key_path = data.join("authority.key");
    authority::init(&store, &key_path, name).unwrap();
    let key = authority::load(&store, &key_path).unwrap();
    (store, key)
}

/// Issues a certificate valid from `from` to `to` (seconds from now); returns it with the holder's key.
fn issue(store: &SqliteStore, key: &AuthorityKey, number: &str, name: &str, from: i64, to: i64) -> Holder {
    let now = Utc::now().timestamp();
    let request = IssueRequest {
        number: number.into(),
        name: name.into(),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec!["食品安全".into()],
        regions: vec!["1508".into()],
        valid_from: now + from,
        valid_to: now + to,
        kind: CertificateKind::Officer,
        photo: photo(),
        actor: "test".into(),
    };
    let issued = authority::issue(store, key, &request).unwrap();
    let package = EnrolmentPackage::from_bytes(&issued.package.to_bytes()).unwrap();
    let pkcs8 = open_sealed(&package.key, &issued.code).unwrap().unwrap();
    Holder { certificate: issued.certificate, pair: Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap() }
}

struct Holder {
    certificate: Certificate,
    pair: Ed25519KeyPair,
}

impl Holder {
    /// A presentation for [`INSPECTION`] made `ago` seconds before now.
    fn presented(&self, ago: i64) -> String {
        let at = Utc::now().timestamp() - ago;
        Presentation::create(&self.certificate, &self.pair, INSPECTION, at, [7; 16]).unwrap().to_qr_text()
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The JSON answer and the page for one QR text, both over HTTP.
async fn check(url: &str, qr: &str) -> (serde_json::Value, String) {
    let json = reqwest::get(format!("{url}/v1/verify?qr={}", urlencode(qr))).await.unwrap();
    assert_eq!(json.status().as_u16(), 200);
    let page = reqwest::get(format!("{url}/verify?qr={}", urlencode(qr))).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    (json.json().await.unwrap(), page.text().await.unwrap())
}

/// Asserts that neither answer shows who the certificate names: no name, number or photo.
fn shows_nobody(json: &serde_json::Value, page: &str, name: &str, what: &str) {
    assert!(json["certificate"].is_null(), "{what}: the JSON names the holder: {json}");
    assert!(!page.contains(name), "{what}: the page shows the name {name}");
    assert!(!page.contains("data:image/jpeg"), "{what}: the page shows a photo");
    assert!(!json.to_string().contains(name), "{what}: the JSON mentions {name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_8_verify_page_shows_the_person_only_for_a_valid_certificate() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let server = InProcessServer::start(&data).await.unwrap();
    let url = server.url.clone();
    let (store, key) = authority_in(&data, "内蒙古自治区司法厅");
    let day = 86_400;
    let valid = issue(&store, &key, "15080001", "张三", -day, 365 * day);
    let revoked = issue(&store, &key, "15080002", "李四", -day, 365 * day);
    let suspended = issue(&store, &key, "15080003", "王五", -day, 365 * day);
    let expired = issue(&store, &key, "15080004", "赵六", -400 * day, -day);
    authority::change_status(&store, &key, "15080002", StatusChange::Revoke, "test", "调离").unwrap();
    authority::change_status(&store, &key, "15080003", StatusChange::Suspend, "test", "停职").unwrap();
    // An authority someone made up, unknown to this server.
    let rogue_dir = TempDir::new().unwrap();
    let (rogue_store, rogue_key) = authority_in(rogue_dir.path(), "内蒙古自治区司法厅");
    let unknown = issue(&rogue_store, &rogue_key, "15089999", "孙七", -day, 365 * day);

    // Valid: the person, with photo, and for a presentation the inspection and how long ago.
    let (json, page) = check(&url, &valid.certificate.to_qr_text()).await;
    assert_eq!(json["verdict"], "valid", "{json}");
    assert_eq!(json["certificate"]["name"], "张三");
    assert!(page.contains("有效") && page.contains("张三") && page.contains("data:image/jpeg"), "{page}");
    let (json, page) = check(&url, &valid.presented(5 * 60)).await;
    assert_eq!(json["verdict"], "valid", "{json}");
    assert_eq!(json["inspection_id"], INSPECTION);
    let age = json["presented_age"].as_i64().unwrap();
    assert!((300..400).contains(&age), "presented 5 minutes ago, age {age}");
    assert!(page.contains("张三") && page.contains(INSPECTION) && page.contains("5 分钟前"), "{page}");

    // A presentation older than a live check allows: stale, nobody shown, but when and for what it was made.
    let (json, page) = check(&url, &valid.presented(2 * 3600)).await;
    assert_eq!(json["verdict"], "stale", "{json}");
    shows_nobody(&json, &page, "张三", "stale presentation");
    assert!(page.contains(INSPECTION) && page.contains("2 小时前"), "{page}");

    // Every other verdict: the verdict, never the person.
    let mut forged = valid.certificate.bytes().to_vec();
    let last = forged.len() - 1;
    forged[last] ^= 1; // the signature's last byte
    let forged = Certificate::decode(&forged).unwrap().to_qr_text();
    // A valid certificate in a presentation whose holder signature was changed: someone without the key.
    let shown = valid.presented(60);
    let mut bytes = Presentation::from_qr_text(&shown).unwrap().bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let unsigned = Presentation::decode(&bytes).unwrap().to_qr_text();
    let cases: Vec<(&str, String, &str, &str)> = vec![
        ("revoked", revoked.certificate.to_qr_text(), "李四", "已缴销"),
        ("revoked", revoked.presented(60), "李四", "已缴销"),
        ("suspended", suspended.certificate.to_qr_text(), "王五", "已暂扣"),
        ("expired", expired.certificate.to_qr_text(), "赵六", "已过期"),
        ("unknown_issuer", unknown.certificate.to_qr_text(), "孙七", "发证机关不可信"),
        ("unknown_issuer", unknown.presented(60), "孙七", "发证机关不可信"),
        ("bad_signature", forged, "张三", "签名无效"),
        ("bad_signature", unsigned, "张三", "签名无效"),
        ("malformed", "FT1:NOT-A-CERTIFICATE".into(), "张三", "无法识别"),
        ("malformed", "FTP1:%%%".into(), "张三", "无法识别"),
    ];
    for (verdict, qr, name, label) in cases {
        let (json, page) = check(&url, &qr).await;
        assert_eq!(json["verdict"], verdict, "{name}: {json}");
        assert!(page.contains(label), "{verdict}: the page says {label}");
        shows_nobody(&json, &page, name, verdict);
    }
    // The presentation of the revoked certificate still says what it was made for.
    let (json, page) = check(&url, &revoked.presented(60)).await;
    assert_eq!(json["inspection_id"], INSPECTION);
    assert!(page.contains(INSPECTION) && page.contains("1 分钟前"), "{page}");
    server.stop().await.unwrap();
}
