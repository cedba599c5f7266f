//! One sync request, handled: the terminal's automerge sync messages are applied and answered, and documents
//! that changed since the terminal's cursor are offered, all in one transaction.

use crate::ApiError;
use crate::store::{Store, StoreTx};
use crate::trail::{self, LogKey};
use automerge::AutoCommit;
use automerge::sync::{Message, SyncDoc};
use fieldtrail_core::InspectionDoc;
use fieldtrail_core::protocol::{
    DocMessage, MAX_DOCS_PER_REQUEST, PROTOCOL_VERSION, PULL_PAGE, SyncRequest, SyncResponse,
};
use fieldtrail_core::sync::{resume_state, seed_state};
use serde_bytes::ByteBuf;
use std::collections::HashSet;

/// Checks everything that can be checked before touching storage, so a bad request is refused whole.
pub fn validate(req: &SyncRequest) -> Result<Vec<(String, Message)>, ApiError> {
    if req.terminal.trim().is_empty() || req.terminal.len() > 128 {
        return Err(ApiError::bad("bad_terminal", "the request must name its terminal (1 to 128 characters)"));
    }
    if req.docs.len() > MAX_DOCS_PER_REQUEST {
        return Err(ApiError::bad(
            "too_many_documents",
            format!("the request carries {} documents; the limit is {MAX_DOCS_PER_REQUEST}", req.docs.len()),
        ));
    }
    let mut seen = HashSet::new();
    req.docs
        .iter()
        .enumerate()
        .map(|(index, doc)| {
            if uuid_like(&doc.id).is_none() {
                return Err(ApiError::bad("bad_document_id", format!("docs[{index}].id '{}' is not a UUID", doc.id)));
            }
            if !seen.insert(doc.id.as_str()) {
                return Err(ApiError::bad("duplicate_document", format!("document {} appears twice", doc.id)));
            }
            let msg = fieldtrail_core::sync_message::decode(&doc.msg).map_err(|e| {
                ApiError::bad(
                    "bad_sync_message",
                    format!("docs[{index}] ({}) is not an automerge sync message: {e}", doc.id),
                )
            })?;
            Ok((doc.id.clone(), msg))
        })
        .collect()
}

fn uuid_like(id: &str) -> Option<()> {
    let groups: Vec<&str> = id.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    (groups.len() == 5
        && groups.iter().zip(lens).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit())))
    .then_some(())
}

/// Applies a validated request and builds the response.
pub fn handle<S: Store>(
    store: &S,
    log_key: &LogKey,
    req: &SyncRequest,
    messages: Vec<(String, Message)>,
) -> Result<SyncResponse, ApiError> {
    store.transact(|tx| {
        let mut docs = Vec::with_capacity(messages.len());
        // Log indices of the changes accepted in this request, for its receipt.
        let mut logged = Vec::new();
        for (id, msg) in messages {
            if let Some(reply) = receive(tx, &req.terminal, &id, msg, &mut logged)? {
                docs.push(DocMessage { id, msg: ByteBuf::from(reply.encode()) });
            }
        }
        let answered: HashSet<String> = docs.iter().map(|d| d.id.clone()).collect();
        let newest = tx.max_seq()?;
        let changed = tx.changed_since(req.cursor, PULL_PAGE)?;
        let more = changed.len() == PULL_PAGE;
        let cursor = if more { changed.last().map_or(newest, |c| c.1) } else { newest.max(req.cursor) };
        for (id, _, heads) in changed {
            if answered.contains(&id) {
                continue;
            }
            let shared = tx.shared_heads(&req.terminal, &id)?;
            if shared == heads {
                continue; // the terminal already has exactly this state
            }
            let Some(mut doc) = tx.load_document(&id)? else { continue };
            let mut state = seed_state(shared);
            if let Some(msg) = doc.sync().generate_sync_message(&mut state) {
                docs.push(DocMessage { id, msg: ByteBuf::from(msg.encode()) });
            }
        }
        let revocations = tx
            .latest_revocation_list()?
            .filter(|(version, _)| *version > req.revocation_version)
            .map(|(_, bytes)| ByteBuf::from(bytes));
        // SYNC-5: a signed tree head and the inclusion proofs of what this request delivered.
        let receipt = if logged.is_empty() { None } else { Some(trail::receipt(tx, log_key, &logged)?) };
        Ok(SyncResponse { v: PROTOCOL_VERSION, cursor, more, docs, revocations, receipt })
    })
}

fn receive(
    tx: &mut dyn StoreTx,
    terminal: &str,
    id: &str,
    msg: Message,
    logged: &mut Vec<u64>,
) -> Result<Option<Message>, ApiError> {
    let stored = tx.load_document(id)?;
    let existed = stored.is_some();
    let mut doc = stored.unwrap_or_else(AutoCommit::new);
    let before = doc.get_heads();
    let mut state = resume_state(tx.shared_heads(terminal, id)?);
    doc.sync().receive_sync_message(&mut state, msg).map_err(|e| {
        ApiError::bad("bad_sync_message", format!("document {id}: the sync message's changes do not apply: {e}"))
    })?;
    let after = doc.get_heads();
    if after != before {
        check_inspection(&doc, id)?;
        let new = doc.get_changes(&before);
        crate::lock_rule::check(&doc, &new, id)?;
        tx.save_document(id, &mut doc, &new, terminal)?;
        // TRAIL-2: every accepted change becomes a leaf of the server's log.
        let hashes: Vec<[u8; 32]> = new.iter().map(|c| c.hash().0).collect();
        logged.extend(trail::append_changes(tx, id, &hashes)?);
    }
    // A message that brought no document yet (only heads) leaves no state to remember.
    if existed || after != before {
        tx.set_shared_heads(terminal, id, &state.shared_heads)?;
    }
    Ok(doc.sync().generate_sync_message(&mut state))
}

/// Only inspections, of a schema this server knows, with the id they are filed under, are accepted.
fn check_inspection(doc: &AutoCommit, id: &str) -> Result<(), ApiError> {
    let inspection = InspectionDoc::from_automerge(doc.clone())
        .map_err(|e| ApiError::bad("not_an_inspection", format!("document {id} is refused: {e}")))?;
    let inner = inspection.id().map_err(|e| ApiError::bad("not_an_inspection", format!("document {id}: {e}")))?;
    if inner != id {
        return Err(ApiError::bad("document_id_mismatch", format!("document sent as {id} says it is {inner}")));
    }
    Ok(())
}
