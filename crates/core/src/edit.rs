//! The edits an officer makes to an inspection. Each becomes one automerge change whose message names it,
//! so the history reads as a list of these.

use crate::{
    CheckResult, Evidence, Kind, LegalBasis, Location, LockRecord, OfficerRef, Party, PresentationRecord, Status,
};
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
    /// Lock the inspection with the locking officer's signature over its heads (REC-4). Refused unless the
    /// signature verifies with the certificate of that officer's presentation in this inspection.
    Lock(LockRecord),
    /// A change after lock (REC-4): the inner edit, why, who, and that officer's signature (hex) over
    /// [`InspectionDoc::amendment_message`](crate::InspectionDoc::amendment_message) (SEC-2); the text before
    /// stays readable.
    Amend {
        edit: Box<Edit>,
        reason: String,
        by: String,
        signature: String,
    },
    /// The party signed on the tablet; the signature image is the evidence with this SHA-256 (REC-5).
    PartySigned {
        evidence: String,
    },
    /// The party refused to sign, for the reason stated (REC-5).
    SignatureRefused {
        reason: String,
    },
    /// An attempt to interfere with the enforcement (REC-6).
    RecordInterference {
        description: String,
        recorded_by: String,
    },
    /// Record an evidence file (REC-2): its hash and signed metadata, never its bytes. Adding a hash the
    /// inspection already lists changes nothing.
    AddEvidence(Box<Evidence>),
}

impl Edit {
    /// Whether an amendment may make this edit (SEC-2): it changes the record's content, never the lock, the
    /// status, the agency or scope, who presented, the party's signature, interference or evidence.
    pub fn is_amendable(&self) -> bool {
        matches!(
            self,
            Edit::SetFindings(_)
                | Edit::SetResult(_)
                | Edit::SetKind(_)
                | Edit::SetItem { .. }
                | Edit::SetParty(_)
                | Edit::SetLocation(_)
                | Edit::AddLegalBasis(_)
                | Edit::AddChecklistItem { .. }
                | Edit::SetChecklistResult { .. }
                | Edit::SetChecklistNote { .. }
                | Edit::SetEndedAt(_)
        )
    }

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
            Edit::Lock(_) => "lock",
            Edit::Amend { .. } => "amend",
            Edit::PartySigned { .. } => "party signed",
            Edit::SignatureRefused { .. } => "party refused to sign",
            Edit::RecordInterference { .. } => "record interference",
            Edit::AddEvidence(_) => "add evidence",
        }
    }
}
