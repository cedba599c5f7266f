//! SEC-6, the server's check of a restore's proof, over real HTTP: a lost tree head it did not sign, or one
//! its log still contains, is refused with a clear 4xx and changes nothing; a head it signed that its log no
//! longer has is recorded once, as a row and a log leaf, and `verify` stays clean and lists it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::AutoCommit;
use automerge::sync::SyncDoc;
use chrono::Utc;
use fieldtrail_core::protocol::{self, DocMessage, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use fieldtrail_core::sync::seed_state;
use fieldtrail_core::trail::SignedTreeHead;
use fieldtrail_core::trail::restore::{LogCheck, check_log};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::store::Store;
use fieldtrail_server::trail::{self, LogKey};
use serde_bytes::ByteBuf;

mod common;
use common::{DEVICE, dump_records, keypair, start};

fn request(cursor: u64, docs: Vec<DocMessage>, log_size: u64, lost_head: Option<SignedTreeHead>) -> Vec<u8> {
    protocol::encode(&SyncRequest {
        v: PROTOCOL_VERSION,
        terminal: DEVICE.into(),
        cursor,
        docs,
        revocation_version: 0,
        log_size,
        log_root: None,
        lost_head,
        ..Default::default()
    })
}

fn new_document() -> DocMessage {
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = common::inspection(&id);
    let raw: &mut AutoCommit = doc.automerge();
    let msg = raw.sync().generate_sync_message(&mut seed_state(vec![])).unwrap().encode();
    DocMessage { id, msg: ByteBuf::from(msg) }
}

fn restores(data: &std::path::Path) -> usize {
    SqliteStore::open(data).unwrap().transact(|tx| tx.restores()).unwrap().len()
}

/// SEC-6: only the server's own head, missing from its log, is taken as proof of a restore.
#[tokio::test]
async fn sec_6_a_restore_is_recorded_only_on_the_servers_own_lost_head() {
    let h = start().await;
    let (status, body) = h.post(request(0, vec![new_document(), new_document()], 0, None)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let reply: SyncResponse = protocol::decode(&body).unwrap();
    let state = reply.log.expect("a response carries where the log stands");
    let key = LogKey::load(&h.data).unwrap();
    assert_eq!(state.log_key, key.public_hex());
    assert_eq!(state.sth.size, 2, "two changes, two leaves");
    assert_eq!(check_log(None, &state, key.public_key()), Ok(LogCheck::Consistent));

    // A head signed by another key: not proof of anything.
    let stranger = keypair();
    let forged = SignedTreeHead::sign(40, &[7; 32], 1, &stranger);
    h.refused(request(0, vec![], 0, Some(forged)), 400, "bad_lost_head", "not signed by this server's log key").await;
    // A head the log still contains: nothing was lost.
    h.refused(request(0, vec![], 0, Some(state.sth.clone())), 409, "log_not_lost", "nothing was lost").await;
    assert_eq!(restores(&h.data), 0);

    // A head the server signed before it was restored (made here with its key): recorded, once.
    let lost = key.sign(9, &[9; 32], Utc::now().timestamp_millis() - 60_000);
    let before = dump_records(&h.data);
    let (status, body) = h.post(request(0, vec![], 9, Some(lost.clone()))).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let reply: SyncResponse = protocol::decode(&body).unwrap();
    assert_eq!(reply.log.unwrap().sth.size, 3, "the restore is a leaf of the log");
    assert_ne!(dump_records(&h.data), before);
    assert_eq!(restores(&h.data), 1);
    let (status, _) = h.post(request(0, vec![], 3, Some(lost))).await;
    assert_eq!(status, 200, "shown again (a retry), the same restore is not recorded twice");
    assert_eq!(restores(&h.data), 1);

    let store = SqliteStore::open(&h.data).unwrap();
    let report = trail::verify(&store, key.public_key(), &[]).unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert_eq!(report.restores.len(), 1);
    assert_eq!(report.restores[0].device, DEVICE);
    assert_eq!(report.restores[0].log_size, 2);
}

/// SEC-6: a cursor from beyond everything the server stores (its terminal synced with it before a restore)
/// is answered with every document, so that terminal is not cut off from the documents changed since.
#[tokio::test]
async fn sec_6_a_cursor_beyond_the_restored_server_pulls_everything() {
    let h = start().await;
    let (status, _) = h.post(request(0, vec![new_document()], 0, None)).await;
    assert_eq!(status, 200);
    let (status, body) = h.post(request(1_000, vec![], 0, None)).await;
    assert_eq!(status, 200);
    let reply: SyncResponse = protocol::decode(&body).unwrap();
    assert_eq!(reply.cursor, 1, "the cursor is brought back to the server's history");
}
