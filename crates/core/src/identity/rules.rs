//! Who may act: at least two certified officers on site (CERT-4), each within the categories and region of
//! their certificate (CERT-5). Written once here; the terminal and the server both call it.

use super::certificate::{CertificateBody, CertificateKind};
use super::{IdentityError, Verification};

/// An officer's presentation as the lock rule sees it.
#[derive(Debug, Clone)]
pub struct OfficerCheck<'a> {
    pub verification: &'a Verification,
}

/// The item's category must be one of the certificate's, and the place inside one of its regions (a region
/// code covers the codes that start with it: `1508` covers `150802`).
pub fn check_scope(certificate: &CertificateBody, category: &str, region: &str) -> Result<(), IdentityError> {
    if !category.is_empty() && !certificate.categories.iter().any(|c| c == category) {
        return Err(IdentityError::OutOfScope(format!(
            "{} ({}) may act in {} but not in category {category}",
            certificate.name,
            certificate.number,
            certificate.categories.join(", ")
        )));
    }
    if !region.is_empty() && !certificate.regions.iter().any(|r| region.starts_with(r.as_str())) {
        return Err(IdentityError::OutOfScope(format!(
            "{} ({}) may act in regions {} but not in {region}",
            certificate.name,
            certificate.number,
            certificate.regions.join(", ")
        )));
    }
    Ok(())
}

/// An inspection may be locked once at least two different officers, each with a valid officer certificate,
/// have presented. Supervisors' certificates and auxiliary staff do not count.
pub fn check_can_lock(presentations: &[OfficerCheck<'_>]) -> Result<(), IdentityError> {
    let mut numbers: Vec<&str> = presentations
        .iter()
        .filter(|p| p.verification.is_valid())
        .filter_map(|p| p.verification.certificate.as_ref())
        .filter(|c| c.kind == CertificateKind::Officer)
        .map(|c| c.number.as_str())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.len() < 2 {
        return Err(IdentityError::NotEnoughOfficers(format!(
            "at least two certified officers must present their certificates before the inspection is locked; {} did",
            numbers.len()
        )));
    }
    Ok(())
}
