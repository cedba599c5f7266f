//! The lock on arriving changes (REC-4): a change made on top of a locked inspection must be an amendment, and
//! a lock must be signed by an officer who presented for it. The terminal enforces this when it edits
//! (`InspectionDoc::apply`); this is the same rule for changes that arrive whole, by sync, so a terminal that
//! skips its own checks cannot change a locked case quietly. Changes concurrent with the lock (made offline
//! before anyone knew of it) are accepted: they were not made after it, and the lock's signed heads show what
//! it covered.

use crate::{Edit, Error, InspectionDoc};
use automerge::{AutoCommit, Change, ChangeHash};
use std::collections::{HashMap, HashSet};

/// Why arriving changes are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockViolation {
    /// A plain edit whose history includes the lock.
    #[error("change '{0}' edits the inspection after its lock; only amendments with a reason are accepted")]
    EditAfterLock(String),
    /// A lock that does not hold.
    #[error("the lock does not hold: {0}")]
    BadLock(String),
}

fn named(change: &Change, edit: &str) -> bool {
    change.message() == Some(edit)
}

/// Checks changes `new` that arrived in `doc` (already applied to it) against the lock.
pub fn check_arrivals(doc: &AutoCommit, new: &[Change]) -> Result<(), LockViolation> {
    let lock_name = Edit::Lock(Default::default()).name();
    let amend_name =
        Edit::Amend { edit: Box::new(Edit::SetResult(String::new())), reason: String::new(), by: String::new() }.name();
    let mut doc = doc.clone();
    let all = doc.get_changes(&[]);
    let locks: Vec<ChangeHash> = all.iter().filter(|c| named(c, lock_name)).map(Change::hash).collect();
    if locks.is_empty() {
        return Ok(());
    }
    if new.iter().any(|c| named(c, lock_name)) {
        let bad = |e: Error| LockViolation::BadLock(e.to_string());
        let inspection = InspectionDoc::from_automerge(doc.clone()).map_err(bad)?;
        let view = inspection.read().map_err(bad)?;
        let lock = view.inspection.lock.ok_or_else(|| LockViolation::BadLock("locked without a lock record".into()))?;
        inspection.check_lock(&lock).map_err(bad)?;
    }
    let deps: HashMap<ChangeHash, Vec<ChangeHash>> = all.iter().map(|c| (c.hash(), c.deps().to_vec())).collect();
    for change in new {
        if named(change, amend_name) || named(change, lock_name) {
            continue;
        }
        if locks.iter().any(|lock| descends_from(change.hash(), *lock, &deps)) {
            return Err(LockViolation::EditAfterLock(change.message().unwrap_or_default().to_owned()));
        }
    }
    Ok(())
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
