//! Offline verification: a certificate or a presentation, against the trust list and the revocation list, at
//! a given time. One answer, the same on every terminal and on the server.

use super::certificate::{Certificate, CertificateBody};
use super::presentation::Presentation;
use super::revocation::{RevocationList, RevocationStatus};
use super::{IdentityError, key_id};
use serde::{Deserialize, Serialize};

/// How long a presentation counts as live for a check on site: one made longer ago (or, by a wrong clock, that
/// much in the future) is `stale`.
pub const LIVE_PRESENTATION_SECS: i64 = 30 * 60;

/// An issuing authority the verifier trusts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authority {
    pub name: String,
    #[serde(with = "serde_bytes")]
    pub public_key: Vec<u8>,
}

/// The authorities whose signatures a terminal accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustList {
    pub authorities: Vec<Authority>,
}

impl TrustList {
    pub fn new(authorities: Vec<Authority>) -> Self {
        TrustList { authorities }
    }

    pub(crate) fn find(&self, kid: &[u8]) -> Option<&Authority> {
        self.authorities.iter().find(|a| key_id(&a.public_key) == kid)
    }
}

/// The answer of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Valid,
    NotYetValid,
    Expired,
    Suspended,
    Revoked,
    UnknownIssuer,
    BadSignature,
    Malformed,
    /// A presentation made for another inspection than the one being checked.
    WrongInspection,
    /// A presentation older than the verifier allows for a live check.
    Stale,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::NotYetValid => "not_yet_valid",
            Verdict::Expired => "expired",
            Verdict::Suspended => "suspended",
            Verdict::Revoked => "revoked",
            Verdict::UnknownIssuer => "unknown_issuer",
            Verdict::BadSignature => "bad_signature",
            Verdict::Malformed => "malformed",
            Verdict::WrongInspection => "wrong_inspection",
            Verdict::Stale => "stale",
        }
    }
}

/// The verdict with what a person needs to judge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub verdict: Verdict,
    /// A sentence on why.
    pub detail: String,
    /// The certificate's content, when it could be read (also for invalid ones: who it claims to be).
    pub certificate: Option<CertificateBody>,
    /// The revocation list the verdict used, and how old it was at the time checked (seconds).
    pub revocation_version: Option<u64>,
    pub revocation_age: Option<i64>,
    /// For presentations: the inspection and the time it was presented for.
    pub inspection_id: Option<String>,
    pub presented_at: Option<i64>,
}

impl Verification {
    fn new(verdict: Verdict, detail: impl Into<String>) -> Self {
        Verification {
            verdict,
            detail: detail.into(),
            certificate: None,
            revocation_version: None,
            revocation_age: None,
            inspection_id: None,
            presented_at: None,
        }
    }

    pub fn is_valid(&self) -> bool {
        self.verdict == Verdict::Valid
    }

    /// What a public check may show (SEC-8): the certificate's content, with the holder's name and photo, only
    /// when the verdict is valid. A revoked, expired, suspended, forged or stale one shows the verdict and why,
    /// the inspection and time it claims, but not the person it names: a copied or forged QR must not become a
    /// way to look people up.
    pub fn public(mut self) -> Self {
        if !self.is_valid() {
            self.certificate = None;
        }
        self
    }
}

fn from_error(e: IdentityError) -> Verification {
    match e {
        IdentityError::UnknownIssuer => Verification::new(Verdict::UnknownIssuer, e.to_string()),
        IdentityError::BadSignature(_) => Verification::new(Verdict::BadSignature, e.to_string()),
        other => Verification::new(Verdict::Malformed, other.to_string()),
    }
}

/// Verifies certificate bytes at time `at` (seconds since 1970).
pub fn verify_certificate(
    bytes: &[u8],
    trust: &TrustList,
    revocations: Option<&RevocationList>,
    at: i64,
) -> Verification {
    match Certificate::decode(bytes) {
        Ok(cert) => check(&cert, trust, revocations, at),
        Err(e) => from_error(e),
    }
}

fn check(cert: &Certificate, trust: &TrustList, revocations: Option<&RevocationList>, at: i64) -> Verification {
    let body = cert.body();
    let mut v = verdict(cert, trust, revocations, at);
    let mut body = body.clone();
    // A version 2 certificate names its issuer by key id only: the name is the one this verifier trusts.
    if body.issuer.is_empty()
        && let Some(authority) = trust.find(cert.issuer_key_id())
    {
        body.issuer = authority.name.clone();
    }
    v.certificate = Some(body);
    if let Some(list) = revocations {
        v.revocation_version = Some(list.version);
        v.revocation_age = Some(at - list.issued_at);
    }
    v
}

fn verdict(cert: &Certificate, trust: &TrustList, revocations: Option<&RevocationList>, at: i64) -> Verification {
    let body = cert.body();
    let Some(authority) = trust.find(cert.issuer_key_id()) else {
        return Verification::new(Verdict::UnknownIssuer, "signed by an authority this terminal does not trust");
    };
    if let Err(e) = cert.verify_signature(&authority.public_key) {
        return Verification::new(Verdict::BadSignature, e.to_string());
    }
    if let Some(entry) = revocations.and_then(|l| l.status_of(&body.number, at)) {
        return match entry.status {
            RevocationStatus::Revoked => Verification::new(Verdict::Revoked, format!("revoked since {}", entry.since)),
            RevocationStatus::Suspended => {
                Verification::new(Verdict::Suspended, format!("suspended since {}", entry.since))
            }
        };
    }
    if at < body.valid_from {
        return Verification::new(Verdict::NotYetValid, format!("valid only from {}", body.valid_from));
    }
    if at > body.valid_to {
        return Verification::new(Verdict::Expired, format!("expired at {}", body.valid_to));
    }
    Verification::new(Verdict::Valid, format!("issued by {}", authority.name))
}

/// Verifies a presentation: its certificate at `at`, the holder's signature, and, when given, that it was made
/// for `inspection_id` and no longer than `max_age` seconds before `at` (a live check on site).
pub fn verify_presentation(
    bytes: &[u8],
    trust: &TrustList,
    revocations: Option<&RevocationList>,
    at: i64,
    inspection_id: Option<&str>,
    max_age: Option<i64>,
) -> Verification {
    let presentation = match Presentation::decode(bytes) {
        Ok(p) => p,
        Err(e) => return from_error(e),
    };
    let mut v = check(presentation.certificate(), trust, revocations, at);
    v.inspection_id = Some(presentation.inspection_id().to_owned());
    v.presented_at = Some(presentation.presented_at());
    if !v.is_valid() {
        return v;
    }
    if let Err(e) = presentation.verify_holder_signature() {
        v.verdict = Verdict::BadSignature;
        v.detail = format!("the holder's signature: {e}");
        return v;
    }
    if let Some(expected) = inspection_id
        && presentation.inspection_id() != expected
    {
        v.verdict = Verdict::WrongInspection;
        v.detail = format!("presented for inspection {}, not {expected}", presentation.inspection_id());
        return v;
    }
    if let Some(max_age) = max_age
        && (at - presentation.presented_at() > max_age || presentation.presented_at() - at > max_age)
    {
        v.verdict = Verdict::Stale;
        v.detail = format!("presented at {}, more than {max_age} s from {at}", presentation.presented_at());
    }
    v
}
