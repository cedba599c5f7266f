//! The one error type that crosses into the ui.
//!
//! A command's error reaches the ui as the rejection of `invoke`, serialised as exactly
//! `{"code": "...", "message": "..."}` (the ui's `ErrorBody`): `code` is a stable identifier the ui maps to a
//! sentence in the officer's language, `message` is the English detail for logs and for codes the ui does not know.

use serde::Serialize;

/// A command's error, as the ui receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    /// Stable, snake_case identifier of the kind of failure, e.g. `network`.
    pub code: String,
    /// Human-readable detail, in English.
    pub message: String,
}

impl AppError {
    /// An error with the given `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into() }
    }
}

impl From<fieldtrail_terminal::Error> for AppError {
    fn from(error: fieldtrail_terminal::Error) -> Self {
        Self::new(error.code(), error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_exactly_code_and_message() -> Result<(), serde_json::Error> {
        let error = AppError::new("network", "connection refused");
        assert_eq!(serde_json::to_string(&error)?, r#"{"code":"network","message":"connection refused"}"#);
        Ok(())
    }

    #[test]
    fn converts_a_terminal_error_to_its_code_and_message() -> Result<(), serde_json::Error> {
        let error = fieldtrail_terminal::Error::NotFound("3f2a".into());
        let message = error.to_string();
        assert_eq!(
            serde_json::to_value(AppError::from(error))?,
            serde_json::json!({"code": "not_found", "message": message})
        );
        Ok(())
    }

    #[test]
    fn displays_code_and_message() {
        assert_eq!(AppError::new("storage", "disk full").to_string(), "storage: disk full");
    }
}
