//! Ending and locking an inspection in one step (REC-4, CERT-4): core decides and builds the end and the lock
//! ([`fieldtrail_core::end_and_lock`]); the terminal stores them in one transaction, checked by the same rule
//! the server applies, or stores nothing.

use crate::error::{Error, Result};
use crate::officers::{UnlockedOfficer, trust};
use crate::{Terminal, store};
use fieldtrail_core::Edit;
use fieldtrail_core::end_and_lock::end_and_lock;

impl Terminal {
    /// Officer `officer` (unlocked, one of at least two certified officers who presented) applies `pending` (their
    /// unsaved edits), ends the inspection if it has no end yet and locks it, signing its heads: all of it, or,
    /// when any rule refuses, nothing, and the inspection stays as it was (not ended, same heads).
    pub fn end_and_lock(&self, inspection_id: &str, pending: &[Edit], officer: &UnlockedOfficer) -> Result<()> {
        self.write(|c| {
            let trust = trust(c)?;
            let mut doc =
                store::load(c, inspection_id, &self.actor)?.ok_or_else(|| Error::NotFound(inspection_id.to_owned()))?;
            let before = doc.heads();
            let by = officer.certificate().body().number.clone();
            end_and_lock(&mut doc, pending, &by, &trust, chrono::Utc::now(), |m| officer.sign(m))?;
            crate::rules::store_checked(c, inspection_id, &mut doc, &before)
        })
    }

    /// [`Terminal::end_and_lock`] with no unsaved edits.
    pub fn lock(&self, inspection_id: &str, officer: &UnlockedOfficer) -> Result<()> {
        self.end_and_lock(inspection_id, &[], officer)
    }
}
