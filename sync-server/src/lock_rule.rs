//! The lock on the server (REC-4): a change made on top of a locked inspection must be an amendment, and a lock
//! must be signed by an officer who presented for it. Checked on arrival, so a terminal that skips its own
//! checks cannot change a locked case quietly. Changes concurrent with the lock (made offline before anyone
//! knew of it) are accepted: they were not made after it, and the lock's signed heads show what it covered.

use crate::ApiError;
use automerge::{AutoCommit, Change, ChangeHash};
use fieldtrail_core::{Edit, InspectionDoc};
use std::collections::{HashMap, HashSet};

fn named(change: &Change, edit: &str) -> bool {
    change.message() == Some(edit)
}

/// Refuses `new` changes of document `id` that edit it after its lock without an amendment, and new locks
/// whose signature does not hold.
pub fn check(doc: &AutoCommit, new: &[Change], id: &str) -> Result<(), ApiError> {
    let lock_name = Edit::Lock(Default::default()).name();
    let amend_name = "amend";
    let mut doc = doc.clone();
    let all = doc.get_changes(&[]);
    let locks: Vec<ChangeHash> = all.iter().filter(|c| named(c, lock_name)).map(Change::hash).collect();
    if locks.is_empty() {
        return Ok(());
    }
    if new.iter().any(|c| named(c, lock_name)) {
        let inspection = InspectionDoc::from_automerge(doc.clone())
            .map_err(|e| ApiError::bad("not_an_inspection", format!("document {id}: {e}")))?;
        let view = inspection.read().map_err(|e| ApiError::bad("not_an_inspection", format!("document {id}: {e}")))?;
        let lock = view
            .inspection
            .lock
            .ok_or_else(|| ApiError::bad("bad_lock", format!("document {id} is locked without a lock record")))?;
        inspection.check_lock(&lock).map_err(|e| ApiError::bad("bad_lock", format!("document {id}: {e}")))?;
    }
    let deps: HashMap<ChangeHash, Vec<ChangeHash>> = all.iter().map(|c| (c.hash(), c.deps().to_vec())).collect();
    for change in new {
        if named(change, amend_name) || named(change, lock_name) {
            continue;
        }
        if locks.iter().any(|lock| descends_from(change.hash(), *lock, &deps)) {
            return Err(ApiError::Conflict {
                code: "locked",
                message: format!(
                    "document {id} is locked: change '{}' edits it after the lock; only amendments with a reason are accepted",
                    change.message().unwrap_or_default()
                ),
            });
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
