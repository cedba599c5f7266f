//! The one place where errors become HTTP responses: a status code and a JSON [`ErrorBody`].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fieldtrail_core::protocol::{DecodeError, ErrorBody};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Body(#[from] DecodeError),
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("request body is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    /// A sync message whose changes would expand past the limit once decompressed (SEC-4).
    #[error("{0}")]
    Inflates(String),
    /// A request counter already used, refused after its signature verified: the device is told the highest
    /// counter seen, so a tablet restored from a backup can continue above it (SEC-6).
    #[error("{message}")]
    Replayed { message: String, resume_after: u64 },
    /// The body stalled for longer than the server waits between its bytes.
    #[error("the request body stalled: no bytes arrived within the server's body timeout")]
    BodyTimeout,
    /// Every connection slot is taken.
    #[error("the server is at its limit of {limit} connections; try again shortly")]
    Busy { limit: usize },
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("storage failed: {0}")]
    Storage(String),
}

impl ApiError {
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest { code, message: message.into() }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Body(e) => (StatusCode::BAD_REQUEST, e.code()),
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::Inflates(_) => (StatusCode::PAYLOAD_TOO_LARGE, "inflates_too_much"),
            ApiError::Replayed { .. } => (StatusCode::UNAUTHORIZED, "replayed"),
            ApiError::BodyTimeout => (StatusCode::REQUEST_TIMEOUT, "body_timeout"),
            ApiError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "too_many_connections"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, code),
            ApiError::Forbidden { code, .. } => (StatusCode::FORBIDDEN, code),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "storage"),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::Storage(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(error = %self, code, "request refused");
        }
        let resume_after = match &self {
            ApiError::Replayed { resume_after, .. } => Some(*resume_after),
            _ => None,
        };
        (status, axum::Json(ErrorBody { code: code.to_owned(), message: self.to_string(), resume_after }))
            .into_response()
    }
}
