//! Ending and locking an inspection as one act (REC-4, CERT-4, CERT-5). Every reason to refuse is decided on the
//! inspection as it stands, before anything is written; only then are the officer's unsaved edits, the end (when
//! the inspection has none yet) and the lock made, on a copy that replaces the document only when all of them
//! held. The terminal stores the result in one transaction, so a refused lock leaves the inspection exactly as
//! it was: not ended, same heads, no new change.
//!
//! The end and the lock are two automerge changes because a change that locks may write nothing but the lock
//! record ([`crate::change_class`]); the lock signs the heads after the end, so the end time is what it covers.

use crate::identity::{IdentityError, Trust};
use crate::lock_rule::lock_officers;
use crate::{Edit, Error, Inspection, InspectionDoc, LockRecord, lock_message};
use automerge::ChangeHash;
use chrono::{DateTime, Utc};

/// Why an inspection is not ended and locked.
#[derive(Debug, thiserror::Error)]
pub enum LockRefused {
    #[error("the inspection is already locked")]
    AlreadyLocked,
    /// Fewer than two officers' presentations count (CERT-4), with why each other one did not.
    #[error(transparent)]
    Officers(#[from] IdentityError),
    /// The locking officer is not one of the officers whose presentations count.
    #[error("officer {0} has no presentation that counts for this inspection, so cannot lock it")]
    NotCounted(String),
    /// An unsaved edit or the lock record itself does not hold.
    #[error(transparent)]
    Record(#[from] Error),
}

impl LockRefused {
    /// Stable name of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            LockRefused::AlreadyLocked => "locked",
            LockRefused::Officers(e) => e.code(),
            LockRefused::NotCounted(_) => "lock_officer_not_counted",
            LockRefused::Record(e) => e.code(),
        }
    }
}

/// Whether officer `by` may end and lock `inspection` now, by `trust`: the rule the server applies when the lock
/// arrives (at least two officers whose presentations verify and are in scope, the locking one among them).
pub fn check_end_and_lock(inspection: &Inspection, by: &str, trust: &Trust) -> Result<(), LockRefused> {
    if inspection.lock.is_some() {
        return Err(LockRefused::AlreadyLocked);
    }
    let counted = lock_officers(inspection, trust)?;
    if !counted.iter().any(|o| o.certificate.number == by) {
        return Err(LockRefused::NotCounted(by.to_owned()));
    }
    Ok(())
}

/// Officer `by` ends and locks `doc` at `at` after applying `pending` (the officer's unsaved edits): all of it, or
/// nothing and `doc` untouched. `sign` signs the lock message with the officer's certified key. Returns the
/// changes made, in order.
pub fn end_and_lock(
    doc: &mut InspectionDoc,
    pending: &[Edit],
    by: &str,
    trust: &Trust,
    at: DateTime<Utc>,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Result<Vec<ChangeHash>, LockRefused> {
    if doc.is_locked()? {
        return Err(LockRefused::AlreadyLocked);
    }
    let before = doc.heads();
    let actor = doc.automerge().get_actor().clone();
    let mut work = InspectionDoc::from_automerge(doc.automerge().fork().with_actor(actor))?;
    for edit in pending {
        work.apply(edit, at)?;
    }
    let inspection = work.read()?.inspection;
    check_end_and_lock(&inspection, by, trust)?;
    if inspection.ended_at.is_none() {
        work.apply(&Edit::SetEndedAt(at), at)?;
    }
    let mut heads: Vec<String> = work.heads().iter().map(ChangeHash::to_string).collect();
    heads.sort();
    let signature = hex::encode(sign(&lock_message(&inspection.id, &heads)));
    work.apply(&Edit::Lock(LockRecord { by: by.to_owned(), at: at.to_rfc3339(), heads, signature }), at)?;
    let made = work.automerge().get_changes(&before).iter().map(|c| c.hash()).collect();
    *doc = work;
    Ok(made)
}
