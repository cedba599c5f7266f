//! The two QR texts of setting a tablet up: the tablet's registration (`FTR1:`), which the administrator scans to
//! register it, and the one-time enrolment code (`FTE1:`), which the officer scans on the tablet to open their
//! enrolment package. Both are written and read here only, so the tablet, the terminal's command line and the
//! server agree on them; reading never panics and says what is wrong.
//!
//! Neither text needs a signature: the registration is shown by the tablet to the administrator in person, and
//! the code only opens a package whose certificate the terminal still verifies against its provisioned keys.

use super::IdentityError;

/// Prefix of a tablet's registration text.
pub const REGISTRATION_PREFIX: &str = "FTR1:";
/// Prefix of an enrolment code's QR text.
pub const ENROLMENT_CODE_PREFIX: &str = "FTE1:";
/// The characters of an enrolment code: no look-alikes (no I, L, O, U, 0, 1), so it can be read out and typed.
pub const ENROLMENT_CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in an enrolment code, without its hyphen: about 49 bits, each guess costing an Argon2id derivation.
pub const ENROLMENT_CODE_LEN: usize = 10;
/// Longest device id the server registers.
const MAX_DEVICE_ID: usize = 128;

/// A tablet as the administrator registers it: its device id and its Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRegistration {
    pub device_id: String,
    pub public_key: [u8; 32],
}

impl DeviceRegistration {
    /// `FTR1:<device id>:<public key, 64 lowercase hex digits>`.
    pub fn to_qr_text(&self) -> String {
        format!("{REGISTRATION_PREFIX}{}:{}", self.device_id, hex::encode(self.public_key))
    }

    /// Reads a registration text; surrounding white space is ignored.
    pub fn from_qr_text(text: &str) -> Result<Self, IdentityError> {
        let bad =
            |why: &str| IdentityError::Malformed(format!("not a device registration ({REGISTRATION_PREFIX}…): {why}"));
        let body = text.trim().strip_prefix(REGISTRATION_PREFIX).ok_or_else(|| bad("wrong prefix"))?;
        let (device_id, key) = body.rsplit_once(':').ok_or_else(|| bad("no public key after the device id"))?;
        if device_id.is_empty() || device_id.len() > MAX_DEVICE_ID {
            return Err(bad("the device id is 1 to 128 characters"));
        }
        if device_id.chars().any(|c| c.is_whitespace() || c.is_control() || c == ':') {
            return Err(bad("the device id holds a space, a control character or a colon"));
        }
        let mut public_key = [0u8; 32];
        hex::decode_to_slice(key, &mut public_key)
            .map_err(|_| bad("the public key is not 64 hex digits (an Ed25519 key); the text may be cut short"))?;
        Ok(Self { device_id: device_id.to_owned(), public_key })
    }
}

/// The one-time code that opens an enrolment package, `XXXXX-XXXXX` from [`ENROLMENT_CODE_ALPHABET`].
#[derive(Clone, PartialEq, Eq)]
pub struct EnrolmentCode(String);

impl std::fmt::Debug for EnrolmentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A code in a log would open the package for whoever reads the log.
        f.write_str("EnrolmentCode(..)")
    }
}

impl EnrolmentCode {
    /// A code from random bytes the caller draws (core has no randomness of its own).
    pub fn from_random(bytes: [u8; ENROLMENT_CODE_LEN]) -> Self {
        let alphabet = ENROLMENT_CODE_ALPHABET;
        let chars: String = bytes.iter().map(|b| alphabet[usize::from(*b) % alphabet.len()] as char).collect();
        Self(format!("{}-{}", &chars[..5], &chars[5..]))
    }

    /// Reads a code as typed (any case, with or without its hyphen or spaces) or as scanned (`FTE1:` and the
    /// code). A text that cannot be a code is refused here, before any key derivation.
    pub fn parse(text: &str) -> Result<Self, IdentityError> {
        let text = text.trim();
        let body = match text.get(..ENROLMENT_CODE_PREFIX.len()) {
            Some(head) if head.eq_ignore_ascii_case(ENROLMENT_CODE_PREFIX) => &text[ENROLMENT_CODE_PREFIX.len()..],
            _ if text.contains(':') => {
                return Err(IdentityError::BadEnrolmentCode(format!(
                    "a scanned enrolment code starts with {ENROLMENT_CODE_PREFIX}"
                )));
            }
            _ => text,
        };
        let chars: Vec<u8> =
            body.bytes().filter(|b| *b != b'-' && !b.is_ascii_whitespace()).map(|b| b.to_ascii_uppercase()).collect();
        if let Some(bad) = chars.iter().find(|b| !ENROLMENT_CODE_ALPHABET.contains(b)) {
            return Err(IdentityError::BadEnrolmentCode(format!(
                "an enrolment code has no character {:?} (it uses 2-9 and A-Z without I, L, O, U)",
                char::from(*bad)
            )));
        }
        if chars.len() != ENROLMENT_CODE_LEN {
            return Err(IdentityError::BadEnrolmentCode(format!(
                "an enrolment code has {ENROLMENT_CODE_LEN} characters, not {}",
                chars.len()
            )));
        }
        // Every character is ASCII from the alphabet, so the split falls on a character boundary.
        let chars = String::from_utf8_lossy(&chars).into_owned();
        Ok(Self(format!("{}-{}", &chars[..5], &chars[5..])))
    }

    /// The code as the administrator prints it and the package was sealed under: `XXXXX-XXXXX`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `FTE1:XXXXX-XXXXX`, for the QR code the administrator shows.
    pub fn to_qr_text(&self) -> String {
        format!("{ENROLMENT_CODE_PREFIX}{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [0xab; 32];

    fn registration() -> DeviceRegistration {
        DeviceRegistration { device_id: "3f2a9c1e-5b7d-4e0f-9a8b-1c2d3e4f5a6b".into(), public_key: KEY }
    }

    fn malformed(result: Result<impl std::fmt::Debug, IdentityError>) -> String {
        match result {
            Err(e @ IdentityError::Malformed(_)) => e.to_string(),
            other => panic!("expected a malformed error, got {other:?}"),
        }
    }

    fn bad_code(text: &str) -> String {
        match EnrolmentCode::parse(text) {
            Err(e @ IdentityError::BadEnrolmentCode(_)) => {
                assert_eq!(e.code(), "bad_enrolment_code");
                e.to_string()
            }
            other => panic!("{text:?}: expected a bad code, got {other:?}"),
        }
    }

    #[test]
    fn registration_text_round_trips() {
        let text = registration().to_qr_text();
        assert_eq!(text, format!("FTR1:3f2a9c1e-5b7d-4e0f-9a8b-1c2d3e4f5a6b:{}", "ab".repeat(32)));
        assert_eq!(DeviceRegistration::from_qr_text(&format!("  {text}\n")).ok(), Some(registration()));
    }

    #[test]
    fn registration_with_wrong_prefix_is_refused() {
        let text = registration().to_qr_text();
        assert!(malformed(DeviceRegistration::from_qr_text(&text.replacen("FTR1:", "FTE1:", 1))).contains("prefix"));
        assert!(malformed(DeviceRegistration::from_qr_text(&text.replacen("FTR1:", "ftr1:", 1))).contains("prefix"));
        assert!(malformed(DeviceRegistration::from_qr_text("")).contains("prefix"));
    }

    #[test]
    fn truncated_registration_is_refused() {
        let text = registration().to_qr_text();
        for len in 0..text.len() {
            assert!(DeviceRegistration::from_qr_text(&text[..len]).is_err(), "{len} characters were accepted");
        }
        assert!(malformed(DeviceRegistration::from_qr_text(&text[..text.len() - 1])).contains("64 hex digits"));
    }

    #[test]
    fn registration_with_bad_fields_is_refused() {
        let key = "ab".repeat(32);
        assert!(malformed(DeviceRegistration::from_qr_text(&format!("FTR1::{key}"))).contains("1 to 128"));
        let long = "d".repeat(129);
        assert!(malformed(DeviceRegistration::from_qr_text(&format!("FTR1:{long}:{key}"))).contains("1 to 128"));
        assert!(malformed(DeviceRegistration::from_qr_text(&format!("FTR1:a b:{key}"))).contains("space"));
        assert!(malformed(DeviceRegistration::from_qr_text(&format!("FTR1:a:b:{key}"))).contains("colon"));
        let not_hex = format!("FTR1:dev:{}", "zz".repeat(32));
        assert!(malformed(DeviceRegistration::from_qr_text(&not_hex)).contains("hex"));
        let too_long = format!("FTR1:dev:{key}00");
        assert!(malformed(DeviceRegistration::from_qr_text(&too_long)).contains("hex"));
        // Multi-byte text where a key should be: an error, not a panic on a character boundary.
        assert!(DeviceRegistration::from_qr_text("FTR1:设备:公钥公钥").is_err());
    }

    #[test]
    fn code_from_random_bytes_reads_back() {
        let code = EnrolmentCode::from_random([0, 1, 2, 3, 4, 25, 26, 27, 28, 255]);
        assert_eq!(code.as_str(), "23456-VWXYH");
        assert_eq!(code.as_str().len(), 11);
        assert_eq!(EnrolmentCode::parse(code.as_str()).ok(), Some(code.clone()));
        assert_eq!(EnrolmentCode::parse(&code.to_qr_text()).ok(), Some(code));
    }

    #[test]
    fn code_is_read_as_typed_or_scanned() {
        for text in ["ABCDE-FGHJK", " abcde-fghjk ", "ABCDEFGHJK", "abcde fghjk", "FTE1:ABCDE-FGHJK", "fte1:abcdefghjk"]
        {
            assert_eq!(
                EnrolmentCode::parse(text).map(|c| c.as_str().to_owned()).ok().as_deref(),
                Some("ABCDE-FGHJK"),
                "{text}"
            );
        }
        assert_eq!(
            EnrolmentCode::parse("ABCDE-FGHJK").map(|c| c.to_qr_text()).ok().as_deref(),
            Some("FTE1:ABCDE-FGHJK")
        );
    }

    #[test]
    fn bad_codes_are_refused_before_any_key_derivation() {
        assert!(bad_code("").contains("10 characters, not 0"));
        assert!(bad_code("FTE1:").contains("not 0"));
        assert!(bad_code("ABCDE-FGHJ").contains("not 9"), "truncated");
        assert!(bad_code("FTE1:ABCDE-FGH").contains("not 8"), "truncated scan");
        assert!(bad_code("ABCDE-FGHJKM").contains("not 11"));
        assert!(bad_code("ABCDE-FGHJ0").contains("'0'"), "a look-alike");
        assert!(bad_code("ABCDE-FGHJI").contains("'I'"));
        assert!(bad_code("登记码登记码登记码登记").contains("character"));
        assert!(bad_code("FTR1:ABCDE-FGHJK").contains("FTE1:"), "a registration text is not a code");
        assert!(bad_code("FTP1:ABCDE").contains("FTE1:"));
    }

    #[test]
    fn a_code_does_not_leak_into_logs() {
        assert_eq!(format!("{:?}", EnrolmentCode::from_random([7; 10])), "EnrolmentCode(..)");
    }
}
