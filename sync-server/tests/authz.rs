//! SEC-1 on the server, over real HTTP with a real SQLite file: a case cannot be moved into another agency by a
//! change, shares are signed, checked and recorded, and a share reaches a terminal whose cursor is already past
//! the shared case, without hiding the changes that follow it. Every refusal leaves the store unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit};
use chrono::Utc;
use fieldtrail_core::httpsig;
use fieldtrail_core::protocol::{self, DocMessage, ErrorBody, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use fieldtrail_core::sync::seed_state;
use fieldtrail_core::{Edit, InspectionDoc, Kind, NewInspection};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_bytes::ByteBuf;
use std::sync::atomic::{AtomicU64, Ordering};

mod common;
use common::{DEVICE, Harness, dump_records, keypair, start};

/// The harness device's agency.
const OWN: &str = "测试局";
const OTHER: &str = "乙局";

fn inspection(id: &str) -> InspectionDoc {
    let new = NewInspection {
        agency: OWN.into(),
        kind: Kind::Inspection,
        item_code: "SC-0101".into(),
        item_name: "食品经营许可事项检查".into(),
        legal_basis: vec![],
        party: Default::default(),
        location: Default::default(),
        officers: vec![],
        started_at: Utc::now(),
        position: fieldtrail_core::Position::default(),
        checklist: vec!["证照是否齐全".into()],
    };
    InspectionDoc::create(id, &new, ActorId::random()).unwrap()
}

fn message(doc: &mut AutoCommit, shared: Vec<automerge::ChangeHash>) -> Vec<u8> {
    doc.sync().generate_sync_message(&mut seed_state(shared)).unwrap().encode()
}

fn request(terminal: &str, cursor: u64, docs: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    protocol::encode(&SyncRequest {
        v: PROTOCOL_VERSION,
        terminal: terminal.into(),
        cursor,
        docs: docs.into_iter().map(|(id, msg)| DocMessage { id, msg: ByteBuf::from(msg) }).collect(),
        ..Default::default()
    })
}

/// A second registered device, of another agency, that signs its own requests.
struct Device {
    id: String,
    key: Ed25519KeyPair,
    counter: AtomicU64,
}

impl Device {
    fn register(h: &Harness, id: &str, agency: &str) -> Self {
        let key = keypair();
        let store = fieldtrail_server::SqliteStore::open(&h.data).unwrap();
        fieldtrail_server::devices::register(&store, id, &hex::encode(key.public_key().as_ref()), agency, "test")
            .unwrap();
        Device { id: id.into(), key, counter: AtomicU64::new(0) }
    }

    async fn sync(&self, h: &Harness, cursor: u64) -> SyncResponse {
        let body = request(&self.id, cursor, vec![]);
        let (status, bytes) = send(h, &self.id, &self.key, &self.counter, "POST", "/v1/sync", Some(body)).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        protocol::decode(&bytes).unwrap()
    }
}

/// A request signed by `device` (over the body when there is one), with the next counter.
async fn send(
    h: &Harness,
    device: &str,
    key: &Ed25519KeyPair,
    counter: &AtomicU64,
    method: &str,
    path: &str,
    body: Option<Vec<u8>>,
) -> (u16, Vec<u8>) {
    let nonce = counter.fetch_add(1, Ordering::SeqCst) + 1;
    let signed = httpsig::sign_request(method, path, body.as_deref(), device, nonce, 0, key);
    let mut req = h
        .http
        .request(method.parse().unwrap(), format!("{}{path}", h.base))
        .header(httpsig::SIGNATURE_INPUT, signed.signature_input)
        .header(httpsig::SIGNATURE, signed.signature);
    if let Some(d) = signed.content_digest {
        req = req.header(httpsig::CONTENT_DIGEST, d);
    }
    if let Some(body) = body {
        req = req.body(body);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

/// The harness device's signed request.
async fn as_owner(h: &Harness, method: &str, path: &str, body: Option<Vec<u8>>) -> (u16, Vec<u8>) {
    send(h, DEVICE, &h.key, &h.counter, method, path, body).await
}

/// Checks a refusal's status and code, and that no stored record changed.
async fn refused(h: &Harness, method: &str, path: &str, body: Option<Vec<u8>>, status: u16, code: &str) {
    let before = dump_records(&h.data);
    let (got, bytes) = as_owner(h, method, path, body).await;
    let err: ErrorBody = serde_json::from_slice(&bytes).unwrap();
    assert_eq!((got, err.code.as_str()), (status, code), "{}", err.message);
    assert_eq!(dump_records(&h.data), before, "a refused request changed the store");
}

fn share(agency: &str, reason: &str) -> Option<Vec<u8>> {
    Some(serde_json::json!({ "agency": agency, "reason": reason }).to_string().into_bytes())
}

#[tokio::test]
async fn sec_1_a_change_cannot_move_a_case_into_another_agency() {
    let h = start().await;
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = inspection(&id);
    let (status, _) = h.post(request(DEVICE, 0, vec![(id.clone(), message(doc.automerge(), vec![]))])).await;
    assert_eq!(status, 200);
    let stored = doc.heads();

    // A plain edit of the agency field.
    let mut moved = doc.clone();
    moved.apply(&Edit::SetAgency(OTHER.into()), Utc::now()).unwrap();
    let body = request(DEVICE, 0, vec![(id.clone(), message(moved.automerge(), stored.clone()))]);
    h.refused(body, 403, "agency_mismatch", OTHER).await;

    // Two concurrent values, so that a merge might pick the other agency: the document names no single agency.
    let mut left = doc.automerge().fork().with_actor(ActorId::random());
    let mut right = doc.automerge().fork().with_actor(ActorId::random());
    left.put(automerge::ROOT, "agency", OTHER).unwrap();
    right.put(automerge::ROOT, "agency", "丙局").unwrap();
    left.commit();
    right.commit();
    left.merge(&mut right).unwrap();
    let body = request(DEVICE, 0, vec![(id.clone(), message(&mut left, stored.clone()))]);
    h.refused(body, 403, "agency_mismatch", "conflicting").await;

    // The owner's own edits still go through.
    doc.apply(&Edit::SetResult("合格".into()), Utc::now()).unwrap();
    let (status, _) = h.post(request(DEVICE, 0, vec![(id.clone(), message(doc.automerge(), stored))])).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sec_1_shares_are_signed_checked_and_recorded_and_reach_a_terminal_past_the_case() {
    let h = start().await;
    let other = Device::register(&h, "device-of-yi", OTHER);
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = inspection(&id);
    let (status, _) = h.post(request(DEVICE, 0, vec![(id.clone(), message(doc.automerge(), vec![]))])).await;
    assert_eq!(status, 200);
    // The other agency's terminal syncs: it is offered nothing, and its cursor moves past the case.
    let first = other.sync(&h, 0).await;
    assert!(first.docs.is_empty());
    assert!(first.cursor > 0);

    let path = format!("/v1/documents/{id}/shares");
    // Refusals, each leaving the store as it was.
    let unsigned_body = serde_json::json!({ "agency": OTHER, "reason": "联合检查" }).to_string().into_bytes();
    {
        // Signed over method and path only: the body could have been swapped on the way.
        let before = dump_records(&h.data);
        let nonce = h.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let signed = httpsig::sign_request("POST", &path, None, DEVICE, nonce, 0, &h.key);
        let resp = h
            .http
            .post(format!("{}{path}", h.base))
            .header(httpsig::SIGNATURE_INPUT, signed.signature_input)
            .header(httpsig::SIGNATURE, signed.signature)
            .body(unsigned_body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 401);
        let err: ErrorBody = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert_eq!(err.code, "body_not_signed");
        assert_eq!(dump_records(&h.data), before);
    }
    refused(&h, "POST", &path, Some(b"{\"agency\": 1}".to_vec()), 400, "bad_body").await;
    refused(&h, "POST", &path, share(OWN, "联合检查"), 400, "own_agency").await;
    refused(&h, "POST", &path, share(OTHER, " "), 400, "bad_reason").await;
    refused(&h, "DELETE", &path, share(OTHER, "还没有共享"), 409, "not_shared").await;
    let unknown = uuid::Uuid::new_v4();
    refused(&h, "POST", &format!("/v1/documents/{unknown}/shares"), share(OTHER, "联合检查"), 404, "not_found").await;
    // The other agency cannot share what it cannot see (404), and the case still is not offered to it.
    let before = dump_records(&h.data);
    let (status, _) = send(&h, &other.id, &other.key, &other.counter, "POST", &path, share(OTHER, "x")).await;
    assert_eq!(status, 404);
    assert_eq!(dump_records(&h.data), before);

    // The owner shares: recorded with who and why, with a receipt for its leaf.
    let (status, bytes) = as_owner(&h, "POST", &path, share(OTHER, "联合检查")).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&bytes));
    let reply: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(reply["share"]["by"], format!("device {DEVICE}"));
    assert_eq!(reply["share"]["reason"], "联合检查");
    assert_eq!(reply["receipt"]["entries"][0]["index"], reply["share"]["log_index"]);
    refused(&h, "POST", &path, share(OTHER, "联合检查"), 409, "already_shared").await;

    // The case has not changed since the other terminal's cursor passed it, and it is offered now.
    let second = other.sync(&h, first.cursor).await;
    assert_eq!(second.docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), [id.as_str()]);
    assert!(second.cursor > first.cursor);
    // A change after the share took the next number: it is not hidden behind the share's.
    let heads = doc.heads();
    doc.apply(&Edit::SetResult("合格".into()), Utc::now()).unwrap();
    let (status, _) = h.post(request(DEVICE, 0, vec![(id.clone(), message(doc.automerge(), heads))])).await;
    assert_eq!(status, 200);
    let third = other.sync(&h, second.cursor).await;
    assert_eq!(third.docs.len(), 1, "the change after the share is offered");
    assert!(third.cursor > second.cursor);

    // The history shows the share among the changes, in order.
    let (status, bytes) = as_owner(&h, "GET", &format!("/v1/documents/{id}/history"), None).await;
    assert_eq!(status, 200);
    let history: Vec<serde_json::Value> = serde_json::from_slice(&bytes).unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["change", "share", "change"]);
}

/// TRAIL-2 for shares: `verify` holds every recorded share against its leaf, so an edited reason is named.
#[tokio::test]
async fn sec_1_an_edited_share_record_no_longer_matches_the_log() {
    let h = start().await;
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = inspection(&id);
    let (status, _) = h.post(request(DEVICE, 0, vec![(id.clone(), message(doc.automerge(), vec![]))])).await;
    assert_eq!(status, 200);
    let (status, _) = as_owner(&h, "POST", &format!("/v1/documents/{id}/shares"), share(OTHER, "联合检查")).await;
    assert_eq!(status, 201);
    let store = fieldtrail_server::SqliteStore::open(&h.data).unwrap();
    let key = fieldtrail_server::trail::LogKey::load(&h.data).unwrap();
    let report = fieldtrail_server::trail::verify(&store, key.public_key(), &[]).unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);

    let conn = rusqlite::Connection::open(h.data.join("server.db")).unwrap();
    conn.execute("UPDATE share_events SET reason = '应对检查，随便写的'", []).unwrap();
    let report = fieldtrail_server::trail::verify(&store, key.public_key(), &[]).unwrap();
    assert_eq!(report.problems.iter().map(|p| p.code).collect::<Vec<_>>(), ["share_not_in_log"]);
}

/// A case stored before agencies were checked (migration 0005 gives it the agency of the device that delivered
/// it) may name another agency, or none: its owner's edits still sync, but no change moves it elsewhere.
#[tokio::test]
async fn sec_1_a_case_from_before_agencies_keeps_syncing_but_cannot_move() {
    let h = start().await;
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = inspection(&id);
    let (status, _) = h.post(request(DEVICE, 0, vec![(id.clone(), message(doc.automerge(), vec![]))])).await;
    assert_eq!(status, 200);
    // As the migration leaves it: the device and the case are 乙局's, the case itself still says 测试局.
    let conn = rusqlite::Connection::open(h.data.join("server.db")).unwrap();
    conn.execute("UPDATE devices SET agency = ?1", [OTHER]).unwrap();
    conn.execute("UPDATE documents SET agency = ?1", [OTHER]).unwrap();
    drop(conn);

    let stored = doc.heads();
    let mut moved = doc.clone();
    moved.apply(&Edit::SetAgency("丙局".into()), Utc::now()).unwrap();
    let body = request(DEVICE, 0, vec![(id.clone(), message(moved.automerge(), stored.clone()))]);
    h.refused(body, 403, "agency_mismatch", "丙局").await;

    doc.apply(&Edit::SetResult("合格".into()), Utc::now()).unwrap();
    let (status, bytes) = h.post(request(DEVICE, 0, vec![(id.clone(), message(doc.automerge(), stored))])).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
}
