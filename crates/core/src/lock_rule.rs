//! The rules for arriving changes (REC-4, SEC-2, CERT-4, CERT-5), written once for the terminal's edits and
//! the server's sync. Each change is judged by what its operations do ([`classify`]), never by its message:
//! - a change that locks must carry a lock record over the heads it was made on, signed by one of at least two
//!   officers whose presentations verify against the trust list and the revocation list and whose
//!   certificates cover the inspection's category and region;
//! - a change made on top of a lock must add exactly one amendment, signed by an officer who presented, whose
//!   certificate is trusted, unrevoked and in scope when the amendment is dated, recording exactly the fields
//!   its operations change;
//! - nothing else touches the lock or the amendments.
//!
//! Changes concurrent with a lock (made offline before anyone knew of it) are plain edits: they were not made
//! after it, and the lock's signed heads show what it covered.

use crate::change_class::{ChangeClass, Territory, classify};
use crate::identity::{CountedOfficer, IdentityError, OfficerCheck, Presentation, Trust, check_can_lock};
use crate::schema::{AMENDMENTS, LOCK};
use crate::{Amendment, Inspection, InspectionDoc};
use automerge::{AutoCommit, Change, ChangeHash, ObjId, ROOT, ReadDoc, Value};
use std::collections::{HashMap, HashSet};

/// Why arriving changes are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockViolation {
    /// A change made on top of the lock that is not an amendment.
    #[error("change {change} was made after the inspection's lock and is not an amendment: {why}")]
    EditAfterLock { change: String, why: String },
    /// A lock that does not hold.
    #[error("the lock does not hold: {0}")]
    BadLock(String),
    /// An amendment that does not hold.
    #[error("the amendment does not hold: {0}")]
    BadAmendment(String),
}

impl LockViolation {
    /// Stable name of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            LockViolation::EditAfterLock { .. } => "locked",
            LockViolation::BadLock(_) => "bad_lock",
            LockViolation::BadAmendment(_) => "bad_amendment",
        }
    }
}

/// Checks changes `new` that arrived in `doc` (already applied to it) against the rules. `trust` is asked for
/// only when a lock or an amendment is to be judged: plain edits, nearly all of a sync, need no verification.
pub fn check_arrivals(
    doc: &mut AutoCommit,
    new: &[Change],
    trust: impl FnOnce() -> Trust,
) -> Result<(), LockViolation> {
    let built = std::cell::OnceCell::new();
    let mut make = Some(trust);
    let mut trust = || built.get_or_init(|| make.take().map(|make| make()).unwrap_or_default());
    let territory = Territory::of(doc);
    let classes: Vec<ChangeClass> = new.iter().map(|c| classify(c, &territory)).collect();
    let locks = lock_changes(doc);
    let deps: HashMap<ChangeHash, Vec<ChangeHash>> = if locks.is_empty() {
        HashMap::new()
    } else {
        doc.get_changes(&[]).iter().map(|c| (c.hash(), c.deps().to_vec())).collect()
    };
    for (change, class) in new.iter().zip(classes) {
        let after_lock = locks.iter().any(|lock| descends_from(change.hash(), *lock, &deps));
        let after = |why: String| LockViolation::EditAfterLock { change: change.hash().to_string(), why };
        match class {
            ChangeClass::Forbidden { reason, .. } if after_lock => return Err(after(reason)),
            ChangeClass::Forbidden { lock: true, reason } => return Err(LockViolation::BadLock(reason)),
            ChangeClass::Forbidden { lock: false, reason } => return Err(LockViolation::BadAmendment(reason)),
            ChangeClass::Plain if after_lock => {
                return Err(after("only an amendment signed by an officer who presented is accepted".into()));
            }
            ChangeClass::Plain => {}
            ChangeClass::Lock if after_lock => return Err(after("it locks again".into())),
            ChangeClass::Lock => check_lock(doc, change, trust())?,
            ChangeClass::Amendment { .. } if !after_lock => {
                return Err(LockViolation::BadAmendment("it amends an inspection that was not locked".into()));
            }
            ChangeClass::Amendment { entry } => check_amendment(doc, change, &entry, trust())?,
        }
    }
    Ok(())
}

/// The officers whose presentations count for acts on `inspection` (CERT-3 to CERT-5): each presentation
/// verified as of the moment it was made, an officer's certificate covering the inspection's category and
/// region. Fails unless at least two different officers count (CERT-4), naming why the others did not.
pub fn lock_officers(inspection: &Inspection, trust: &Trust) -> Result<Vec<CountedOfficer>, IdentityError> {
    let mut counted = Vec::new();
    let mut refused = Vec::new();
    for p in &inspection.presentations {
        let at = Presentation::from_qr_text(&p.qr).map(|p| p.presented_at()).unwrap_or(0);
        match trust.acting_officer(&p.qr, &inspection.id, at, &inspection.category, &inspection.region) {
            Ok(officer) => counted.push(officer),
            Err(e) => refused.push(format!("{} ({e})", p.certificate_number)),
        }
    }
    let checks: Vec<OfficerCheck<'_>> =
        counted.iter().map(|o| OfficerCheck { verification: &o.verification }).collect();
    check_can_lock(&checks).map_err(|e| {
        if refused.is_empty() {
            e
        } else {
            IdentityError::NotEnoughOfficers(format!("{e}; not counted: {}", refused.join("; ")))
        }
    })?;
    Ok(counted)
}

fn check_lock(doc: &mut AutoCommit, change: &Change, trust: &Trust) -> Result<(), LockViolation> {
    let bad = |e: &dyn std::fmt::Display| LockViolation::BadLock(e.to_string());
    let at_lock =
        InspectionDoc::from_automerge(doc.fork_at(&[change.hash()]).map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
    let inspection = at_lock.read().map_err(|e| bad(&e))?.inspection;
    let lock = inspection.lock.clone().ok_or_else(|| LockViolation::BadLock("locked without a lock record".into()))?;
    let mut made_on = hex_heads(change.deps());
    made_on.sort();
    let mut signed = lock.heads.clone();
    signed.sort();
    if signed != made_on {
        return Err(LockViolation::BadLock(format!(
            "it signs heads [{}] but was made on [{}]",
            signed.join(", "),
            made_on.join(", ")
        )));
    }
    at_lock.check_lock(&lock).map_err(|e| bad(&e))?;
    let officers = lock_officers(&inspection, trust).map_err(|e| bad(&e))?;
    if !officers.iter().any(|o| o.certificate.number == lock.by) {
        return Err(LockViolation::BadLock(format!(
            "it is signed by {}, who is not one of the officers whose presentations count",
            lock.by
        )));
    }
    Ok(())
}

fn check_amendment(doc: &mut AutoCommit, change: &Change, entry: &ObjId, trust: &Trust) -> Result<(), LockViolation> {
    let bad = |e: &dyn std::fmt::Display| LockViolation::BadAmendment(e.to_string());
    let amendment = crate::document::read_amendment(doc, entry).map_err(|e| bad(&e))?;
    let before =
        InspectionDoc::from_automerge(doc.fork_at(change.deps()).map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
    let after =
        InspectionDoc::from_automerge(doc.fork_at(&[change.hash()]).map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
    let inspection = before.read().map_err(|e| bad(&e))?.inspection;
    let at = chrono::DateTime::parse_from_rfc3339(&amendment.at)
        .map_err(|_| LockViolation::BadAmendment(format!("its time '{}' is not an RFC 3339 time", amendment.at)))?
        .timestamp();
    // The amending officer's presentation, verified as of the amendment: a revoked or suspended certificate, one
    // from an authority nobody trusts, or one outside the inspection's scope signs nothing.
    let mut why_not = vec![format!("officer {} has not presented for this inspection", amendment.by)];
    let mut key = None;
    for p in inspection.presentations.iter().filter(|p| p.certificate_number == amendment.by) {
        match trust.acting_officer(&p.qr, &inspection.id, at, &inspection.category, &inspection.region) {
            Ok(officer) => {
                key = Some(officer.certificate.holder_key);
                break;
            }
            Err(e) => why_not = vec![format!("officer {}: {e}", amendment.by)],
        }
    }
    let key = key.ok_or_else(|| LockViolation::BadAmendment(why_not.join("; ")))?;
    if !crate::verify_amendment(&inspection.id, &amendment, &hex_heads(change.deps()), &key) {
        return Err(LockViolation::BadAmendment(format!(
            "its signature does not verify with the certificate officer {} presented",
            amendment.by
        )));
    }
    // What it says it changed is what its operations change, field by field.
    let (old, new) = after.changed_since(&before).map_err(|e| bad(&e))?;
    let recorded = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
    if recorded(&amendment.before) != Some(old) || recorded(&amendment.after) != Some(new) {
        return Err(LockViolation::BadAmendment(
            "the fields it records as changed are not the ones its operations change".into(),
        ));
    }
    Ok(())
}

/// Every amendment the document records, with the verdict of the rule above, for those who verify a case
/// afterwards (a case bundle): the same check the server made when it arrived, with the verifier's trust.
pub fn check_recorded_amendments(doc: &mut AutoCommit, trust: &Trust) -> Vec<(Amendment, Result<(), LockViolation>)> {
    let Ok(Some((Value::Object(_), list))) = doc.get(ROOT, AMENDMENTS) else { return Vec::new() };
    let entries: Vec<ObjId> = (0..doc.length(&list))
        .filter_map(|i| match doc.get(&list, i) {
            Ok(Some((Value::Object(_), entry))) => Some(entry),
            _ => None,
        })
        .collect();
    let changes = doc.get_changes(&[]);
    let mut out = Vec::new();
    for entry in entries {
        let Ok(amendment) = crate::document::read_amendment(doc, &entry) else { continue };
        let made_by = match &entry {
            ObjId::Id(counter, actor, _) => changes
                .iter()
                .find(|c| c.actor_id() == actor && c.start_op().get() <= *counter && *counter <= c.max_op()),
            ObjId::Root => None,
        };
        let verdict = match made_by {
            Some(change) => check_amendment(doc, change, &entry, trust),
            None => Err(LockViolation::BadAmendment("no change of the history made it".into())),
        };
        out.push((amendment, verdict));
    }
    out
}

/// The changes that made the document's lock records (one, or several made concurrently).
fn lock_changes(doc: &mut AutoCommit) -> Vec<ChangeHash> {
    let made: Vec<(u64, automerge::ActorId)> = doc
        .get_all(ROOT, LOCK)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(value, id)| match (value, id) {
            (Value::Object(_), ObjId::Id(counter, actor, _)) => Some((counter, actor)),
            _ => None,
        })
        .collect();
    if made.is_empty() {
        return Vec::new();
    }
    doc.get_changes(&[])
        .iter()
        .filter(|c| {
            made.iter().any(|(counter, actor)| {
                c.actor_id() == actor && c.start_op().get() <= *counter && *counter <= c.max_op()
            })
        })
        .map(Change::hash)
        .collect()
}

fn hex_heads(heads: &[ChangeHash]) -> Vec<String> {
    heads.iter().map(ChangeHash::to_string).collect()
}

/// Whether `ancestor` is in the history `change` was made on.
fn descends_from(change: ChangeHash, ancestor: ChangeHash, deps: &HashMap<ChangeHash, Vec<ChangeHash>>) -> bool {
    let mut seen = HashSet::new();
    let mut stack: Vec<ChangeHash> = deps.get(&change).cloned().unwrap_or_default();
    while let Some(next) = stack.pop() {
        if next == ancestor {
            return true;
        }
        if seen.insert(next) {
            stack.extend(deps.get(&next).cloned().unwrap_or_default());
        }
    }
    false
}
