//! The edits an officer makes to an inspection. Each becomes one automerge change whose message names it,
//! so the history reads as a list of these.

use crate::{CheckResult, Evidence, Kind, LegalBasis, Location, OfficerRef, Party, PresentationRecord, Status};
use chrono::{DateTime, Utc};

/// One edit to an inspection document.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Replace the findings text; applied as a text diff, so concurrent edits of different parts merge.
    SetFindings(String),
    /// Set the result; concurrent results are kept side by side as a conflict.
    SetResult(String),
    SetStatus(Status),
    SetKind(Kind),
    SetAgency(String),
    SetItem {
        code: String,
        name: String,
    },
    /// Only the fields that differ are written, so editing the phone does not conflict with editing the name.
    SetParty(Party),
    SetLocation(Location),
    AddLegalBasis(LegalBasis),
    AddOfficer(OfficerRef),
    AddChecklistItem {
        label: String,
    },
    SetChecklistResult {
        item_id: String,
        result: CheckResult,
    },
    SetChecklistNote {
        item_id: String,
        note: String,
    },
    SetEndedAt(DateTime<Utc>),
    /// The item's category and the region code of the place (CERT-5).
    SetScope {
        category: String,
        region: String,
    },
    /// An officer presented their certificate (CERT-3); the caller has verified the presentation.
    AddPresentation(PresentationRecord),
    /// Record an evidence file (REC-2): its hash and signed metadata, never its bytes. Adding a hash the
    /// inspection already lists changes nothing.
    AddEvidence(Box<Evidence>),
}

impl Edit {
    /// The change message recorded in the document's history.
    pub fn name(&self) -> &'static str {
        match self {
            Edit::SetFindings(_) => "set findings",
            Edit::SetResult(_) => "set result",
            Edit::SetStatus(_) => "set status",
            Edit::SetKind(_) => "set kind",
            Edit::SetAgency(_) => "set agency",
            Edit::SetItem { .. } => "set item",
            Edit::SetParty(_) => "set party",
            Edit::SetLocation(_) => "set location",
            Edit::AddLegalBasis(_) => "add legal basis",
            Edit::AddOfficer(_) => "add officer",
            Edit::AddChecklistItem { .. } => "add checklist item",
            Edit::SetChecklistResult { .. } => "set checklist result",
            Edit::SetChecklistNote { .. } => "set checklist note",
            Edit::SetEndedAt(_) => "set ended at",
            Edit::SetScope { .. } => "set scope",
            Edit::AddPresentation(_) => "present certificate",
            Edit::AddEvidence(_) => "add evidence",
        }
    }
}
