//! The keys of the inspection document and its schema version: the one place that spells them.
//!
//! Version 1. A change to the layout bumps [`SCHEMA_VERSION`]; readers refuse documents newer than they know,
//! so an old terminal never half-reads a new case.

/// The schema version this build writes and the newest it reads.
pub const SCHEMA_VERSION: u64 = 1;

pub(crate) const SCHEMA: &str = "schema";
pub(crate) const ID: &str = "id";
pub(crate) const AGENCY: &str = "agency";
pub(crate) const KIND: &str = "kind";
pub(crate) const ITEM: &str = "item";
pub(crate) const ITEM_CODE: &str = "code";
pub(crate) const ITEM_NAME: &str = "name";
pub(crate) const LEGAL_BASIS: &str = "legal_basis";
pub(crate) const LAW: &str = "law";
pub(crate) const ARTICLE: &str = "article";
pub(crate) const CLAUSE: &str = "clause";
pub(crate) const BASIS_ITEM: &str = "item";
pub(crate) const PARTY: &str = "party";
pub(crate) const PARTY_NAME: &str = "name";
pub(crate) const CREDIT_CODE: &str = "credit_code";
pub(crate) const ID_NUMBER: &str = "id_number";
pub(crate) const ADDRESS: &str = "address";
pub(crate) const PHONE: &str = "phone";
pub(crate) const LOCATION: &str = "location";
pub(crate) const LATITUDE: &str = "latitude";
pub(crate) const LONGITUDE: &str = "longitude";
pub(crate) const OFFICERS: &str = "officers";
pub(crate) const CERTIFICATE_NUMBER: &str = "certificate_number";
pub(crate) const OFFICER_NAME: &str = "name";
pub(crate) const STARTED_AT: &str = "started_at";
pub(crate) const ENDED_AT: &str = "ended_at";
pub(crate) const CHECKLIST: &str = "checklist";
pub(crate) const CHECK_ID: &str = "id";
pub(crate) const CHECK_LABEL: &str = "label";
pub(crate) const CHECK_RESULT: &str = "result";
pub(crate) const CHECK_NOTE: &str = "note";
pub(crate) const FINDINGS: &str = "findings";
pub(crate) const RESULT: &str = "result";
pub(crate) const STATUS: &str = "status";
