//! The issuing authority (CERT-1, CERT-2, CERT-6): its key, issuing certificates with their enrolment packages,
//! suspending, reinstating and revoking (each change re-signs the revocation list, every version kept), and the
//! trust list terminals and the verification page use.
//!
//! The private key lives in a file beside the database (`authority.key`, PKCS#8, mode 0600), not in it, so
//! database backups and the sync servers of a region never hold it: only the administrator's commands need it.

use crate::ApiError;
use crate::store::identity::CertificateRecord;
use crate::store::{Store, StoreTx};
use fieldtrail_core::identity::{
    Authority as TrustedAuthority, Certificate, CertificateBody, CertificateKind, EnrolmentCode, EnrolmentPackage,
    KdfParams, RevocationEntry, RevocationList, RevocationStatus, TrustList, seal,
};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::path::Path;

/// The authority's signing key, loaded for an administrator's command.
#[derive(Debug)]
pub struct AuthorityKey {
    pair: Ed25519KeyPair,
    pub name: String,
}

impl AuthorityKey {
    /// The public key terminals are provisioned with (`fieldtrail-terminal trust add-authority`).
    pub fn public_key(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }
}

fn random<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).map_err(|_| ApiError::Storage("no randomness".into()))?;
    Ok(out)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Creates the authority: a new key in `key_path` and its public half in the store. Refuses to replace one.
pub fn init<S: Store>(store: &S, key_path: &Path, name: &str) -> Result<Vec<u8>, ApiError> {
    if key_path.exists() {
        return Err(ApiError::bad(
            "authority_exists",
            format!("{} already exists: the authority is set up", key_path.display()),
        ));
    }
    let pkcs8 =
        Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| ApiError::Storage("key generation".into()))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| ApiError::Storage("key generation".into()))?;
    let public = pair.public_key().as_ref().to_vec();
    store.transact(|tx| {
        if tx.authority()?.is_some() {
            return Err(ApiError::bad("authority_exists", "this server already has an authority"));
        }
        tx.set_authority(name, &public)
    })?;
    write_private(key_path, pkcs8.as_ref())?;
    // An empty list from the start, so terminals can tell "nothing revoked" from "never heard".
    let key = AuthorityKey { pair, name: name.to_owned() };
    store.transact(|tx| resign(tx, &key))?;
    Ok(public)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| ApiError::Storage(format!("{}: {e}", path.display())))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| ApiError::Storage(format!("{}: {e}", path.display())))
}

/// Loads the authority's key and checks it is the one the store knows.
pub fn load<S: Store>(store: &S, key_path: &Path) -> Result<AuthorityKey, ApiError> {
    let bytes = std::fs::read(key_path).map_err(|e| {
        ApiError::bad(
            "no_authority",
            format!("cannot read the authority key {}: {e} (run `admin init-authority` first)", key_path.display()),
        )
    })?;
    let pair = Ed25519KeyPair::from_pkcs8(&bytes)
        .map_err(|_| ApiError::bad("no_authority", "the authority key file is corrupt"))?;
    let (name, public) = store
        .transact(|tx| tx.authority())?
        .ok_or_else(|| ApiError::bad("no_authority", "this server has no authority yet"))?;
    if public != pair.public_key().as_ref() {
        return Err(ApiError::bad("no_authority", "the authority key file does not belong to this server"));
    }
    Ok(AuthorityKey { pair, name })
}

/// The authorities this server's terminals trust.
pub fn trust_list(tx: &mut dyn StoreTx) -> Result<TrustList, ApiError> {
    Ok(TrustList::new(
        tx.authority()?.map(|(name, public_key)| TrustedAuthority { name, public_key }).into_iter().collect(),
    ))
}

/// What to issue.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub number: String,
    pub name: String,
    pub agency: String,
    pub categories: Vec<String>,
    pub regions: Vec<String>,
    pub valid_from: i64,
    pub valid_to: i64,
    pub kind: CertificateKind,
    /// The holder's photo as delivered (JPEG or PNG); the certificate carries a small thumbnail and its hash.
    pub photo: Vec<u8>,
    pub actor: String,
}

/// A new certificate, its enrolment package, and the one-time code that opens the package.
#[derive(Debug)]
pub struct Issued {
    pub certificate: Certificate,
    pub package: EnrolmentPackage,
    pub code: String,
}

/// Issues a certificate: a new key pair for the holder, the signed certificate, and the private key sealed
/// under a fresh one-time code for the trip to the terminal.
pub fn issue<S: Store>(store: &S, key: &AuthorityKey, req: &IssueRequest) -> Result<Issued, ApiError> {
    let invalid = |m: String| ApiError::bad("invalid_certificate", m);
    if req.categories.is_empty() || req.regions.is_empty() {
        return Err(invalid("a certificate names at least one category and one region".into()));
    }
    let thumbnail = crate::photo::thumbnail(&req.photo).map_err(|e| invalid(format!("photo: {e}")))?;
    let holder_pkcs8 =
        Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| ApiError::Storage("key".into()))?;
    let holder = Ed25519KeyPair::from_pkcs8(holder_pkcs8.as_ref()).map_err(|_| ApiError::Storage("key".into()))?;
    let body = CertificateBody {
        number: req.number.trim().to_owned(),
        name: req.name.trim().to_owned(),
        agency: req.agency.clone(),
        categories: req.categories.clone(),
        regions: req.regions.clone(),
        valid_from: req.valid_from,
        valid_to: req.valid_to,
        kind: req.kind,
        holder_key: holder.public_key().as_ref().to_vec(),
        // Version 2 (CERT-3): the certificate signs the thumbnail's hash and the thumbnail travels beside it, so
        // a presentation fits a QR code a phone reads at arm's length.
        photo_sha256: Certificate::photo_hash(&thumbnail),
        photo: Vec::new(),
        issuer: key.name.clone(),
        issued_at: now(),
    };
    let certificate = Certificate::issue(&body, &key.pair).map_err(|e| invalid(e.to_string()))?;
    let record = CertificateRecord {
        number: body.number.clone(),
        name: body.name.clone(),
        agency: body.agency.clone(),
        kind: body.kind.as_str().to_owned(),
        valid_from: body.valid_from,
        valid_to: body.valid_to,
        status: "valid".into(),
        status_since: body.issued_at,
    };
    store.transact(|tx| {
        tx.insert_certificate(&record, certificate.bytes(), &req.actor)?;
        tx.set_certificate_photo(&record.number, &thumbnail)
    })?;
    let code = transport_code()?;
    let sealed = seal(holder_pkcs8.as_ref(), &code, random()?, random()?, KdfParams::default())
        .map_err(|e| ApiError::Storage(e.to_string()))?;
    let package = EnrolmentPackage {
        v: EnrolmentPackage::VERSION,
        certificate: certificate.bytes().to_vec(),
        authority: TrustedAuthority { name: key.name.clone(), public_key: key.pair.public_key().as_ref().to_vec() },
        key: sealed,
        photo: thumbnail,
    };
    Ok(Issued { certificate, package, code })
}

/// A fresh one-time code, in the form core defines (read out, typed, or scanned as `FTE1:` on the terminal).
fn transport_code() -> Result<String, ApiError> {
    Ok(EnrolmentCode::from_random(random()?).as_str().to_owned())
}

/// A change of a certificate's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Suspend,
    Reinstate,
    Revoke,
}

/// Changes a certificate's status, records who and why, and signs the next revocation list. Returns its version.
pub fn change_status<S: Store>(
    store: &S,
    key: &AuthorityKey,
    number: &str,
    change: StatusChange,
    actor: &str,
    reason: &str,
) -> Result<u64, ApiError> {
    store.transact(|tx| {
        let cert = tx.certificate(number)?.ok_or_else(|| ApiError::NotFound(format!("no certificate {number}")))?;
        let (status, event) = match (change, cert.status.as_str()) {
            (_, "revoked") => {
                return Err(ApiError::bad("certificate_revoked", format!("certificate {number} is revoked for good")));
            }
            (StatusChange::Suspend, "valid") => ("suspended", "suspended"),
            (StatusChange::Reinstate, "suspended") => ("valid", "reinstated"),
            (StatusChange::Revoke, _) => ("revoked", "revoked"),
            (_, current) => {
                return Err(ApiError::bad(
                    "status_unchanged",
                    format!("certificate {number} is {current}: nothing to change"),
                ));
            }
        };
        tx.set_certificate_status(number, status, now(), event, actor, reason)?;
        resign(tx, key)
    })
}

fn resign(tx: &mut dyn StoreTx, key: &AuthorityKey) -> Result<u64, ApiError> {
    let entries = tx
        .certificates()?
        .into_iter()
        .filter_map(|c| {
            let status = match c.status.as_str() {
                "suspended" => RevocationStatus::Suspended,
                "revoked" => RevocationStatus::Revoked,
                _ => return None,
            };
            Some(RevocationEntry { number: c.number, status, since: c.status_since })
        })
        .collect();
    let version = tx.latest_revocation_list()?.map_or(1, |(v, _)| v + 1);
    let issued_at = now();
    let list =
        RevocationList::sign(version, issued_at, entries, &key.pair).map_err(|e| ApiError::Storage(e.to_string()))?;
    tx.store_revocation_list(version, issued_at, list.bytes())?;
    Ok(version)
}
