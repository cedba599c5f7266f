//! Identity: enforcement certificates (CERT-1), the signed revocation list (CERT-2), presentations on site
//! (CERT-3), offline verification, and the rules of who may act (CERT-4, CERT-5).
//!
//! Every signed object is an Ed25519 signature (ring) in a COSE_Sign1 envelope (RFC 9052), the format of the EU
//! digital COVID certificate; its payload is a CBOR map with small integer keys, so a certificate and its
//! presentation fit a QR code a phone reads. QR text is a prefix (`FT1:` certificate, `FTP1:` presentation) and
//! the base45 of the zlib-compressed envelope; a presentation's QR code shows it as the verify page's URL
//! ([`presentation_url`]). The same code verifies on the terminal, offline, and on the server.

mod certificate;
mod cose;
mod presentation;
pub mod presentation_url;
mod qr;
mod revocation;
mod rules;
mod sealed;
mod setup_qr;
mod trust;
mod verify;

pub use certificate::{Certificate, CertificateBody, CertificateKind};
pub use cose::{key_id, public_key_of};
pub use presentation::Presentation;
pub use revocation::{RevocationEntry, RevocationList, RevocationStatus};
pub use rules::{OfficerCheck, check_can_lock, check_scope};
pub use sealed::{EnrolmentPackage, KdfParams, Sealed, open as open_sealed, seal};
pub use setup_qr::{
    DeviceRegistration, ENROLMENT_CODE_ALPHABET, ENROLMENT_CODE_LEN, ENROLMENT_CODE_PREFIX, EnrolmentCode,
    REGISTRATION_PREFIX,
};
pub use trust::{CountedOfficer, Trust};
pub use verify::{
    Authority, LIVE_PRESENTATION_SECS, TrustList, Verdict, Verification, verify_certificate, verify_presentation,
};

/// Why an identity object could not be made, read or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("signature does not verify: {0}")]
    BadSignature(String),
    #[error("signed by an authority that is not in the trust list")]
    UnknownIssuer,
    #[error("cannot sign: {0}")]
    Signing(String),
    #[error("{0}")]
    OutOfScope(String),
    #[error("{0}")]
    NotEnoughOfficers(String),
    #[error("key derivation parameters out of bounds: {0}")]
    KdfOutOfBounds(String),
    /// Typed or scanned text that cannot be an enrolment code.
    #[error("not an enrolment code: {0}")]
    BadEnrolmentCode(String),
}

impl IdentityError {
    /// Stable name of the error.
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::Malformed(_) => "malformed",
            IdentityError::BadSignature(_) => "bad_signature",
            IdentityError::UnknownIssuer => "unknown_issuer",
            IdentityError::Signing(_) => "signing",
            IdentityError::OutOfScope(_) => "out_of_scope",
            IdentityError::NotEnoughOfficers(_) => "not_enough_officers",
            IdentityError::KdfOutOfBounds(_) => "kdf_out_of_bounds",
            IdentityError::BadEnrolmentCode(_) => "bad_enrolment_code",
        }
    }
}
