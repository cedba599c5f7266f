//! Where the tablet is (REC-1, REC-2): the app's one position source, asked once when an inspection starts and
//! once per capture, never on the window's thread and never for longer than [`POSITION_TIMEOUT`].
//!
//! Tauri's geolocation plugin (`tauri-plugin-geolocation`) supports Android and iOS only; on Linux, Windows and
//! macOS it has no implementation. This desktop build therefore has two sources: a configured fixed position
//! (a fake for tests and demonstrations, recorded as source `fixed`) or none, in which case every capture
//! records "no position source" instead of a made-up place. The mobile build adds the plugin as a third
//! variant of [`PositionSource`]; nothing else changes.

use std::time::Duration;

use fieldtrail_core::{AbsenceReason, Fix, Position};

use crate::AppError;

/// How long a capture waits for a fix before recording that there was none.
pub const POSITION_TIMEOUT: Duration = Duration::from_secs(5);

/// Managed state: where positions come from on this device.
#[derive(Debug, Clone, PartialEq)]
pub enum PositionSource {
    /// `FIELDTRAIL_FIXED_POSITION="LAT,LON,ACCURACY_M"`: the same place every time. A fake, never a
    /// measurement; its fixes say so (source `fixed`).
    Fixed { latitude: f64, longitude: f64, accuracy_m: f64 },
    /// No location service on this device and none configured.
    Unavailable,
}

impl PositionSource {
    /// The source the settings name; a fixed position that does not read is an error at start, not a silent
    /// "no source".
    pub fn from_settings(fixed_position: Option<&str>) -> Result<Self, AppError> {
        let Some(text) = fixed_position else { return Ok(PositionSource::Unavailable) };
        let fix = Fix::parse(text, chrono::Utc::now(), fieldtrail_core::PositionSource::Fixed)
            .map_err(|e| AppError::new("invalid_input", format!("FIELDTRAIL_FIXED_POSITION: {e}")))?;
        Ok(PositionSource::Fixed { latitude: fix.latitude, longitude: fix.longitude, accuracy_m: fix.accuracy_m })
    }

    /// The position now: a fix, or the reason there is none. Waits at most `timeout`.
    pub async fn current(&self, timeout: Duration) -> Position {
        within(timeout, self.ask()).await
    }

    async fn ask(&self) -> Position {
        match *self {
            PositionSource::Fixed { latitude, longitude, accuracy_m } => {
                let source = fieldtrail_core::PositionSource::Fixed;
                Fix::new(latitude, longitude, accuracy_m, chrono::Utc::now(), source)
                    .map_or(Position::absent(AbsenceReason::NoFix), Position::Fix)
            }
            PositionSource::Unavailable => Position::absent(AbsenceReason::NoSource),
        }
    }
}

/// What `ask` answers, or "no fix" when it has not answered within `timeout`.
async fn within(timeout: Duration, ask: impl std::future::Future<Output = Position>) -> Position {
    tokio::time::timeout(timeout, ask).await.unwrap_or(Position::absent(AbsenceReason::NoFix))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// REC-1: the fixed source (a fake, said so in the recorded source) gives its configured place with the
    /// time of asking; no configuration gives "no position source"; a bad configuration is refused.
    #[tokio::test]
    async fn rec1_fixed_source_and_no_source() -> Result<(), AppError> {
        let fixed = PositionSource::from_settings(Some("40.7574,107.3940,12"))?;
        let Position::Fix(fix) = fixed.current(POSITION_TIMEOUT).await else { panic!("the fixed source gave no fix") };
        assert_eq!((fix.latitude, fix.longitude, fix.accuracy_m), (40.7574, 107.394, 12.0));
        assert_eq!(fix.source, fieldtrail_core::PositionSource::Fixed);
        assert!(chrono::DateTime::parse_from_rfc3339(&fix.at).is_ok());

        let none = PositionSource::from_settings(None)?;
        assert_eq!(none.current(POSITION_TIMEOUT).await, Position::absent(AbsenceReason::NoSource));

        let bad = PositionSource::from_settings(Some("somewhere"));
        assert!(bad.is_err_and(|e| e.message.contains("FIELDTRAIL_FIXED_POSITION")));
        Ok(())
    }

    /// REC-1: a source that gives no fix within the timeout records "no fix", and the wait is bounded.
    #[tokio::test]
    async fn rec1_no_fix_within_the_timeout() {
        // A stand-in for a location service that never answers (there is none on this machine).
        let silent = std::future::pending::<Position>();
        assert_eq!(within(Duration::from_millis(20), silent).await, Position::absent(AbsenceReason::NoFix));
        let prompt = async { Position::absent(AbsenceReason::PermissionRefused) };
        assert_eq!(within(POSITION_TIMEOUT, prompt).await, Position::absent(AbsenceReason::PermissionRefused));
    }
}
