//! Errors of the domain: what can be wrong with a document or an edit.

/// Why a document could not be read or an edit not applied.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not an automerge document, or its changes do not apply.
    #[error("not a valid automerge document: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// The document was written by a newer FieldTrail whose schema this build does not know.
    #[error("inspection schema version {found} is newer than this build understands ({supported})")]
    UnsupportedSchema { found: u64, supported: u64 },
    /// A field holds something the schema does not allow.
    #[error("inspection document is malformed: {0}")]
    Malformed(String),
    /// An edit names something the document does not have.
    #[error("{0}")]
    NotFound(String),
    /// The inspection is locked: it takes no plain edits.
    #[error("the inspection is locked; a change after lock must be an amendment with a reason")]
    Locked,
    /// An edit's value is not acceptable.
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// A stable, machine-readable name for the error, for APIs and the app's translations.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Automerge(_) => "document_corrupt",
            Error::UnsupportedSchema { .. } => "schema_unsupported",
            Error::Malformed(_) => "document_malformed",
            Error::NotFound(_) => "not_found",
            Error::Invalid(_) => "invalid_input",
            Error::Locked => "locked",
        }
    }
}
