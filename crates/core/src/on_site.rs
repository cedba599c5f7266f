//! What a party on site may learn of an inspection from an officer's presentation (CERT-8, SEC-1): the item
//! being checked, its legal basis, and the officers who presented for it. Nothing of the party (names, ID
//! numbers, findings) and nothing of a case the presenting officer has not presented in.

use crate::inspection::{Inspection, LegalBasis, OfficerRef};
use serde::{Deserialize, Serialize};

/// The inspection as the verify page shows it to the party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnSiteView {
    pub item_code: String,
    pub item_name: String,
    pub legal_basis: Vec<LegalBasis>,
    /// The officers who presented their certificates for this inspection, each once, in order of presenting.
    pub officers: Vec<OfficerRef>,
}

/// The view for a party shown certificate `presenter`'s verified presentation for `inspection`; `None` unless
/// that certificate's presentation is in the record: a valid presentation for a case the officer never synced,
/// or for someone else's case, reveals nothing.
pub fn on_site_view(inspection: &Inspection, presenter: &str) -> Option<OnSiteView> {
    if !inspection.presentations.iter().any(|p| p.certificate_number == presenter) {
        return None;
    }
    let mut officers: Vec<OfficerRef> = Vec::new();
    for p in &inspection.presentations {
        if !officers.iter().any(|o| o.certificate_number == p.certificate_number) {
            officers.push(OfficerRef { certificate_number: p.certificate_number.clone(), name: p.name.clone() });
        }
    }
    Some(OnSiteView {
        item_code: inspection.item_code.clone(),
        item_name: inspection.item_name.clone(),
        legal_basis: inspection.legal_basis.clone(),
        officers,
    })
}
