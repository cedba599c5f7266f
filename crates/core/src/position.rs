//! Where (REC-1, REC-2): the device's position when an inspection starts and when evidence is captured, or the
//! reason there is none.
//!
//! A position is never silently missing: it is either a [`Fix`] (coordinates, accuracy, the fix's own time and
//! where it came from) or an absence with its [`AbsenceReason`]. [`Position::signing_bytes`] is its one
//! canonical encoding, signed with the evidence metadata, so a moved position breaks the evidence's signature.

use crate::Error;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a fix came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum PositionSource {
    /// The platform's location service (GNSS or network), through Tauri's geolocation plugin.
    #[serde(rename = "device")]
    Device,
    /// A fixed position configured for the app (`FIELDTRAIL_FIXED_POSITION`): a fake for tests and
    /// demonstrations, never a measurement. Recorded as such so nobody mistakes it for one.
    #[serde(rename = "fixed")]
    Fixed,
    /// Typed in by whoever ran the command line (`--position`).
    #[serde(rename = "entered")]
    Entered,
}

/// Why a capture has no position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum AbsenceReason {
    /// The position source gave no fix within the timeout.
    #[serde(rename = "no_fix")]
    NoFix,
    /// The officer or the system refused the app access to the location.
    #[serde(rename = "permission_refused")]
    PermissionRefused,
    /// This device has no position source (a desktop without one configured, the command line without
    /// `--position`).
    #[serde(rename = "no_source")]
    NoSource,
}

macro_rules! names {
    ($ty:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The value's name in documents, APIs and the CLI.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(Error::Malformed(format!(
                        "'{other}' is not one of: {}",
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }
    };
}

names!(PositionSource { Device = "device", Fixed = "fixed", Entered = "entered" });
names!(AbsenceReason { NoFix = "no_fix", PermissionRefused = "permission_refused", NoSource = "no_source" });

/// A position fix: WGS 84 degrees, the radius in metres within which the true position lies (as the source
/// states it), the time of the fix (RFC 3339, the source's clock) and its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Fix {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: f64,
    pub at: String,
    pub source: PositionSource,
}

/// The position recorded with an inspection's start or with a capture: a fix, or none and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum Position {
    Fix(Fix),
    Absent { reason: AbsenceReason },
}

impl Default for Position {
    /// What a caller with no position source records: absent, no source.
    fn default() -> Self {
        Position::Absent { reason: AbsenceReason::NoSource }
    }
}

impl Fix {
    /// A fix from its parts, checked: latitude within ±90°, longitude within ±180°, a finite accuracy ≥ 0.
    pub fn new(
        latitude: f64,
        longitude: f64,
        accuracy_m: f64,
        at: DateTime<Utc>,
        source: PositionSource,
    ) -> Result<Self, Error> {
        let fix = Fix {
            latitude,
            longitude,
            accuracy_m,
            at: at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            source,
        };
        fix.validate()?;
        Ok(fix)
    }

    /// Reads `latitude,longitude,accuracy_m` (as typed on the command line or set in the environment), a fix
    /// taken at `at`.
    pub fn parse(text: &str, at: DateTime<Utc>, source: PositionSource) -> Result<Self, Error> {
        let bad = || Error::Invalid(format!("'{text}' is not a position; expected LATITUDE,LONGITUDE,ACCURACY_M"));
        let parts: Vec<f64> =
            text.split(',').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| bad())?;
        let [latitude, longitude, accuracy_m] = parts[..] else { return Err(bad()) };
        Self::new(latitude, longitude, accuracy_m, at, source)
    }

    /// Checks the ranges and the time: a position that cannot be on Earth is refused, not recorded.
    pub fn validate(&self) -> Result<(), Error> {
        if !self.latitude.is_finite() || self.latitude.abs() > 90.0 {
            return Err(Error::Invalid(format!("latitude {} is not between -90 and 90", self.latitude)));
        }
        if !self.longitude.is_finite() || self.longitude.abs() > 180.0 {
            return Err(Error::Invalid(format!("longitude {} is not between -180 and 180", self.longitude)));
        }
        if !self.accuracy_m.is_finite() || self.accuracy_m < 0.0 {
            return Err(Error::Invalid(format!("accuracy {} is not a distance in metres", self.accuracy_m)));
        }
        DateTime::parse_from_rfc3339(&self.at)
            .map_err(|_| Error::Invalid(format!("the fix's time '{}' is not RFC 3339", self.at)))?;
        Ok(())
    }
}

impl Position {
    /// An absence with its reason.
    pub fn absent(reason: AbsenceReason) -> Self {
        Position::Absent { reason }
    }

    /// The fix, if there is one.
    pub fn fix(&self) -> Option<&Fix> {
        match self {
            Position::Fix(fix) => Some(fix),
            Position::Absent { .. } => None,
        }
    }

    /// Checks a fix's ranges and time; an absence is always well formed.
    pub fn validate(&self) -> Result<(), Error> {
        self.fix().map_or(Ok(()), Fix::validate)
    }

    /// The canonical bytes signed with evidence: each field length-prefixed, numbers as their IEEE 754 bits,
    /// so no two positions encode alike.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96);
        let mut field = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        };
        match self {
            Position::Fix(f) => {
                field(b"fix");
                field(&f.latitude.to_bits().to_be_bytes());
                field(&f.longitude.to_bits().to_be_bytes());
                field(&f.accuracy_m.to_bits().to_be_bytes());
                field(f.at.as_bytes());
                field(f.source.as_str().as_bytes());
            }
            Position::Absent { reason } => {
                field(b"absent");
                field(reason.as_str().as_bytes());
            }
        }
        out
    }
}

impl std::fmt::Display for Position {
    /// One line for reports and the command line: the fix with accuracy, time and source, or why there is none.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Position::Fix(x) => write!(
                f,
                "{:.6},{:.6} ±{} m at {} ({})",
                x.latitude,
                x.longitude,
                x.accuracy_m,
                x.at,
                x.source.as_str()
            ),
            Position::Absent { reason } => write!(f, "no position: {}", reason.as_str()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_795_000_000_000).unwrap()
    }

    /// REC-1: a typed or configured position reads as a fix; bad text is refused with the expected form.
    #[test]
    fn rec1_parse_reads_a_fix_and_refuses_bad_text() {
        let fix = Fix::parse("40.7574, 107.3940,12", at(), PositionSource::Entered).unwrap();
        assert_eq!((fix.latitude, fix.longitude, fix.accuracy_m), (40.7574, 107.394, 12.0));
        assert_eq!(fix.at, "2026-11-18T11:06:40.000Z");
        for bad in ["", "40.7", "40.7,107.3", "40.7,107.3,12,1", "a,b,c", "91,0,5", "0,181,5", "0,0,-1", "NaN,0,1"] {
            let err = Fix::parse(bad, at(), PositionSource::Entered).unwrap_err();
            assert!(matches!(err, Error::Invalid(_)), "{bad}: {err}");
        }
    }

    /// REC-1: every absence reason and every source round-trips through its name and through JSON.
    #[test]
    fn rec1_absence_reasons_and_sources_round_trip() {
        for reason in AbsenceReason::ALL {
            assert_eq!(reason.as_str().parse::<AbsenceReason>().unwrap(), *reason);
            let p = Position::absent(*reason);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<Position>(&json).unwrap(), p);
        }
        for source in PositionSource::ALL {
            assert_eq!(source.as_str().parse::<PositionSource>().unwrap(), *source);
        }
        assert!("lost".parse::<AbsenceReason>().is_err());
        let fix = Position::Fix(Fix::new(40.0, 107.0, 5.0, at(), PositionSource::Fixed).unwrap());
        let json = serde_json::to_value(&fix).unwrap();
        assert_eq!(json["state"], "fix");
        assert_eq!(json["source"], "fixed");
        assert_eq!(serde_json::from_value::<Position>(json).unwrap(), fix);
        assert_eq!(Position::default(), Position::absent(AbsenceReason::NoSource));
    }

    /// REC-2: the signed bytes change with every part of the position.
    #[test]
    fn rec2_signing_bytes_cover_every_part() {
        let base = Fix::new(40.0, 107.0, 5.0, at(), PositionSource::Device).unwrap();
        let bytes = Position::Fix(base.clone()).signing_bytes();
        let variants = [
            Fix { latitude: 40.000001, ..base.clone() },
            Fix { longitude: 107.000001, ..base.clone() },
            Fix { accuracy_m: 50.0, ..base.clone() },
            Fix { at: "2026-11-18T11:06:41.000Z".into(), ..base.clone() },
            Fix { source: PositionSource::Fixed, ..base.clone() },
        ];
        for v in variants {
            assert_ne!(Position::Fix(v).signing_bytes(), bytes);
        }
        let absences: Vec<Vec<u8>> = AbsenceReason::ALL.iter().map(|r| Position::absent(*r).signing_bytes()).collect();
        assert!(absences.iter().all(|a| *a != bytes));
        assert_ne!(absences[0], absences[1]);
        assert_ne!(absences[1], absences[2]);
    }
}
