//! SEC-8 against the real server over HTTP: a sync message that the fuzzer found to panic automerge's sync
//! code (a Bloom filter with entries but no bits) is refused with a 400 naming the document, nothing stored
//! changes, and the same device's next honest sync goes through.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::AutoCommit;
use automerge::sync::SyncDoc;
use chrono::Utc;
use fieldtrail_core::Edit;
use fieldtrail_core::protocol::{self, DocMessage, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use fieldtrail_core::sync::seed_state;
use serde_bytes::ByteBuf;

mod common;
use common::{DEVICE, start};

fn request(id: &str, msg: Vec<u8>) -> Vec<u8> {
    protocol::encode(&SyncRequest {
        v: PROTOCOL_VERSION,
        terminal: DEVICE.into(),
        cursor: 0,
        docs: vec![DocMessage { id: id.into(), msg: ByteBuf::from(msg) }],
        ..Default::default()
    })
}

fn message(doc: &mut AutoCommit, shared: Vec<automerge::ChangeHash>) -> Vec<u8> {
    doc.sync().generate_sync_message(&mut seed_state(shared)).unwrap().encode()
}

/// The crasher kept by the fuzz harness: its first byte chose the target document, the rest is the message.
fn crasher() -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fuzz-crashers/automerge_sync");
    let path = dir.join("10faea1fd0fd6c99e04133b111996b65678555556b57648ce5e01c47c4a6943e.bin");
    std::fs::read(path).unwrap()[1..].to_vec()
}

#[tokio::test]
async fn sec_8_a_sync_message_that_panicked_automerge_is_refused_and_changes_nothing() {
    let h = start().await;
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = common::inspection(&id);
    let (status, body) = h.post(request(&id, message(doc.automerge(), vec![]))).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    h.refused(request(&id, crasher()), 400, "bad_sync_message", "Bloom filter").await;

    // The honest device goes on: its next edit is accepted and the server holds it.
    let before = doc.heads();
    doc.apply(&Edit::SetFindings("照常同步".into()), Utc::now()).unwrap();
    let (status, body) = h.post(request(&id, message(doc.automerge(), before))).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let reply: SyncResponse = protocol::decode(&body).unwrap();
    assert!(reply.receipt.is_some(), "the edit was accepted and logged");
}
