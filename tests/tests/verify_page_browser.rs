//! The verify page a presentation QR opens, in a real Chromium (CERT-3): given only the URL, it verifies in the
//! browser with the authority key and revocation list it ships, and says valid for a good presentation, revoked
//! for a revoked certificate and forged for an altered one, still after the server has stopped, once the page
//! loaded one time (its service worker keeps it). Needs Debian's chromium and chromium-driver
//! (scripts/apt-test-packages.txt).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use chrono::Utc;
use fieldtrail_core::identity::{EnrolmentPackage, Presentation, open_sealed};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::authority::{self, AuthorityKey, IssueRequest, StatusChange};
use fieldtrail_tests::InProcessServer;
use fieldtrail_tests::webdriver::Browser;
use ring::signature::Ed25519KeyPair;
use std::time::Duration;
use tempfile::TempDir;

const INSPECTION: &str = "0b9f8a52-8c4e-4f0e-9d7e-3c1f2a6b5d10";
const WAIT: Duration = Duration::from_secs(20);

fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(120, 160, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img).unwrap();
    out
}

/// Issues certificate `number` and returns a presentation of it for [`INSPECTION`] as a URL of the page at `base`.
fn presented(store: &SqliteStore, key: &AuthorityKey, number: &str, name: &str, base: &str) -> String {
    let now = Utc::now().timestamp();
    let request = IssueRequest {
        number: number.into(),
        name: name.into(),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec!["食品安全".into()],
        regions: vec!["1508".into()],
        valid_from: now - 3_600,
        valid_to: now + 86_400 * 365,
        kind: fieldtrail_core::identity::CertificateKind::Officer,
        photo: photo(),
        actor: "test".into(),
    };
    let issued = authority::issue(store, key, &request).unwrap();
    let package = EnrolmentPackage::from_bytes(&issued.package.to_bytes()).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(&open_sealed(&package.key, &issued.code).unwrap().unwrap()).unwrap();
    Presentation::create_for_item(&issued.certificate, &pair, INSPECTION, Some("SC-0101"), now - 60, &[3; 8])
        .unwrap()
        .to_url(base)
        .unwrap()
}

/// The page's verdict (`data-verdict`) once it has one, and the text a person reads.
async fn verdict(browser: &Browser, url: &str) -> (String, String) {
    // A blank page between: a URL differing only in its fragment would not load the page again.
    browser.goto("about:blank").await.unwrap();
    browser.goto(url).await.unwrap();
    let verdict = browser
        .until("const v = document.getElementById('verdict'); return v && v.dataset.verdict;", WAIT)
        .await
        .unwrap();
    let text = browser.eval("return document.body.innerText").await.unwrap();
    (verdict.as_str().unwrap().to_owned(), text.as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn cert_3_verify_page_checks_in_the_browser_and_offline_after_one_load() {
    let data = TempDir::new().unwrap();
    let store = SqliteStore::open(data.path()).unwrap();
    let key_path = data.path().join("authority.key");
    authority::init(&store, &key_path, "内蒙古自治区司法厅").unwrap();
    let key = authority::load(&store, &key_path).unwrap();
    let server = InProcessServer::start(data.path()).await.unwrap();

    let good = presented(&store, &key, "15080001", "张三", &server.url);
    let revoked = presented(&store, &key, "15080002", "李四", &server.url);
    authority::change_status(&store, &key, "15080002", StatusChange::Revoke, "admin", "lost").unwrap();
    // Forged: one digit of the holder's signature (inside the last 64 bytes) goes down; the URL still reads.
    let forged = {
        let (page, digits) = good.split_once('#').unwrap();
        let mut d = digits.as_bytes().to_vec();
        let at = (0..d.len() - 40).rev().find(|&k| d[k] != b'0').unwrap();
        d[at] = b'0';
        format!("{page}#{}", String::from_utf8(d).unwrap())
    };
    assert!(good.starts_with("HTTP://127.0.0.1:") && good.contains("/V#"), "{good}");

    let browser = Browser::start().await.expect("Chromium and chromedriver (apt: chromium chromium-driver)");
    // Online, first load: valid, with the name and number, the inspection and the item code.
    let (v, text) = verdict(&browser, &good).await;
    assert_eq!(v, "valid", "{text}");
    for shown in ["有效", "张三", "15080001", INSPECTION, "SC-0101"] {
        assert!(text.contains(shown), "the page shows {shown}: {text}");
    }
    // The server's own check answered too.
    browser.until("return document.getElementById('online').dataset.verdict", WAIT).await.unwrap();
    // The service worker has kept the page.
    browser
        .until(
            "return navigator.serviceWorker.ready.then(() => caches.open('fieldtrail-verify-1')).then(c => c.match('/V')).then(r => !!r)",
            WAIT,
        )
        .await
        .expect("the service worker caches the page");

    server.stop().await.unwrap();
    let unreachable = reqwest::get(format!("{}/healthz", good.split("/V#").next().unwrap().to_lowercase())).await;
    assert!(unreachable.is_err(), "the server is stopped");

    let (v, text) = verdict(&browser, &revoked).await;
    assert_eq!(v, "revoked", "{text}");
    assert!(text.contains("已缴销"), "{text}");
    assert!(!text.contains("李四"), "SEC-8: a revoked certificate's holder is not named: {text}");
    let (v, text) = verdict(&browser, &forged).await;
    assert_eq!(v, "bad_signature", "{text}");
    assert!(text.contains("伪造"), "{text}");
    let (v, text) = verdict(&browser, &good).await;
    assert_eq!(v, "valid", "offline, the good presentation still verifies: {text}");
    assert!(text.contains("服务器不可达"), "offline, the page says the server was not reached: {text}");
    // Cut short: unreadable, said so.
    let (v, _) = verdict(&browser, &good[..good.len() - 30]).await;
    assert_eq!(v, "malformed");
    browser.quit().await.unwrap();
}
