//! The lock on the server (REC-4): core's rule for arriving changes (`fieldtrail_core::lock_rule`), mapped to
//! HTTP: a plain edit after the lock is a 409 `locked`, a lock that does not hold a 400 `bad_lock`.

use crate::ApiError;
use automerge::{AutoCommit, Change};
use fieldtrail_core::lock_rule::{LockViolation, check_arrivals};

/// Refuses `new` changes of document `id` that break the lock.
pub fn check(doc: &AutoCommit, new: &[Change], id: &str) -> Result<(), ApiError> {
    check_arrivals(doc, new).map_err(|v| match v {
        LockViolation::EditAfterLock(_) => {
            ApiError::Conflict { code: "locked", message: format!("document {id} is locked: {v}") }
        }
        LockViolation::BadLock(_) => ApiError::bad("bad_lock", format!("document {id}: {v}")),
    })
}
