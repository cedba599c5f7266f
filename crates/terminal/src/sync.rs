//! The sync client: batches of automerge sync messages to `POST /v1/sync` until both sides have nothing to say.

use crate::error::{Error, Result};
use crate::{Terminal, http, officers, quarantine, receipts, refused, restore, store};
use automerge::AutoCommit;
use automerge::sync::{State, SyncDoc};
use fieldtrail_core::InspectionDoc;
use fieldtrail_core::inflation::{MAX_INFLATED_PER_MESSAGE, inflated_size};
use fieldtrail_core::protocol::{self, DocMessage, MAX_DOCS_PER_REQUEST, SyncRequest, SyncResponse};
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
    /// Documents set aside in this sync because they do not read as an inspection (SEC-3).
    pub quarantined_docs: u32,
    /// Documents of this terminal the server refused in this sync; held back, tried again at the next (SEC-3).
    pub refused_docs: u32,
    /// This sync found the server restored from a backup and sent it everything again (SEC-6).
    pub server_restored: bool,
}

/// How far a sync has come, after each round: what the officer's progress bar shows while it runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SyncProgress {
    /// HTTP round trips so far.
    pub rounds: u32,
    /// Documents this terminal has sent messages for so far.
    pub sent_docs: u32,
    /// Documents this sync means to send: the unsynced ones at its start, and all of them again after a restore.
    pub to_send: u32,
    /// Documents the server has sent messages for so far (their number is not known before they come).
    pub received_docs: u32,
}

struct Session {
    states: HashMap<String, State>,
    outbox: BTreeSet<String>,
    sent: HashSet<String>,
    received: HashSet<String>,
    /// Set aside in this sync: their further messages are ignored until the next sync.
    quarantined: HashSet<String>,
    /// Documents of ours the server refused in this sync (SEC-3): held back until the next one.
    refused: HashSet<String>,
}

/// Runs a sync, telling `progress` after every round how far it has come.
pub async fn run(
    terminal: &Terminal,
    server: &str,
    mut progress: impl FnMut(SyncProgress) + Send,
) -> Result<SyncReport> {
    let server = server.trim_end_matches('/');
    let url = format!("{server}/v1/sync");
    let (unsynced, mut cursor, mut revocation_version) = terminal
        .with_conn(|c| Ok((store::unsynced(c)?, store::cursor(c, server)?, officers::revocation_version(c)?)))?;
    let mut max_rounds = unsynced.len() / MAX_DOCS_PER_REQUEST + SPARE_ROUNDS;
    let mut to_send = unsynced.len();
    let mut session = Session {
        states: HashMap::new(),
        outbox: unsynced.into_iter().collect(),
        sent: HashSet::new(),
        received: HashSet::new(),
        quarantined: HashSet::new(),
        refused: HashSet::new(),
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
        // SEC-6: the newest head of the log we hold, and a lost one still to show the server.
        let (known, lost) =
            terminal.with_conn(|c| Ok((restore::known_head(c, server)?, restore::pending_report(c, server)?)))?;
        // Built when sent, so a request retried after the server revealed that this terminal was restored from a
        // backup carries `resync` (SEC-6).
        let mut resynced = false;
        let mut sent = 0;
        let body = || {
            let resync = terminal.with_conn(http::resync_pending)?;
            resynced = resync;
            let body = protocol::encode(&SyncRequest {
                v: protocol::PROTOCOL_VERSION,
                terminal: terminal.device_id.clone(),
                // A restored terminal asks for everything: its cursor, like its data, may predate what it lost.
                cursor: if resync { 0 } else { cursor },
                docs: docs.clone(),
                revocation_version,
                log_size: known.as_ref().map_or(0, |h| h.size),
                log_root: known.as_ref().and_then(|h| hex::decode(&h.root).ok()).map(|mut root| {
                    root.truncate(protocol::LOG_ROOT_PREFIX);
                    ByteBuf::from(root)
                }),
                lost_head: lost.as_ref().map(|(_, head)| head.clone()),
                resync,
            });
            sent = body.len();
            Ok(body)
        };
        let reply = match post(terminal, &url, body).await {
            // A refused proof is not shown again, so one wrong conclusion cannot stop every later sync.
            Err(Error::Refused { code, message, status })
                if lost.is_some() && LOST_HEAD_REFUSALS.contains(&code.as_str()) =>
            {
                let reason = format!("{status} {code}: {message}");
                terminal.write(|c| restore::reported(c, lost.as_ref().map_or(0, |l| l.0), Some(&reason)))?;
                return Err(Error::Refused { status, code, message });
            }
            // SEC-3: the server refused one of our documents and with it the request: that one is held back,
            // the rest of the batch goes again in the next round.
            Err(Error::Refused { status, code, message })
                if refused::is_per_document(status, &code)
                    && let Some(id) = refused::named(&message, docs.iter().map(|d| d.id.as_str())) =>
            {
                let id = id.to_owned();
                terminal.write(|c| refused::put(c, &id, status, &code, &message))?;
                for doc in &docs {
                    // Their sync states believe the messages were delivered: start them again from the server's heads.
                    session.states.remove(&doc.id);
                    session.sent.remove(&doc.id);
                    if doc.id != id {
                        session.outbox.insert(doc.id.clone());
                    }
                }
                session.refused.insert(id);
                report.rounds += 1;
                // One more round than planned, which also pulls what this one would have.
                max_rounds += 1;
                more = true;
                continue;
            }
            other => other?,
        };
        report.bytes_sent += sent as u64;
        report.bytes_received += reply.len() as u64;
        report.rounds += 1;
        let resp: SyncResponse = protocol::decode(&reply).map_err(|e| Error::BadReply(e.to_string()))?;
        let restored = terminal.write(|c| {
            if resynced {
                http::resync_done(c)?;
            }
            // Accepted: a document the server refused before is no longer refused.
            for doc in &docs {
                refused::release(c, &doc.id)?;
            }
            for doc in resp.docs {
                incoming(c, terminal, &mut session, doc)?;
            }
            if let Some((id, _)) = &lost {
                restore::reported(c, *id, None)?;
            }
            // A terminal with no provisioned authority trusts none yet, so it cannot check a list: it waits.
            if let Some(list) = &resp.revocations
                && !officers::trust_list(c)?.authorities.is_empty()
            {
                officers::accept_revocation_list(c, list)?;
                revocation_version = officers::revocation_version(c)?;
            }
            // SEC-6: before the receipt, whose head is the same as the log's: is this the log we know?
            let restored = match &resp.log {
                Some(state) => restore::check(c, server, state)?,
                None => false,
            };
            // SYNC-5: the server's receipt for what this request delivered, checked and kept.
            if let Some(receipt) = &resp.receipt {
                receipts::accept(c, server, receipt)?;
                restore::saw_head(c, server, &receipt.sth)?;
            }
            if restored {
                return Ok(Some(store::all_ids(c)?));
            }
            store::set_cursor(c, server, resp.cursor)?;
            Ok(None)
        })?;
        if let Some(all) = restored {
            // Start over as with a server that has never seen us: every document goes again, from nothing.
            report.server_restored = true;
            max_rounds = report.rounds as usize + all.len() / MAX_DOCS_PER_REQUEST + SPARE_ROUNDS;
            to_send = session.sent.len() + all.len();
            session.states.clear();
            session.outbox.extend(all.into_iter().filter(|id| !session.quarantined.contains(id)));
            cursor = 0;
            more = true;
            continue;
        }
        cursor = resp.cursor;
        more = resp.more;
        progress(SyncProgress {
            rounds: report.rounds,
            sent_docs: count(session.sent.len()),
            to_send: count(to_send.max(session.sent.len())),
            received_docs: count(session.received.len()),
        });
    }
    report.sent_docs = count(session.sent.len());
    report.received_docs = count(session.received.len());
    report.quarantined_docs = count(session.quarantined.len());
    report.refused_docs = count(session.refused.len());
    report.cursor = cursor;
    report.revocation_version = revocation_version;
    Ok(report)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Messages for as many documents of the outbox as fit in one request.
fn outgoing(c: &Connection, session: &mut Session) -> Result<Vec<DocMessage>> {
    let mut docs = Vec::new();
    let mut bytes = 0;
    while docs.len() < MAX_DOCS_PER_REQUEST && bytes < BODY_BUDGET {
        let Some(id) = session.outbox.pop_first() else { break };
        if session.refused.contains(&id) {
            continue;
        }
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

/// The server refusals of a lost head shown as proof of a restore (sync-server/src/restore.rs).
const LOST_HEAD_REFUSALS: [&str; 2] = ["bad_lost_head", "log_not_lost"];

/// Applies one of the server's messages and queues the document for our answer. A document that does not read
/// as an inspection is set aside (SEC-3) instead of failing the sync: the others go on.
fn incoming(c: &Connection, terminal: &Terminal, session: &mut Session, doc: DocMessage) -> Result<()> {
    let id = doc.id;
    if session.quarantined.contains(&id) {
        return Ok(());
    }
    let set_aside = |session: &mut Session, reason: String, bytes: &[u8]| -> Result<()> {
        quarantine::put(c, &id, &reason, bytes)?;
        session.quarantined.insert(id.clone());
        session.outbox.remove(&id);
        Ok(())
    };
    let msg = match fieldtrail_core::sync_message::decode(&doc.msg) {
        Ok(msg) => msg,
        Err(e) => return set_aside(session, format!("the server's sync message does not decode: {e}"), &doc.msg),
    };
    // SEC-4: a message that would inflate past the cap is never expanded.
    if let Err(e) = inflated_size(&msg, MAX_INFLATED_PER_MESSAGE) {
        return set_aside(session, format!("the server's sync message is refused: {e}"), &doc.msg);
    }
    let stored = store::load_raw(c, &id)?;
    let known = stored.is_some();
    let mut raw = stored.unwrap_or_else(AutoCommit::new).with_actor(terminal.actor.clone());
    let before = raw.get_heads();
    // Changes an earlier sync set aside are part of the document the server's message builds on.
    if let Some(kept) = quarantine::bytes(c, &id)? {
        let _ = raw.load_incremental(&kept); // a kept sync message is not a document: nothing to add
    }
    let state = match session.states.get_mut(&id) {
        Some(state) => state,
        None => session.states.entry(id.clone()).or_insert(resume_state(store::server_heads(c, &id)?)),
    };
    if let Err(e) = raw.sync().receive_sync_message(state, msg) {
        return set_aside(session, format!("the server's changes do not apply: {e}"), &doc.msg);
    }
    let shared = state.shared_heads.clone();
    let changed = raw.get_heads() != before;
    if changed || known {
        if changed {
            let (mut inspection, view) = match InspectionDoc::readable(raw, &id) {
                Ok(read) => read,
                Err(mut unreadable) => {
                    return set_aside(session, unreadable.error.to_string(), &unreadable.doc.save());
                }
            };
            if known {
                store::update_read(c, &id, &mut inspection, &before, &view)?;
            } else {
                store::insert_read(c, &id, &mut inspection, &view)?;
            }
        }
        store::set_server_heads(c, &id, &shared)?;
        quarantine::release(c, &id)?;
    }
    if changed {
        session.received.insert(id.clone());
    }
    session.outbox.insert(id);
    Ok(())
}

async fn post(terminal: &Terminal, url: &str, body: impl FnMut() -> Result<Vec<u8>>) -> Result<Vec<u8>> {
    terminal.exchange(reqwest::Method::POST, url, protocol::CONTENT_TYPE, body).await
}
