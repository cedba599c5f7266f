//! The sync client: batches of automerge sync messages to `POST /v1/sync` until both sides have nothing to say.

use crate::error::{Error, Result};
use crate::{Terminal, officers, receipts, store};
use automerge::AutoCommit;
use automerge::sync::{State, SyncDoc};
use fieldtrail_core::InspectionDoc;
use fieldtrail_core::protocol::{self, DocMessage, ErrorBody, MAX_DOCS_PER_REQUEST, SyncRequest, SyncResponse};
use fieldtrail_core::sync::{resume_state, seed_state};
use rusqlite::Connection;
use serde::Serialize;
use serde_bytes::ByteBuf;
use std::collections::{BTreeSet, HashMap, HashSet};
use ts_rs::TS;

/// Bytes of sync messages put in one request before the rest waits for the next round.
const BODY_BUDGET: usize = 8 * 1024 * 1024;
/// A sync that has not settled after this many extra rounds is broken, not slow.
const SPARE_ROUNDS: usize = 16;

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SyncReport {
    /// HTTP round trips.
    pub rounds: u32,
    /// Documents this terminal sent messages for.
    pub sent_docs: u32,
    /// Documents the server sent messages for.
    pub received_docs: u32,
    #[ts(type = "number")]
    pub bytes_sent: u64,
    #[ts(type = "number")]
    pub bytes_received: u64,
    /// The server's cursor after the sync.
    #[ts(type = "number")]
    pub cursor: u64,
    /// The version of the revocation list this terminal holds after the sync (0: none).
    #[ts(type = "number")]
    pub revocation_version: u64,
}

struct Session {
    states: HashMap<String, State>,
    outbox: BTreeSet<String>,
    sent: HashSet<String>,
    received: HashSet<String>,
}

pub async fn run(terminal: &Terminal, server: &str) -> Result<SyncReport> {
    let server = server.trim_end_matches('/');
    let url = format!("{server}/v1/sync");
    let (unsynced, mut cursor, mut revocation_version) = terminal
        .with_conn(|c| Ok((store::unsynced(c)?, store::cursor(c, server)?, officers::revocation_version(c)?)))?;
    let max_rounds = unsynced.len() / MAX_DOCS_PER_REQUEST + SPARE_ROUNDS;
    let mut session = Session {
        states: HashMap::new(),
        outbox: unsynced.into_iter().collect(),
        sent: HashSet::new(),
        received: HashSet::new(),
    };
    let mut report = SyncReport::default();
    let mut more = false;
    loop {
        let docs = terminal.with_conn(|c| outgoing(c, &mut session))?;
        if report.rounds > 0 && docs.is_empty() && !more && session.outbox.is_empty() {
            break;
        }
        if report.rounds as usize >= max_rounds {
            return Err(Error::Invalid(format!("sync did not settle after {} rounds", report.rounds)));
        }
        let body = protocol::encode(&SyncRequest {
            v: protocol::PROTOCOL_VERSION,
            terminal: terminal.device_id.clone(),
            cursor,
            docs,
            revocation_version,
        });
        report.bytes_sent += body.len() as u64;
        let reply = post(terminal, &url, body).await?;
        report.bytes_received += reply.len() as u64;
        report.rounds += 1;
        let resp: SyncResponse = protocol::decode(&reply).map_err(|e| Error::BadReply(e.to_string()))?;
        terminal.write(|c| {
            for doc in resp.docs {
                incoming(c, terminal, &mut session, doc)?;
            }
            // A terminal with no provisioned authority trusts none yet, so it cannot check a list: it waits.
            if let Some(list) = &resp.revocations
                && !officers::trust_list(c)?.authorities.is_empty()
            {
                officers::accept_revocation_list(c, list)?;
                revocation_version = officers::revocation_version(c)?;
            }
            // SYNC-5: the server's receipt for what this request delivered, checked and kept.
            if let Some(receipt) = &resp.receipt {
                receipts::accept(c, server, receipt)?;
            }
            store::set_cursor(c, server, resp.cursor)
        })?;
        cursor = resp.cursor;
        more = resp.more;
    }
    report.sent_docs = session.sent.len() as u32;
    report.received_docs = session.received.len() as u32;
    report.cursor = cursor;
    report.revocation_version = revocation_version;
    Ok(report)
}

/// Messages for as many documents of the outbox as fit in one request.
fn outgoing(c: &Connection, session: &mut Session) -> Result<Vec<DocMessage>> {
    let mut docs = Vec::new();
    let mut bytes = 0;
    while docs.len() < MAX_DOCS_PER_REQUEST && bytes < BODY_BUDGET {
        let Some(id) = session.outbox.pop_first() else { break };
        let mut doc = match store::load_raw(c, &id)? {
            Some(doc) => doc,
            // The server named a document we do not have yet: an empty one asks for all of it.
            None if session.states.contains_key(&id) => AutoCommit::new(),
            None => continue,
        };
        let state = match session.states.get_mut(&id) {
            Some(state) => state,
            None => session.states.entry(id.clone()).or_insert(seed_state(store::server_heads(c, &id)?)),
        };
        if let Some(msg) = doc.sync().generate_sync_message(state) {
            let msg = msg.encode();
            bytes += msg.len();
            session.sent.insert(id.clone());
            docs.push(DocMessage { id, msg: ByteBuf::from(msg) });
        }
    }
    Ok(docs)
}

/// Applies one of the server's messages and queues the document for our answer.
fn incoming(c: &Connection, terminal: &Terminal, session: &mut Session, doc: DocMessage) -> Result<()> {
    let msg = fieldtrail_core::sync_message::decode(&doc.msg)
        .map_err(|e| Error::BadReply(format!("document {}: {e}", doc.id)))?;
    let id = doc.id;
    let stored = store::load_raw(c, &id)?;
    let known = stored.is_some();
    let mut raw = stored.unwrap_or_else(AutoCommit::new).with_actor(terminal.actor.clone());
    let state = match session.states.get_mut(&id) {
        Some(state) => state,
        None => session.states.entry(id.clone()).or_insert(resume_state(store::server_heads(c, &id)?)),
    };
    let before = raw.get_heads();
    raw.sync().receive_sync_message(state, msg).map_err(|e| Error::BadReply(format!("document {id}: {e}")))?;
    let changed = raw.get_heads() != before;
    if changed || known {
        let mut inspection =
            InspectionDoc::from_automerge(raw).map_err(|e| Error::BadReply(format!("document {id}: {e}")))?;
        if known {
            store::update(c, &id, &mut inspection, &before)?;
        } else {
            store::insert(c, &id, &mut inspection)?;
        }
        store::set_server_heads(c, &id, &state.shared_heads)?;
    }
    if changed {
        session.received.insert(id.clone());
    }
    session.outbox.insert(id);
    Ok(())
}

async fn post(terminal: &Terminal, url: &str, body: Vec<u8>) -> Result<Vec<u8>> {
    let unreachable = |e: reqwest::Error| Error::Unreachable { url: url.to_owned(), reason: e.to_string() };
    let resp = terminal
        .signed(reqwest::Method::POST, url, Some(&body))?
        .header(reqwest::header::CONTENT_TYPE, protocol::CONTENT_TYPE)
        .body(body)
        .send()
        .await
        .map_err(unreachable)?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(unreachable)?;
    if !status.is_success() {
        let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        let (code, message) = match body {
            Some(b) => (b.code, b.message),
            None => ("unknown".to_owned(), String::from_utf8_lossy(&bytes).chars().take(200).collect()),
        };
        return Err(Error::Refused { status: status.as_u16(), code, message });
    }
    Ok(bytes.to_vec())
}
