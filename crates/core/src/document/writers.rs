//! Who wrote each value of a conflicting field (SYNC-2), decided by the change that holds the value's
//! operation, never by a name written into the document: the device its actor names, its device time, and the
//! officer only when that change carries their signature (a lock, an amendment) and it verifies with the
//! certificate they presented for this inspection.

use super::{Reader, hex_heads};
use crate::schema::*;
use crate::{Conflict, ConflictValue, Error, Inspection, LockRecord, OfficerRef, identity::Presentation};
use automerge::{ActorId, AutoCommit, Change, ObjId, ObjType, ROOT, ReadDoc, Value};

/// A conflicting field as read: each value with the id of the operation that wrote it.
#[derive(Debug)]
pub(super) struct Concurrent {
    pub field: String,
    pub values: Vec<(String, ObjId)>,
}

/// The device an actor belongs to: a terminal's actors start with its device UUID's 16 bytes (the terminal's
/// `store::session_actor`); any other actor is shown as it is, in hex.
pub fn device_of(actor: &ActorId) -> String {
    let bytes = actor.to_bytes();
    match bytes.get(..16) {
        Some(id) if bytes.len() >= 16 => {
            let h = hex::encode(id);
            format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
        }
        _ => actor.to_hex_string(),
    }
}

/// Names the writer of every value of `found`, in `doc` whose content reads as `inspection`.
pub(super) fn attribute(doc: &AutoCommit, found: Vec<Concurrent>, inspection: &Inspection) -> Vec<Conflict> {
    if found.is_empty() {
        return Vec::new();
    }
    // Reading a change needs the document's transaction closed; a copy, made only when there is a conflict to
    // explain, keeps `read` a read. Conflicts are rare and a case's history is small.
    let changes = doc.clone().get_changes(&[]);
    let signed = Signed::of(doc, &changes, inspection);
    found
        .into_iter()
        .map(|c| Conflict {
            field: c.field,
            values: c
                .values
                .into_iter()
                .map(|(value, op)| {
                    let change = written_by(&changes, &op);
                    ConflictValue {
                        value,
                        change: change.map(|c| c.hash().to_string()).unwrap_or_default(),
                        device: change.map(|c| device_of(c.actor_id())).unwrap_or_default(),
                        device_time: change
                            .and_then(|c| chrono::DateTime::from_timestamp(c.timestamp(), 0))
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default(),
                        officer: change.and_then(|c| signed.officer(c)),
                    }
                })
                .collect(),
        })
        .collect()
}

/// The change of `changes` that holds operation `op`.
pub(crate) fn written_by<'c>(changes: &'c [Change], op: &ObjId) -> Option<&'c Change> {
    let ObjId::Id(counter, actor, _) = op else { return None };
    changes.iter().find(|c| c.actor_id() == actor && c.start_op().get() <= *counter && *counter <= c.max_op())
}

/// The changes whose officer signature verifies: each lock and each amendment, with the officer who signed it.
struct Signed {
    by_change: Vec<(automerge::ChangeHash, OfficerRef)>,
}

impl Signed {
    fn of(doc: &AutoCommit, changes: &[Change], inspection: &Inspection) -> Self {
        let mut by_change = Vec::new();
        let officer = |number: &str, verifies: &dyn Fn(&[u8]) -> bool| presented(inspection, number, verifies);
        for (value, lock) in doc.get_all(ROOT, LOCK).unwrap_or_default() {
            let (Value::Object(ObjType::Map), Some(change)) = (value, written_by(changes, &lock)) else { continue };
            let Ok(record) = read_lock(doc, &lock) else { continue };
            let mut made_on = hex_heads(change.deps());
            made_on.sort();
            let mut signed = record.heads.clone();
            signed.sort();
            let verifies = |key: &[u8]| signed == made_on && crate::verify_lock(&inspection.id, &record, key);
            if let Some(o) = officer(&record.by, &verifies) {
                by_change.push((change.hash(), o));
            }
        }
        if let Ok(Some((Value::Object(ObjType::List), list))) = doc.get(ROOT, AMENDMENTS) {
            for index in 0..doc.length(&list) {
                let Ok(Some((Value::Object(ObjType::Map), entry))) = doc.get(&list, index) else { continue };
                let Some(change) = written_by(changes, &entry) else { continue };
                let Ok(amendment) = super::read_amendment(doc, &entry) else { continue };
                let heads = hex_heads(change.deps());
                let verifies = |key: &[u8]| crate::verify_amendment(&inspection.id, &amendment, &heads, key);
                if let Some(o) = officer(&amendment.by, &verifies) {
                    by_change.push((change.hash(), o));
                }
            }
        }
        Signed { by_change }
    }

    fn officer(&self, change: &Change) -> Option<OfficerRef> {
        self.by_change.iter().find(|(hash, _)| *hash == change.hash()).map(|(_, o)| o.clone())
    }
}

/// Officer `number` as their certificate presented for this inspection names them, if a signature made with
/// that certificate's key `verifies`. The name is the certificate's, not the presentation record's.
fn presented(inspection: &Inspection, number: &str, verifies: &dyn Fn(&[u8]) -> bool) -> Option<OfficerRef> {
    inspection
        .presentations
        .iter()
        .filter(|p| p.certificate_number == number)
        .filter_map(|p| Presentation::from_qr_text(&p.qr).ok())
        .filter(|p| p.inspection_id() == inspection.id && p.certificate().body().number == number)
        .find(|p| verifies(&p.certificate().body().holder_key))
        .map(|p| OfficerRef { certificate_number: number.to_owned(), name: p.certificate().body().name.clone() })
}

fn read_lock(doc: &AutoCommit, obj: &ObjId) -> Result<LockRecord, Error> {
    let mut r = Reader::new(doc);
    Ok(LockRecord {
        by: r.string(obj, LOCK_BY, "lock.by")?,
        at: r.string(obj, LOCK_AT, "lock.at")?,
        heads: r.strings(obj, LOCK_HEADS, "lock.heads")?,
        signature: r.string(obj, LOCK_SIGNATURE, "lock.signature")?,
    })
}
