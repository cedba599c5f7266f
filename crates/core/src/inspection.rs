//! The inspection as the rest of FieldTrail sees it: plain typed values materialised from the document.

use crate::Position;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[ts(export)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's name in documents, APIs and the CLI.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(crate::Error::Invalid(format!(
                        "'{other}' is not a valid {}; expected one of: {}",
                        stringify!($name).to_lowercase(),
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// The kind of enforcement act the case belongs to (行政检查 / 处罚 / 许可 / 强制 / 征收).
    Kind { Inspection = "inspection", Penalty = "penalty", Licence = "licence", Coercion = "coercion", Levy = "levy" }
}

string_enum! {
    /// Where the case stands. A locked case takes no more edits (amendments come with the trail).
    Status { Draft = "draft", InProgress = "in_progress", Completed = "completed", Locked = "locked" }
}

string_enum! {
    /// The outcome of one checklist item.
    CheckResult { Pending = "pending", Pass = "pass", Fail = "fail", NotApplicable = "not_applicable" }
}

/// 执法依据: a law cited down to article, clause and item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LegalBasis {
    pub law: String,
    pub article: String,
    pub clause: String,
    pub item: String,
}

/// 行政相对人: who is inspected. `credit_code` and `id_number` are personal data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Party {
    pub name: String,
    pub credit_code: String,
    pub id_number: String,
    pub address: String,
    pub phone: String,
}

/// Where the inspection takes place.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Location {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: String,
}

/// An officer taking part, by certificate number. Certificates themselves come with the certificates work.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OfficerRef {
    pub certificate_number: String,
    pub name: String,
}

/// A certificate presented on site (亮证): the officer's signed presentation, as QR text anyone can verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PresentationRecord {
    pub certificate_number: String,
    pub name: String,
    /// RFC 3339, device clock.
    pub presented_at: String,
    /// `FTP1:…`: certificate and the holder's signature over this inspection, the time and a nonce.
    pub qr: String,
}

/// The lock (锁定): the locking officer's signature over the document's heads at that moment, so anyone can
/// check what exactly was locked and by whom.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LockRecord {
    /// Certificate number of the officer who locked.
    pub by: String,
    pub at: String,
    /// The heads signed (hex change hashes, sorted).
    pub heads: Vec<String>,
    /// Ed25519 signature (hex) by the officer's certified key over [`lock_message`](crate::lock_message).
    pub signature: String,
}

/// A change after lock (更正): what changed, the text before and after, why, and who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Amendment {
    /// The edit, e.g. `set result`.
    pub what: String,
    /// The changed fields before and after, as JSON objects of those fields.
    pub before: String,
    pub after: String,
    pub reason: String,
    /// Certificate number of the amending officer.
    pub by: String,
    pub at: String,
    /// Ed25519 signature (hex) by the amending officer's certified key over
    /// [`amendment_message`](crate::amendment_message): the inspection, this amendment and the heads it was
    /// made on (SEC-2). Empty in amendments from before signatures.
    pub signature: String,
}

/// The party's signature on the tablet, or the refusal to sign (REC-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PartySignature {
    pub signed: bool,
    /// SHA-256 of the signature image, kept as evidence, when signed.
    pub evidence: Option<String>,
    /// Why not, as stated, when refused.
    pub reason: String,
    pub at: String,
}

/// An attempt to interfere with the enforcement, recorded truthfully (REC-6, 000 art. 30).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Interference {
    pub description: String,
    pub recorded_by: String,
    pub at: String,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChecklistItem {
    pub id: String,
    pub label: String,
    pub result: CheckResult,
    pub note: String,
}

/// The inspection materialised: where a field is in conflict, it holds the value automerge picks as winner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Inspection {
    pub id: String,
    #[ts(type = "number")]
    pub schema: u64,
    pub agency: String,
    pub kind: Kind,
    pub item_code: String,
    pub item_name: String,
    /// 执法类别 of the item; with `region`, what an officer's certificate must cover (CERT-5).
    pub category: String,
    /// Administrative division code where the inspection takes place.
    pub region: String,
    pub legal_basis: Vec<LegalBasis>,
    pub party: Party,
    pub location: Location,
    pub officers: Vec<OfficerRef>,
    /// RFC 3339, device clock.
    pub started_at: String,
    /// Where the device was when the inspection started, or why that is unknown (REC-1). `None` only in
    /// inspections opened before positions were recorded.
    pub position: Option<Position>,
    pub ended_at: Option<String>,
    pub checklist: Vec<ChecklistItem>,
    pub findings: String,
    pub result: String,
    pub status: Status,
    pub presentations: Vec<PresentationRecord>,
    pub lock: Option<LockRecord>,
    pub amendments: Vec<Amendment>,
    pub party_signature: Option<PartySignature>,
    pub interferences: Vec<Interference>,
}

/// A field that terminals set concurrently: every value is kept until someone edits the field again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Conflict {
    /// Path of the field, e.g. `result`, `party.name`, `checklist[c2].result`.
    pub field: String,
    /// All concurrent values, the winner last.
    pub values: Vec<ConflictValue>,
}

/// One of a conflicting field's values and who wrote it, read from the change that holds its operation (SYNC-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConflictValue {
    pub value: String,
    /// The change that wrote it (hex hash).
    pub change: String,
    /// The device that wrote it: its id, as the change's actor names it (docs/architecture.md, actors).
    pub device: String,
    /// The writing device's clock when it wrote it (RFC 3339): recorded as claimed.
    pub device_time: String,
    /// The officer who wrote it, only when that change carries their signature verified with the certificate
    /// they presented for this inspection (a lock, an amendment); `None` for plain edits, which no officer signs.
    pub officer: Option<OfficerRef>,
}

/// An inspection together with its unresolved conflicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InspectionView {
    pub inspection: Inspection,
    pub conflicts: Vec<Conflict>,
}

impl InspectionView {
    /// The line a list shows for this inspection.
    pub fn summary(&self, updated_at: &str) -> InspectionSummary {
        let i = &self.inspection;
        InspectionSummary {
            id: i.id.clone(),
            item_name: i.item_name.clone(),
            party_name: i.party.name.clone(),
            kind: i.kind,
            status: i.status,
            result: i.result.clone(),
            started_at: i.started_at.clone(),
            updated_at: updated_at.to_owned(),
            conflicts: u32::try_from(self.conflicts.len()).unwrap_or(u32::MAX),
        }
    }
}

/// One inspection in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InspectionSummary {
    pub id: String,
    pub item_name: String,
    pub party_name: String,
    pub kind: Kind,
    pub status: Status,
    pub result: String,
    pub started_at: String,
    pub updated_at: String,
    pub conflicts: u32,
}

/// What an officer fills in to open a case.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInspection {
    pub agency: String,
    pub kind: Kind,
    pub item_code: String,
    pub item_name: String,
    pub legal_basis: Vec<LegalBasis>,
    pub party: Party,
    pub location: Location,
    pub officers: Vec<OfficerRef>,
    pub started_at: DateTime<Utc>,
    /// The device's position at the start, or why there is none (REC-1).
    pub position: Position,
    pub checklist: Vec<String>,
}
