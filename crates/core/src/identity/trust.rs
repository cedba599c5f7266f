//! What the rules trust (SEC-2): the issuing authorities' keys, the newest revocation list, and the time of the
//! check. The terminal fills it from its enrolment packages and the list it last received, the server from its
//! identity store; both hand it to the same rules.

use super::certificate::{CertificateBody, CertificateKind};
use super::verify::{TrustList, Verdict, Verification, verify_presentation};
use super::{IdentityError, Presentation, RevocationList, check_scope};

/// The trust input of every rule that accepts an officer's act.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    pub authorities: TrustList,
    pub revocations: Option<RevocationList>,
    /// Seconds since 1970. An act is judged as of the time it states, but never later than this: a date in the
    /// future does not make a certificate that is not yet valid count.
    pub now: i64,
}

/// An officer whose presentation counts: verified, an officer's certificate, within the inspection's scope.
#[derive(Debug, Clone)]
pub struct CountedOfficer {
    pub certificate: CertificateBody,
    pub verification: Verification,
}

impl Trust {
    /// Verifies presentation QR text for `inspection_id` as of `at` (capped at [`Trust::now`]).
    pub fn verify_presentation(&self, qr: &str, inspection_id: &str, at: i64) -> Verification {
        let at = at.min(self.now);
        match Presentation::from_qr_text(qr) {
            Ok(p) => verify_presentation(
                p.bytes(),
                &self.authorities,
                self.revocations.as_ref(),
                at,
                Some(inspection_id),
                None,
            ),
            Err(e) => Verification {
                verdict: Verdict::Malformed,
                detail: e.to_string(),
                certificate: None,
                revocation_version: None,
                revocation_age: None,
                inspection_id: None,
                presented_at: None,
            },
        }
    }

    /// Whether a presentation, verified as of `at`, lets its officer act on an inspection of `category` and
    /// `region` (CERT-3, CERT-5): a valid officer's certificate that covers them. Returns the certificate.
    pub fn acting_officer(
        &self,
        qr: &str,
        inspection_id: &str,
        at: i64,
        category: &str,
        region: &str,
    ) -> Result<CountedOfficer, IdentityError> {
        let verification = self.verify_presentation(qr, inspection_id, at);
        let certificate = verification.certificate.clone();
        let number = certificate.as_ref().map_or("?", |c| c.number.as_str()).to_owned();
        if !verification.is_valid() {
            return Err(match verification.verdict {
                Verdict::UnknownIssuer => IdentityError::UnknownIssuer,
                Verdict::BadSignature => {
                    IdentityError::BadSignature(format!("presentation of {number}: {}", verification.detail))
                }
                _ => IdentityError::Malformed(format!(
                    "presentation of {number} is {}: {}",
                    verification.verdict.as_str(),
                    verification.detail
                )),
            });
        }
        let certificate = certificate.ok_or_else(|| IdentityError::Malformed("no certificate".into()))?;
        if certificate.kind != CertificateKind::Officer {
            return Err(IdentityError::NotEnoughOfficers(format!(
                "{number} holds a {} certificate; only officers act on an inspection",
                certificate.kind.as_str()
            )));
        }
        check_scope(&certificate, category, region)?;
        Ok(CountedOfficer { certificate, verification })
    }
}
