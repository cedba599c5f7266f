//! Bad sync requests get a clear 4xx naming the problem, and the server's stored state does not change
//! (SYNC-4: the server keeps only what verifies).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::AutoCommit;
use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use fieldtrail_core::protocol::{self, DocMessage, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use fieldtrail_core::sync::seed_state;
use serde_bytes::ByteBuf;

mod common;
use common::{DEVICE, MAX_BODY, dump_records, inspection, start};

fn first_message(doc: &mut AutoCommit) -> Vec<u8> {
    doc.sync().generate_sync_message(&mut seed_state(vec![])).unwrap().encode()
}

fn request(docs: Vec<(String, Vec<u8>)>) -> SyncRequest {
    SyncRequest {
        v: PROTOCOL_VERSION,
        terminal: DEVICE.into(),
        cursor: 0,
        docs: docs.into_iter().map(|(id, msg)| DocMessage { id, msg: ByteBuf::from(msg) }).collect(),
        ..Default::default()
    }
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn bad_requests_are_refused_with_a_reason_and_change_nothing() {
    let h = start().await;
    // One good inspection first, so "unchanged" has something to protect.
    let good = new_id();
    let mut doc = inspection(&good);
    let (status, body) = h.post(protocol::encode(&request(vec![(good.clone(), first_message(doc.automerge()))]))).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let reply: SyncResponse = protocol::decode(&body).unwrap();
    assert_eq!(reply.docs.len(), 1);
    assert_eq!(dump_records(&h.data).lines().filter(|l| l.starts_with("changes:")).count(), 1);

    // Not CBOR at all.
    h.refused(b"{\"v\": 1, \"docs\": []}".to_vec(), 400, "bad_body", "not CBOR").await;
    // CBOR, but not a sync request.
    let reply_shape =
        SyncResponse { v: 1, cursor: 0, more: false, docs: vec![], revocations: None, receipt: None, log: None };
    h.refused(protocol::encode(&reply_shape), 400, "bad_body", "terminal").await;
    // An unknown protocol version.
    let mut future = request(vec![]);
    future.v = 9;
    h.refused(protocol::encode(&future), 400, "unsupported_version", "version 9 is not supported").await;
    // A truncated automerge message, and random bytes.
    let other = new_id();
    let msg = first_message(inspection(&other).automerge());
    let truncated = msg[..msg.len() / 2].to_vec();
    h.refused(protocol::encode(&request(vec![(other.clone(), truncated)])), 400, "bad_sync_message", &other).await;
    let random: Vec<u8> = (0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    h.refused(protocol::encode(&request(vec![(other.clone(), random)])), 400, "bad_sync_message", "not an automerge")
        .await;
    // A body over the limit.
    let huge = request(vec![(other.clone(), vec![0x42; MAX_BODY + 1])]);
    h.refused(protocol::encode(&huge), 413, "body_too_large", "larger than the limit").await;
    // An automerge document that is not an inspection.
    let mut shopping = AutoCommit::new();
    shopping.put(automerge::ROOT, "title", "shopping list").unwrap();
    h.refused(
        protocol::encode(&request(vec![(other.clone(), first_message(&mut shopping))])),
        400,
        "not_an_inspection",
        "no schema",
    )
    .await;
    // An inspection filed under another id.
    let msg = first_message(inspection(&new_id()).automerge());
    h.refused(protocol::encode(&request(vec![(other.clone(), msg)])), 400, "document_id_mismatch", &other).await;
    // Ids that are not UUIDs, and the same document twice.
    h.refused(protocol::encode(&request(vec![("../../etc".into(), vec![])])), 400, "bad_document_id", "not a UUID")
        .await;
    let msg = first_message(inspection(&other).automerge());
    h.refused(
        protocol::encode(&request(vec![(other.clone(), msg.clone()), (other.clone(), msg)])),
        400,
        "duplicate_document",
        &other,
    )
    .await;
    // A sync in another terminal's name.
    let mut impostor = request(vec![]);
    impostor.terminal = "someone-else".into();
    h.refused(protocol::encode(&impostor), 403, "terminal_mismatch", "someone-else").await;
    // A batch is all or nothing: a valid new document beside a bad one is not kept either.
    let valid = first_message(inspection(&other).automerge());
    let mut bad = AutoCommit::new();
    bad.put(automerge::ROOT, "schema", 99u64).unwrap();
    let third = new_id();
    let batch = request(vec![(other.clone(), valid), (third.clone(), first_message(&mut bad))]);
    h.refused(protocol::encode(&batch), 400, "not_an_inspection", &third).await;

    // And the server still works.
    let (status, _) = h.post(protocol::encode(&request(vec![]))).await;
    assert_eq!(status, 200);
}
