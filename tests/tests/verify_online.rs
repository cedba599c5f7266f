//! The verify page's online check (CERT-8, SEC-1, SEC-8): a party's phone posts the presentation URL's fragment
//! to the server, which verifies it and, for a valid live presentation of an officer who presented in that
//! inspection, answers the item, its legal basis, the officers who presented and the holder's photo: never the
//! party's name or credit code, and nothing for a forged, unknown or unsynced case.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::Edit;
use fieldtrail_core::identity::CertificateKind;
use fieldtrail_server::SqliteStore;
use fieldtrail_server::authority::{self, IssueRequest};
use fieldtrail_terminal::{Terminal, UnlockedOfficer};
use fieldtrail_tests::{InProcessServer, register, sample_inspection};
use serde_json::Value;
use tempfile::TempDir;

fn enrol(server_data: &std::path::Path, t: &Terminal, number: &str, name: &str, pin: &str) -> UnlockedOfficer {
    let store = SqliteStore::open(server_data).unwrap();
    let key_path = server_data.join("authority.key");
    if !key_path.exists() {
        authority::init(&store, &key_path, "内蒙古自治区司法厅").unwrap();
    }
    let key = authority::load(&store, &key_path).unwrap();
    t.provision_authority(&key.name, &key.public_key()).unwrap();
    let img = image::RgbImage::from_fn(120, 160, |x, y| image::Rgb([x as u8, y as u8, 100]));
    let mut photo = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut photo, 80).encode_image(&img).unwrap();
    let now = chrono::Utc::now().timestamp();
    let request = IssueRequest {
        number: number.into(),
        name: name.into(),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec!["食品安全".into()],
        regions: vec!["1508".into()],
        valid_from: now - 86_400,
        valid_to: now + 86_400 * 365,
        kind: CertificateKind::Officer,
        photo,
        actor: "test".into(),
    };
    let issued = authority::issue(&store, &key, &request).unwrap();
    t.enrol(&issued.package.to_bytes(), &issued.code, pin).unwrap();
    t.unlock(number, pin).unwrap()
}

async fn ask(url: &str, body: &str) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(format!("{url}/v1/verify/presentation"))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cert_8_online_check_shows_item_basis_and_officers_but_not_the_party() {
    let dir = TempDir::new().unwrap();
    let server = InProcessServer::start(&dir.path().join("server")).await.unwrap();
    let t = Terminal::open(dir.path().join("t1")).unwrap();
    register(&server.data, &t).unwrap();
    let zhang = enrol(&server.data, &t, "15080001", "张三", "482913");
    let li = enrol(&server.data, &t, "15080002", "李四", "739251");
    let id = t.create_inspection(&sample_inspection("临河区某超市")).unwrap();
    t.edit(&id, &[Edit::SetScope { category: "食品安全".into(), region: "150802".into() }]).unwrap();
    // The terminal keeps the v2 certificate's photo from the enrolment package, checked against its hash.
    let photo = t.officer_photo(zhang.certificate()).expect("the enrolled officer's photo");
    assert!(zhang.certificate().photo_matches(&photo));

    let first = t.present(&id, &zhang).unwrap();
    assert_eq!(first.item_code(), Some("SC-0101"), "the presentation names the inspection's item");
    let url = first.to_url(&server.url).unwrap();
    // Before the case reached the server, the presentation verifies, but the server knows no case to show.
    let (status, answer) = ask(&server.url, url.split_once('#').unwrap().1).await;
    assert_eq!(status, 200);
    assert_eq!(answer["verdict"], "valid", "{answer}");
    assert!(answer["on_site"].is_null(), "an unsynced case shows nothing: {answer}");

    t.present(&id, &li).unwrap();
    t.sync(&server.url).await.unwrap();
    let (_, answer) = ask(&server.url, &url).await;
    assert_eq!(answer["verdict"], "valid", "{answer}");
    assert_eq!(answer["item_code"], "SC-0101");
    let site = &answer["on_site"];
    assert_eq!(site["item_name"], "食品经营许可事项检查", "{answer}");
    assert_eq!(site["legal_basis"][0]["law"], "中华人民共和国食品安全法");
    let officers: Vec<&str> =
        site["officers"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(officers, ["张三", "李四"]);
    assert!(answer["photo"].as_str().unwrap().starts_with("data:image/jpeg;base64,"));
    let text = answer.to_string();
    assert!(!text.contains("临河区某超市") && !text.contains("91150802MA0N000000"), "SEC-1: no party data: {text}");

    // Forged (one digit of the holder's signature lowered): the verdict only, nothing of the case or person.
    let (page, digits) = url.split_once('#').unwrap();
    let mut d = digits.as_bytes().to_vec();
    let at = (0..d.len() - 40).rev().find(|&k| d[k] != b'0').unwrap();
    d[at] = b'0';
    let (_, answer) = ask(&server.url, &format!("{page}#{}", String::from_utf8(d).unwrap())).await;
    assert_eq!(answer["verdict"], "bad_signature", "{answer}");
    assert!(answer["on_site"].is_null() && answer["photo"].is_null() && answer["certificate"].is_null(), "{answer}");
    // Unreadable and huge input: a verdict or a clear refusal.
    let (_, answer) = ask(&server.url, "12345").await;
    assert_eq!(answer["verdict"], "malformed", "{answer}");
    let (status, answer) = ask(&server.url, &"9".repeat(20_000)).await;
    assert_eq!(status, 400, "{answer}");
    server.stop().await.unwrap();
}
