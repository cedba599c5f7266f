//! Errors of the terminal's services, each with a stable code the app translates for the officer.

/// What can go wrong on the terminal.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Domain(#[from] fieldtrail_core::Error),
    #[error("local database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("local database migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("no inspection {0} on this terminal")]
    NotFound(String),
    #[error("cannot reach the server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the server refused the sync ({status} {code}): {message}")]
    Refused { status: u16, code: String, message: String },
    #[error("the server's reply is not valid: {0}")]
    BadReply(String),
    #[error("{0}")]
    Invalid(String),
    #[error("evidence file {path}: {source}")]
    EvidenceIo { path: String, source: std::io::Error },
    #[error("the evidence file is empty")]
    EvidenceEmpty,
    #[error("not a photo, audio or video file: {0}")]
    EvidenceUnsupported(String),
    #[error("image refused: {0}")]
    ImageRefused(String),
    #[error("no evidence file {0} on this terminal")]
    EvidenceNotFound(String),
    #[error("the server refused evidence {sha256}: its bytes do not match the declared SHA-256")]
    UploadHashMismatch { sha256: String },
    #[error("device key: {0}")]
    DeviceKey(String),
    #[error(transparent)]
    Identity(#[from] fieldtrail_core::identity::IdentityError),
    #[error("PIN too weak: {0}")]
    WeakPin(String),
    #[error("the enrolment code does not open this package")]
    WrongCode,
    #[error("wrong PIN ({failures} failed in a row){}", if *.locked_for > 0 { format!("; locked for {locked_for} s") } else { String::new() })]
    WrongPin { failures: u32, locked_for: i64 },
    #[error("too many wrong PINs: locked for another {seconds} s")]
    PinLocked { until: i64, seconds: i64 },
    #[error("the server's receipt does not verify: {0}")]
    Receipt(String),
    #[error("the catalogue offered (version {offered}) is older than the one on this terminal (version {have})")]
    CatalogueOutdated { have: u64, offered: u64 },
    #[error("the certificate is not valid ({0}): {1}")]
    CertificateNotValid(String, String),
    /// The edit breaks a rule the server would refuse it for (SEC-2): checked here first by the same code.
    #[error(transparent)]
    Rule(#[from] fieldtrail_core::lock_rule::LockViolation),
    /// Ending and locking refused before anything was written (boxed: it carries core's errors).
    #[error(transparent)]
    LockRefused(Box<fieldtrail_core::end_and_lock::LockRefused>),
    #[error(
        "the package's certificate is signed by key {key_id} (the package says \"{claimed}\"), which the \
         administrator has not provisioned on this terminal (`fieldtrail-terminal trust add-authority`)"
    )]
    AuthorityNotProvisioned { key_id: String, claimed: String },
}

impl From<fieldtrail_core::end_and_lock::LockRefused> for Error {
    fn from(refused: fieldtrail_core::end_and_lock::LockRefused) -> Self {
        Error::LockRefused(Box::new(refused))
    }
}

impl Error {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Domain(e) => e.code(),
            Error::Database(_) | Error::Migration(_) => "database",
            Error::DataDir { .. } => "data_dir",
            Error::NotFound(_) => "not_found",
            Error::Unreachable { .. } => "server_unreachable",
            Error::Refused { .. } => "server_refused",
            Error::BadReply(_) => "server_bad_reply",
            Error::Invalid(_) => "invalid_input",
            Error::Identity(e) => e.code(),
            Error::WeakPin(_) => "weak_pin",
            Error::WrongCode => "wrong_code",
            Error::WrongPin { .. } => "wrong_pin",
            Error::PinLocked { .. } => "pin_locked",
            Error::CertificateNotValid(..) => "certificate_not_valid",
            Error::AuthorityNotProvisioned { .. } => "authority_not_provisioned",
            Error::EvidenceIo { .. } => "evidence_io",
            Error::EvidenceEmpty => "evidence_empty",
            Error::EvidenceUnsupported(_) => "evidence_unsupported",
            Error::ImageRefused(_) => "image_refused",
            Error::EvidenceNotFound(_) => "evidence_not_found",
            Error::UploadHashMismatch { .. } => "upload_hash_mismatch",
            Error::DeviceKey(_) => "device_key",
            Error::Receipt(_) => "receipt_invalid",
            Error::CatalogueOutdated { .. } => "catalogue_outdated",
            Error::Rule(v) => v.code(),
            Error::LockRefused(r) => r.code(),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
