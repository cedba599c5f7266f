//! The terminal checks its own edits with core's rules before it stores them (SEC-2): the same code the server
//! runs when they arrive, with this terminal's trust list and revocation list, so an edit the server would
//! refuse is refused here, with the same code, before it can block a sync.

use crate::error::Result;
use crate::{officers, store};
use automerge::ChangeHash;
use fieldtrail_core::InspectionDoc;
use fieldtrail_core::lock_rule::check_arrivals;
use rusqlite::Connection;

/// Stores what `doc` gained since `before`, if core's rules accept it.
pub(crate) fn store_checked(c: &Connection, id: &str, doc: &mut InspectionDoc, before: &[ChangeHash]) -> Result<()> {
    let new = doc.automerge().get_changes(before);
    if !new.is_empty() {
        let trust = officers::trust(c)?;
        check_arrivals(doc.automerge(), &new, || trust)?;
    }
    store::update(c, id, doc, before)
}
