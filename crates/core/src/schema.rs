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

// Scope of the enforcement item (CERT-5): its category (执法类别) and the region code where it takes place.
// Documents from before these keys read them as empty.
pub(crate) const CATEGORY: &str = "category";
pub(crate) const REGION: &str = "region";

// Presentations (CERT-3): a list of maps, each the QR text of a presentation signed by the officer.
pub(crate) const PRESENTATIONS: &str = "presentations";
pub(crate) const PR_NUMBER: &str = "certificate_number";
pub(crate) const PR_NAME: &str = "name";
pub(crate) const PR_AT: &str = "presented_at";
pub(crate) const PR_QR: &str = "qr";

// The trail (REC-3 to REC-6): the lock signed over the heads, amendments after it, the party's signature or
// refusal, recorded interference. Documents from before these keys read them as absent or empty.
pub(crate) const LOCK: &str = "lock";
pub(crate) const LOCK_BY: &str = "by";
pub(crate) const LOCK_AT: &str = "at";
pub(crate) const LOCK_HEADS: &str = "heads";
pub(crate) const LOCK_SIGNATURE: &str = "signature";
pub(crate) const AMENDMENTS: &str = "amendments";
pub(crate) const AM_WHAT: &str = "what";
pub(crate) const AM_BEFORE: &str = "before";
pub(crate) const AM_AFTER: &str = "after";
pub(crate) const AM_REASON: &str = "reason";
pub(crate) const AM_BY: &str = "by";
pub(crate) const AM_AT: &str = "at";
/// The amending officer's signature over [`amendment_message`](crate::amendment_message) (SEC-2); amendments
/// from before it existed read it as empty and do not verify.
pub(crate) const AM_SIGNATURE: &str = "signature";
pub(crate) const PARTY_SIGNATURE: &str = "party_signature";
pub(crate) const PS_SIGNED: &str = "signed";
pub(crate) const PS_EVIDENCE: &str = "evidence";
pub(crate) const PS_REASON: &str = "reason";
pub(crate) const PS_AT: &str = "at";
pub(crate) const INTERFERENCES: &str = "interferences";
pub(crate) const IF_DESCRIPTION: &str = "description";
pub(crate) const IF_BY: &str = "recorded_by";
pub(crate) const IF_AT: &str = "at";

// Where (REC-1, REC-2): the position when the inspection started (top level) and at each capture (in each
// evidence map), a map whose `state` says fix or absent. Documents and evidence from before positions have no
// such key and read it as `None`; an inspection's position is a fact of the case, never amended.
pub(crate) const POSITION: &str = "position";
pub(crate) const POS_STATE: &str = "state";
pub(crate) const POS_FIX: &str = "fix";
pub(crate) const POS_ABSENT: &str = "absent";
pub(crate) const POS_LATITUDE: &str = "latitude";
pub(crate) const POS_LONGITUDE: &str = "longitude";
pub(crate) const POS_ACCURACY_M: &str = "accuracy_m";
pub(crate) const POS_AT: &str = "at";
pub(crate) const POS_SOURCE: &str = "source";
pub(crate) const POS_REASON: &str = "reason";

/// The top-level keys an amendment may change (SEC-2, REC-4): the record's content. Never the lock, the
/// status, the agency, the scope, who presented, the party's signature, interference or evidence: those are
/// facts of the case, not its findings.
pub(crate) const AMENDABLE: &[&str] =
    &[FINDINGS, RESULT, KIND, ITEM, PARTY, LOCATION, LEGAL_BASIS, CHECKLIST, ENDED_AT];

// Evidence (REC-2): a list of maps, one per file, keyed by the file's SHA-256. Documents created before the
// list existed gain it with their first evidence item.
pub(crate) const EVIDENCE: &str = "evidence";
pub(crate) const EV_SHA256: &str = "sha256";
pub(crate) const EV_SIZE: &str = "size";
pub(crate) const EV_MEDIA_TYPE: &str = "media_type";
pub(crate) const EV_KIND: &str = "kind";
pub(crate) const EV_CAPTURED_AT: &str = "captured_at";
pub(crate) const EV_DEVICE_ID: &str = "device_id";
pub(crate) const EV_OFFICER: &str = "officer";
pub(crate) const EV_ORIGINAL_NAME: &str = "original_name";
pub(crate) const EV_EXIF_TIME: &str = "exif_time";
pub(crate) const EV_LATITUDE: &str = "latitude";
pub(crate) const EV_LONGITUDE: &str = "longitude";
pub(crate) const EV_ORIENTATION: &str = "orientation";
pub(crate) const EV_DURATION_MS: &str = "duration_ms";
pub(crate) const EV_WIDTH: &str = "width";
pub(crate) const EV_HEIGHT: &str = "height";
pub(crate) const EV_DEVICE_PUBLIC_KEY: &str = "device_public_key";
pub(crate) const EV_DEVICE_SIGNATURE: &str = "device_signature";
pub(crate) const EV_OFFICER_SIGNATURE: &str = "officer_signature";
