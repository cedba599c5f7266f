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
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
