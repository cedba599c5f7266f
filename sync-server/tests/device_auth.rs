//! Every sync request is signed by a registered terminal's key (CERT-7 devices, RFC 9421 model): an
//! unregistered, retired, badly signed, unsigned or replayed request is refused with 401/403 and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::httpsig;
use fieldtrail_core::protocol::{self, PROTOCOL_VERSION, SyncRequest};
use fieldtrail_server::{SqliteStore, devices};

mod common;
use common::{DEVICE, keypair, start};

fn empty_sync(terminal: &str) -> Vec<u8> {
    protocol::encode(&SyncRequest {
        v: PROTOCOL_VERSION,
        terminal: terminal.into(),
        cursor: 0,
        docs: vec![],
        revocation_version: 0,
        log_size: 0,
        log_root: None,
        lost_head: None,
    })
}

#[tokio::test]
async fn unsigned_unknown_and_forged_requests_are_refused() {
    let h = start().await;
    let (status, _) = h.post(empty_sync(DEVICE)).await;
    assert_eq!(status, 200, "the registered device syncs");

    // No signature at all.
    let before = common::dump(&h.data);
    let resp = h.http.post(&h.url).body(empty_sync(DEVICE)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.text().await.unwrap().contains("unsigned"));
    assert_eq!(common::dump(&h.data), before);

    // A device the server never registered.
    let stranger = keypair();
    let body = empty_sync("stranger");
    let headers = httpsig::sign_request("POST", "/v1/sync", Some(&body), "stranger", 1, 0, &stranger);
    h.refused_with(body, &headers, 401, "unknown_device", "not registered").await;

    // The registered device's id, someone else's key.
    let body = empty_sync(DEVICE);
    let headers = httpsig::sign_request("POST", "/v1/sync", Some(&body), DEVICE, 10, 0, &stranger);
    h.refused_with(body, &headers, 401, "bad_signature", "does not match").await;

    // A correctly signed request whose body was changed on the way.
    let body = empty_sync(DEVICE);
    let headers = h.sign(&body);
    let mut other = body.clone();
    other.push(0);
    h.refused_with(other, &headers, 401, "digest_mismatch", "Content-Digest").await;

    // Signed over the path only: sync needs its body covered.
    let body = empty_sync(DEVICE);
    let headers = httpsig::sign_request("POST", "/v1/sync", None, DEVICE, 20, 0, &h.key);
    // (correctly signed by the device, so its counter is spent like any refused content)
    h.check_refusal(body, &headers, 401, "body_not_signed", "content-digest", common::dump_records).await;
}

#[tokio::test]
async fn a_replayed_request_is_refused() {
    let h = start().await;
    let body = empty_sync(DEVICE);
    let headers = h.sign(&body);
    let (status, _) = h.send(body.clone(), &headers).await;
    assert_eq!(status, 200);
    h.refused_with(body.clone(), &headers, 401, "replayed", "already used").await;

    // Far behind the newest counter: refused even though never seen.
    let newer = httpsig::sign_request("POST", "/v1/sync", Some(&body), DEVICE, 5_000, 0, &h.key);
    assert_eq!(h.send(body.clone(), &newer).await.0, 200);
    let ancient = httpsig::sign_request("POST", "/v1/sync", Some(&body), DEVICE, 3, 0, &h.key);
    h.refused_with(body.clone(), &ancient, 401, "replayed", "already used").await;
    // Out of order but within the window, and new: accepted once.
    let late = httpsig::sign_request("POST", "/v1/sync", Some(&body), DEVICE, 4_990, 0, &h.key);
    assert_eq!(h.send(body.clone(), &late).await.0, 200);
    h.refused_with(body, &late, 401, "replayed", "already used").await;
}

#[tokio::test]
async fn a_retired_device_is_refused() {
    let h = start().await;
    assert_eq!(h.post(empty_sync(DEVICE)).await.0, 200);
    let store = SqliteStore::open(&h.data).unwrap();
    devices::retire(&store, DEVICE).unwrap();
    h.refused(empty_sync(DEVICE), 403, "device_retired", "retired").await;
    assert!(devices::retire(&store, DEVICE).is_err(), "retiring twice says there is no active device");
    assert!(devices::register(&store, "x", "not hex", "局", "t").is_err());
}

#[tokio::test]
async fn reads_need_a_signature_but_public_verification_does_not() {
    let h = start().await;
    let resp = reqwest::get(format!("{}/v1/documents", h.base)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    // Evidence uploads too: an unsigned one is refused before anything is created.
    let before = common::dump(&h.data);
    let body = format!("{{\"sha256\": \"{}\", \"size\": 10}}", "a".repeat(64));
    let resp = h.http.post(format!("{}/v1/uploads", h.base)).body(body).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(common::dump(&h.data), before);
    let resp = reqwest::get(format!("{}/v1/verify?qr=FT1:garbage", h.base)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let v: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(v["verdict"], "malformed");
    let page = reqwest::get(format!("{}/verify?qr=FT1:garbage", h.base)).await.unwrap().text().await.unwrap();
    assert!(page.contains("无法识别的二维码"), "{page}");
}
