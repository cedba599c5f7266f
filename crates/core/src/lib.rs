//! fieldtrail-core: FieldTrail's domain, pure.
//!
//! The inspection (one case file) is an automerge document; [`InspectionDoc`] is the only code that knows its
//! keys, so the terminal, the server and the app read and write it through typed functions. The sync helpers in
//! [`sync`] hold the few rules both ends of the sync protocol share. No I/O, no async, no clock: callers pass
//! the time in.
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod change_class;
mod document;
mod edit;
pub mod end_and_lock;
mod error;
pub mod evidence;
pub mod httpsig;
pub mod identity;
pub mod inflation;
mod inspection;
pub mod lock_rule;
pub mod on_site;
pub mod position;
pub mod protocol;
mod schema;
pub mod share;
pub mod sync;
pub mod sync_message;
mod timeline;
pub mod trail;
mod trail_record;

pub use catalogue::{CatalogueItem, ItemCatalogue};
pub use document::{InspectionDoc, Unreadable, device_of};
pub use edit::Edit;
pub use error::Error;
pub use evidence::{Evidence, MediaKind};
pub use inspection::{Amendment, Interference, LockRecord, PartySignature};
pub use inspection::{
    CheckResult, ChecklistItem, Conflict, ConflictValue, Inspection, InspectionSummary, InspectionView, Kind,
    LegalBasis, Location, NewInspection, OfficerRef, Party, PresentationRecord, Status,
};
pub use position::{AbsenceReason, Fix, Position, PositionSource};
pub use schema::SCHEMA_VERSION;
pub use timeline::TimelineEntry;
pub use trail_record::{amendment_message, lock_message, verify_amendment, verify_lock};

/// Re-exported so that callers name the same automerge types as core without a version of their own.
pub use automerge;
