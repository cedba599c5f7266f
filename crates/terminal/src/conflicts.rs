//! Resolving a conflict (SYNC-2): the value the officer picks, or a new one, written as one ordinary edit of
//! that field, so it shows on the timeline like any edit and replaces every concurrent value.

use crate::error::{Error, Result};
use crate::{Terminal, rules, store};
use fieldtrail_core::Edit;

impl Terminal {
    /// Sets `field` (a conflict's path, e.g. `result` or `checklist[<id>].result`) of inspection `id` to `value`.
    pub fn resolve_conflict(&self, id: &str, field: &str, value: &str) -> Result<()> {
        self.write(|c| {
            let mut doc = store::load(c, id, &self.actor)?.ok_or_else(|| Error::NotFound(id.to_owned()))?;
            let edit = Edit::resolving(&doc.read()?.inspection, field, value)?;
            let before = doc.heads();
            doc.apply(&edit, chrono::Utc::now())?;
            rules::store_checked(c, id, &mut doc, &before)
        })
    }
}
