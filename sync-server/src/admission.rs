//! What the server admits of a document that changed on arrival: an inspection that reads completely, filed
//! under its own id (SEC-3), whose new changes keep core's rules (SEC-2, REC-4, CERT-4, CERT-5:
//! `fieldtrail_core::lock_rule`) judged with the trust list and revocation list this server knows.

use crate::store::StoreTx;
use crate::{ApiError, authority};
use automerge::{AutoCommit, Change};
use fieldtrail_core::InspectionDoc;
use fieldtrail_core::identity::{RevocationList, Trust, TrustList};
use fieldtrail_core::lock_rule::{LockViolation, check_arrivals};

/// Refuses document `id` unless it reads completely as an inspection and its `new` changes keep the rules;
/// returns the inspection.
pub fn admit(tx: &mut dyn StoreTx, doc: &mut AutoCommit, new: &[Change], id: &str) -> Result<InspectionDoc, ApiError> {
    let inspection = check_inspection(doc, id)?;
    let (authorities, revocations) = (authority::trust_list(tx)?, tx.latest_revocation_list()?);
    check_arrivals(doc, new, || trust(authorities, revocations)).map_err(|v| refusal(v, id))?;
    Ok(inspection)
}

/// Only inspections, of a schema this server knows, that every terminal will be able to read, filed under the
/// id they carry: a document that half-reads would break the sync of every terminal it reached.
fn check_inspection(doc: &AutoCommit, id: &str) -> Result<InspectionDoc, ApiError> {
    let refused = |e: fieldtrail_core::Error| {
        ApiError::bad("not_an_inspection", format!("document {id} does not read as an inspection: {e}"))
    };
    let inspection = InspectionDoc::from_automerge(doc.clone()).map_err(refused)?;
    let inner = inspection.id().map_err(refused)?;
    if inner != id {
        return Err(ApiError::bad("document_id_mismatch", format!("document sent as {id} says it is {inner}")));
    }
    inspection.check_complete(id).map_err(refused)?;
    Ok(inspection)
}

/// The trust the rules judge with: this server's issuing authority and its newest revocation list, now. Built
/// only when a lock or an amendment arrives. A stored list that does not verify with the authority's key trusts
/// nobody (every lock and amendment is refused) rather than forgetting the revocations.
fn trust(authorities: TrustList, revocations: Option<(u64, Vec<u8>)>) -> Trust {
    let now = chrono::Utc::now().timestamp();
    match revocations.map(|(_, bytes)| RevocationList::verify(&bytes, &authorities)) {
        Some(Err(e)) => {
            tracing::error!(error = %e, "the stored revocation list does not verify with the authority's key");
            Trust { now, ..Trust::default() }
        }
        list => Trust { authorities, revocations: list.and_then(Result::ok), now },
    }
}

fn refusal(v: LockViolation, id: &str) -> ApiError {
    let message = format!("document {id}: {v}");
    match v {
        LockViolation::EditAfterLock { .. } => ApiError::Conflict { code: v.code(), message },
        LockViolation::BadLock(_) | LockViolation::BadAmendment(_) => ApiError::bad(v.code(), message),
    }
}
