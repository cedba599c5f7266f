//! One sync request, handled: the terminal's automerge sync messages are applied and answered, and documents
//! that changed since the terminal's cursor are offered, all in one transaction.

use crate::ApiError;
use crate::authz::{Action, Actor, DocumentAccess, Resource, authorize};
use crate::store::{Store, StoreTx};
use crate::trail::{self, LogKey};
use automerge::AutoCommit;
use automerge::sync::{Message, SyncDoc};
use fieldtrail_core::InspectionDoc;
use fieldtrail_core::inflation::{InflationError, MAX_INFLATED_PER_MESSAGE, MAX_INFLATED_PER_REQUEST, inflated_size};
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
    let mut inflated = 0u64;
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
            // SEC-4: what the changes expand to is bounded before automerge expands them.
            let room = MAX_INFLATED_PER_MESSAGE.min(MAX_INFLATED_PER_REQUEST - inflated);
            inflated += inflated_size(&msg, room).map_err(|e| match e {
                InflationError::TooLarge { .. } => ApiError::Inflates(format!(
                    "docs[{index}] ({}) is refused: {e} (limits: {MAX_INFLATED_PER_MESSAGE} bytes per message, \
                     {MAX_INFLATED_PER_REQUEST} per request)",
                    doc.id
                )),
                InflationError::Malformed(_) => {
                    ApiError::bad("bad_sync_message", format!("docs[{index}] ({}): {e}", doc.id))
                }
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

/// Applies a validated request from the device `actor` and builds the response, offering what its agency sees.
pub fn handle<S: Store>(
    store: &S,
    log_key: &LogKey,
    actor: &Actor,
    req: &SyncRequest,
    messages: Vec<(String, Message)>,
) -> Result<SyncResponse, ApiError> {
    let feed = actor.home_agency().ok_or_else(|| ApiError::Forbidden {
        code: "not_a_device",
        message: "only a registered device syncs".into(),
    })?;
    authorize(actor, Action::Pull, Resource::Agency(feed)).map_err(|d| d.into_api(&format!("feed of {feed}")))?;
    store.transact(|tx| {
        // SEC-6: the terminal holds a head of our log that the log no longer has: we run on a backup.
        if let Some(lost) = &req.lost_head {
            crate::restore::record(tx, log_key, &req.terminal, lost)?;
        }
        if req.resync {
            // SEC-6: a restored terminal lacks what it delivered after its backup; what the server believed it
            // had is forgotten, so every document is offered to it again.
            tracing::info!(device = %req.terminal, "terminal restored from a backup: its sync states are reset");
            tx.forget_shared_heads(&req.terminal)?;
        }
        let mut docs = Vec::with_capacity(messages.len());
        // Log indices of the changes accepted in this request, for its receipt.
        let mut logged = Vec::new();
        for (id, msg) in messages {
            if let Some(reply) = receive(tx, actor, &req.terminal, &id, msg, &mut logged)? {
                docs.push(DocMessage { id, msg: ByteBuf::from(reply.encode()) });
            }
        }
        let answered: HashSet<String> = docs.iter().map(|d| d.id.clone()).collect();
        let newest = tx.max_seq()?;
        // SEC-1: only the agency's own documents and those shared with it, filtered by the store's index. A
        // cursor beyond every change stored comes from before a restore from a backup (SEC-6): offered from it,
        // the terminal would never be offered anything again, so it is offered everything.
        let from = if req.cursor > newest { 0 } else { req.cursor };
        let changed = tx.changed_since(feed, from, PULL_PAGE)?;
        let more = changed.len() == PULL_PAGE;
        let cursor = if more { changed.last().map_or(newest, |c| c.1) } else { newest };
        for (id, _, heads) in changed {
            if answered.contains(&id) {
                continue;
            }
            let Some(access) = tx.document_access(&id)? else { continue };
            if authorize(actor, Action::Pull, Resource::Document(&access)).is_err() {
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
        let log = crate::restore::log_state(tx, log_key, req.log_size, req.log_root.as_deref().map(|r| r.as_slice()))?;
        Ok(SyncResponse { v: PROTOCOL_VERSION, cursor, more, docs, revocations, receipt, log })
    })
}

fn receive(
    tx: &mut dyn StoreTx,
    actor: &Actor,
    terminal: &str,
    id: &str,
    msg: Message,
    logged: &mut Vec<u64>,
) -> Result<Option<Message>, ApiError> {
    // SEC-1: any message about a stored document, even one that carries no change, may draw the document's
    // contents in the reply: it needs the right to write it.
    let access = tx.document_access(id)?;
    if let Some(access) = &access {
        authorize(actor, Action::Write, Resource::Document(access))
            .map_err(|d| d.into_api(&format!("document {id}")))?;
    }
    let stored = tx.load_document(id)?;
    let existed = stored.is_some();
    let mut doc = stored.unwrap_or_else(AutoCommit::new);
    let before = doc.get_heads();
    // What the stored case says before this message: a case stored before agencies were checked may name
    // another agency than its owner (or none), and may go on doing so, but no change may move it anywhere else.
    let named_before = access.as_ref().map(|_| InspectionDoc::agency_of(&doc).unwrap_or_default());
    let mut state = resume_state(tx.shared_heads(terminal, id)?);
    doc.sync().receive_sync_message(&mut state, msg).map_err(|e| {
        ApiError::bad("bad_sync_message", format!("document {id}: the sync message's changes do not apply: {e}"))
    })?;
    let after = doc.get_heads();
    if after != before {
        let new = doc.get_changes(&before);
        let inspection = crate::admission::admit(tx, &mut doc, &new, id)?;
        let agency = check_agency(actor, access.as_ref(), named_before.as_deref(), &inspection, id)?;
        tx.save_document(id, &mut doc, &new, terminal)?;
        if access.is_none() {
            tx.claim_document(id, &agency)?;
        }
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

/// SEC-1: the agency a document names, read from its content. A new document must name the delivering
/// device's agency, which becomes its owner; a stored one must go on naming its owner (or what it named
/// before these changes), so no change moves a case into another agency's hands. Returns the agency.
fn check_agency(
    actor: &Actor,
    access: Option<&DocumentAccess>,
    named_before: Option<&str>,
    inspection: &InspectionDoc,
    id: &str,
) -> Result<String, ApiError> {
    let claimed = inspection.agency().map_err(|e| ApiError::Forbidden {
        code: "agency_mismatch",
        message: format!("document {id} names no single agency: {e}"),
    })?;
    match access {
        None => authorize(actor, Action::Create, Resource::NewDocument { claimed_agency: &claimed })
            .map_err(|d| d.into_api(&format!("document {id}")))?,
        Some(access) if access.owner != claimed && named_before != Some(claimed.as_str()) => {
            return Err(ApiError::Forbidden {
                code: "agency_mismatch",
                message: format!(
                    "document {id} belongs to '{}'; a change may not make it name '{claimed}'",
                    access.owner
                ),
            });
        }
        Some(_) => {}
    }
    Ok(claimed)
}
