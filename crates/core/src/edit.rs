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

impl Edit {
    /// The ordinary edit that sets `field` (a [`Conflict`](crate::Conflict)'s path) of `inspection` to `value`:
    /// how an officer resolves a conflict, by picking one of its values or writing a new one (SYNC-2). The
    /// edit writes that one field, which replaces every concurrent value; the other fields it names keep the
    /// value they have, so they are not written.
    pub fn resolving(inspection: &crate::Inspection, field: &str, value: &str) -> Result<Edit, crate::Error> {
        let v = value.to_owned();
        let cannot = || crate::Error::Invalid(format!("the field '{field}' is not set by an officer's edit"));
        Ok(match field {
            "result" => Edit::SetResult(v),
            "findings" => Edit::SetFindings(v),
            "kind" => Edit::SetKind(value.parse()?),
            "item.code" => Edit::SetItem { code: v, name: inspection.item_name.clone() },
            "item.name" => Edit::SetItem { code: inspection.item_code.clone(), name: v },
            "category" => Edit::SetScope { category: v, region: inspection.region.clone() },
            "region" => Edit::SetScope { category: inspection.category.clone(), region: v },
            "location.address" => Edit::SetLocation(Location { address: v, ..inspection.location.clone() }),
            "ended_at" => Edit::SetEndedAt(
                DateTime::parse_from_rfc3339(value)
                    .map_err(|_| crate::Error::Invalid(format!("'{value}' is not an RFC 3339 time")))?
                    .with_timezone(&Utc),
            ),
            party if party.starts_with("party.") => {
                let mut p = inspection.party.clone();
                let slot = match &party["party.".len()..] {
                    "name" => &mut p.name,
                    "credit_code" => &mut p.credit_code,
                    "id_number" => &mut p.id_number,
                    "address" => &mut p.address,
                    "phone" => &mut p.phone,
                    _ => return Err(cannot()),
                };
                *slot = v;
                Edit::SetParty(p)
            }
            check if check.starts_with("checklist[") => {
                let (id, what) = check["checklist[".len()..].split_once("].").ok_or_else(cannot)?;
                if !inspection.checklist.iter().any(|c| c.id == id) {
                    return Err(crate::Error::NotFound(format!("no checklist item '{id}' in this inspection")));
                }
                let item_id = id.to_owned();
                match what {
                    "result" => Edit::SetChecklistResult { item_id, result: value.parse()? },
                    "note" => Edit::SetChecklistNote { item_id, note: v },
                    _ => return Err(cannot()),
                }
            }
            _ => return Err(cannot()),
        })
    }
}
