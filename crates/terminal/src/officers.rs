//! Officers on this terminal (CERT-7): the authority keys the administrator provisioned (SEC-8), enrolment from
//! the administrator's package, each officer's private key sealed under their own PIN, unlocking with back-off and
//! lock-out, presenting the certificate (CERT-3), and verifying other officers' QR codes offline against the trust
//! list and the newest revocation list received.

use crate::error::{Error, Result};
use crate::{Terminal, store};
use fieldtrail_core::identity::{
    Authority, Certificate, CertificateBody, EnrolmentCode, EnrolmentPackage, KdfParams, Presentation, RevocationList,
    Sealed, Trust, TrustList, Verdict, Verification, check_scope, open_sealed, seal, verify_certificate,
    verify_presentation,
};
use fieldtrail_core::{Edit, PresentationRecord};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// Failed PINs before the first pause, and before the long lock.
const FREE_ATTEMPTS: u32 = 2;
pub const LOCK_AFTER: u32 = 5;
pub use fieldtrail_core::identity::LIVE_PRESENTATION_SECS;

/// An officer's row: certificate, sealed key, failed attempts, locked until.
type StoredOfficer = (Vec<u8>, Vec<u8>, i64, Option<i64>);

/// An officer whose PIN was entered: the key is in memory until this is dropped.
pub struct UnlockedOfficer {
    certificate: Certificate,
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for UnlockedOfficer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnlockedOfficer").field("number", &self.certificate.body().number).finish_non_exhaustive()
    }
}

impl UnlockedOfficer {
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Signs with the officer's certified key.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// An enrolled officer, as the officer-selection screen lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficerSummary {
    pub certificate_number: String,
    pub name: String,
    pub agency: String,
    pub kind: String,
    pub valid_to: i64,
    pub failed_attempts: u32,
    pub locked_until: Option<i64>,
}

/// How long a PIN stays locked after `failures` wrong attempts in a row, in seconds: nothing for the first
/// two, then 30 s and 60 s, then a lock of 15 minutes that doubles with every further failure, up to a day.
pub fn lock_seconds(failures: u32) -> i64 {
    match failures {
        f if f <= FREE_ATTEMPTS => 0,
        3 => 30,
        4 => 60,
        f => (15 * 60_i64).saturating_mul(1_i64 << (f - LOCK_AFTER).min(7)).min(86_400),
    }
}

/// A PIN is six to twelve digits, and not one a shoulder-surfer guesses first.
pub fn check_pin(pin: &str) -> Result<()> {
    let digits: Vec<u8> = pin.bytes().collect();
    if !(6..=12).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Error::WeakPin("a PIN is 6 to 12 digits".into()));
    }
    let same = digits.iter().all(|d| *d == digits[0]);
    let up = digits.windows(2).all(|w| w[1] == w[0] + 1);
    let down = digits.windows(2).all(|w| w[0] == w[1] + 1);
    if same || up || down {
        return Err(Error::WeakPin("a PIN of one repeated digit or a run like 123456 is too easy to guess".into()));
    }
    Ok(())
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).map_err(|_| Error::Invalid("no randomness available".into()))?;
    Ok(out)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn encode_sealed(sealed: &Sealed) -> Vec<u8> {
    let mut out = Vec::new();
    // Serialising into memory cannot fail.
    #[allow(clippy::expect_used)]
    ciborium::into_writer(sealed, &mut out).expect("CBOR into memory");
    out
}

fn decode_sealed(bytes: &[u8]) -> Result<Sealed> {
    ciborium::from_reader(bytes).map_err(|e| Error::Invalid(format!("stored key is unreadable: {e}")))
}

/// The provisioned authorities: the only ones whose signatures this terminal accepts. Rows that arrived with an
/// enrolment package before provisioning existed are not among them.
pub(crate) fn trust_list(c: &Connection) -> Result<TrustList> {
    let mut stmt =
        c.prepare("SELECT name, public_key FROM authorities WHERE provisioned_at IS NOT NULL ORDER BY added_at")?;
    let rows = stmt.query_map([], |r| Ok(Authority { name: r.get(0)?, public_key: r.get(1)? }))?;
    Ok(TrustList::new(rows.collect::<std::result::Result<_, _>>()?))
}

pub(crate) fn revocation_list(c: &Connection) -> Result<Option<RevocationList>> {
    let bytes: Option<Vec<u8>> =
        c.query_row("SELECT bytes FROM revocation_list WHERE singleton = 1", [], |r| r.get(0)).optional()?;
    match bytes {
        // Verified when it arrived; verified again so a changed database cannot slip one in.
        Some(bytes) => Ok(RevocationList::verify(&bytes, &trust_list(c)?).ok()),
        None => Ok(None),
    }
}

/// What this terminal's rules trust now: its authorities and the newest revocation list it holds (SEC-2).
pub(crate) fn trust(c: &Connection) -> Result<Trust> {
    Ok(Trust { authorities: trust_list(c)?, revocations: revocation_list(c)?, now: now() })
}

pub(crate) fn revocation_version(c: &Connection) -> Result<u64> {
    let v: Option<i64> = c.query_row("SELECT version FROM revocation_list", [], |r| r.get(0)).optional()?;
    Ok(v.unwrap_or(0) as u64)
}

/// Keeps a revocation list from the server if a trusted authority signed it and it is newer than ours.
pub(crate) fn accept_revocation_list(c: &Connection, bytes: &[u8]) -> Result<bool> {
    let list = RevocationList::verify(bytes, &trust_list(c)?)
        .map_err(|e| Error::BadReply(format!("revocation list refused: {e}")))?;
    if list.version <= revocation_version(c)? {
        return Ok(false);
    }
    c.execute(
        "INSERT INTO revocation_list (singleton, version, issued_at, bytes, received_at) VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, issued_at = excluded.issued_at,
             bytes = excluded.bytes, received_at = excluded.received_at",
        params![list.version as i64, list.issued_at, bytes, store::now()],
    )?;
    Ok(true)
}

impl Terminal {
    /// Provisions an issuing authority's public key (SEC-8): the administrator's act, at device setup, that
    /// makes this terminal accept certificates, presentations and revocation lists the authority signed. Provisioning
    /// a key again renames it.
    pub fn provision_authority(&self, name: &str, public_key: &[u8]) -> Result<Authority> {
        if name.trim().is_empty() {
            return Err(Error::Invalid("an authority needs a name".into()));
        }
        if public_key.len() != 32 {
            return Err(Error::Invalid(format!(
                "an authority key is a 32-byte Ed25519 public key (64 hex digits), not {} bytes",
                public_key.len()
            )));
        }
        let authority = Authority { name: name.trim().to_owned(), public_key: public_key.to_vec() };
        self.write(|c| {
            let now = store::now();
            c.execute(
                "INSERT INTO authorities (public_key, name, added_at, provisioned_at) VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT (public_key) DO UPDATE SET name = excluded.name, provisioned_at = excluded.provisioned_at",
                params![authority.public_key, authority.name, now],
            )?;
            Ok(())
        })?;
        Ok(authority)
    }

    /// Enrols an officer from the administrator's package: `code` opens it, `pin` protects the key from then on.
    /// `code` is as typed or as scanned from the administrator's QR (`FTE1:`, read by core's [`EnrolmentCode`]).
    /// The certificate must verify against an authority key provisioned here (SEC-8): the authority the package
    /// names is a claim of the package, not a reason to trust it. Nothing is stored unless every check passes.
    pub fn enrol(&self, package: &[u8], code: &str, pin: &str) -> Result<OfficerSummary> {
        check_pin(pin)?;
        let code = EnrolmentCode::parse(code)?;
        // Reading the package bounds its key-derivation cost before anything is derived.
        let package = EnrolmentPackage::from_bytes(package)?;
        let (trust, revocations) = self.with_conn(|c| Ok((trust_list(c)?, revocation_list(c)?)))?;
        let check = verify_certificate(&package.certificate, &trust, revocations.as_ref(), now());
        if check.verdict == Verdict::UnknownIssuer {
            let key_id = Certificate::decode(&package.certificate).map(|c| hex::encode(c.issuer_key_id()))?;
            return Err(Error::AuthorityNotProvisioned { key_id, claimed: package.authority.name });
        }
        if !matches!(check.verdict, Verdict::Valid | Verdict::NotYetValid) {
            return Err(Error::CertificateNotValid(check.verdict.as_str().into(), check.detail));
        }
        let certificate = Certificate::decode(&package.certificate)?;
        let pkcs8 = open_sealed(&package.key, code.as_str())?.ok_or(Error::WrongCode)?;
        let pair =
            Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| Error::Invalid("the package's key is corrupt".into()))?;
        if pair.public_key().as_ref() != certificate.body().holder_key.as_slice() {
            return Err(Error::Invalid("the package's key does not belong to its certificate".into()));
        }
        let sealed = seal(&pkcs8, pin, random()?, random()?, KdfParams::default())?;
        if certificate.photo_matches(&package.photo) {
            let path = self.photo_path(&certificate);
            let io = |source| Error::DataDir { path: path.display().to_string(), source };
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            std::fs::write(&path, &package.photo).map_err(io)?;
        }
        let body = certificate.body().clone();
        self.write(|c| {
            c.execute(
                "INSERT INTO officers (certificate_number, certificate, name, sealed_key, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (certificate_number) DO UPDATE SET certificate = excluded.certificate, name = excluded.name,
                     sealed_key = excluded.sealed_key, failed_attempts = 0, locked_until = NULL",
                params![body.number, package.certificate, body.name, encode_sealed(&sealed), store::now()],
            )?;
            Ok(())
        })?;
        Ok(summary(&body, 0, None))
    }

    /// The officers enrolled here.
    pub fn officers(&self) -> Result<Vec<OfficerSummary>> {
        self.with_conn(|c| {
            let mut stmt = c.prepare(
                "SELECT certificate, failed_attempts, locked_until FROM officers ORDER BY name, certificate_number",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?, r.get(2)?)))?;
            rows.map(|row| {
                let (bytes, failed, locked) = row?;
                Ok(summary(Certificate::decode(&bytes)?.body(), failed as u32, locked))
            })
            .collect()
        })
    }

    /// Unlocks an officer's key with their PIN.
    pub fn unlock(&self, number: &str, pin: &str) -> Result<UnlockedOfficer> {
        self.unlock_at(number, pin, now())
    }

    /// [`Terminal::unlock`] at a given time (seconds since 1970), for the back-off's clock.
    pub fn unlock_at(&self, number: &str, pin: &str, at: i64) -> Result<UnlockedOfficer> {
        self.write(|c| {
            let row: Option<StoredOfficer> = c
                .query_row(
                    "SELECT certificate, sealed_key, failed_attempts, locked_until FROM officers WHERE certificate_number = ?1",
                    [number],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let (cert, sealed, failed, locked_until) =
                row.ok_or_else(|| Error::NotFound(format!("officer {number}")))?;
            if let Some(until) = locked_until.filter(|u| *u > at) {
                return Err(Error::PinLocked { until, seconds: until - at });
            }
            match open_sealed(&decode_sealed(&sealed)?, pin)? {
                Some(pkcs8) => {
                    c.execute(
                        "UPDATE officers SET failed_attempts = 0, locked_until = NULL WHERE certificate_number = ?1",
                        [number],
                    )?;
                    let pair = Ed25519KeyPair::from_pkcs8(&pkcs8)
                        .map_err(|_| Error::Invalid("the stored key is corrupt".into()))?;
                    Ok(Ok(UnlockedOfficer { certificate: Certificate::decode(&cert)?, pair }))
                }
                None => {
                    let failures = failed as u32 + 1;
                    let lock = lock_seconds(failures);
                    let until = (lock > 0).then_some(at + lock);
                    c.execute(
                        "UPDATE officers SET failed_attempts = ?2, locked_until = ?3 WHERE certificate_number = ?1",
                        params![number, failures as i64, until],
                    )?;
                    // The failure is committed before it is reported, so killing the app cannot reset the count.
                    Ok(Err(Error::WrongPin { failures, locked_for: lock }))
                }
            }
        })?
    }

    /// The authorities this terminal trusts: those its administrator provisioned.
    pub fn trust_list(&self) -> Result<TrustList> {
        self.with_conn(trust_list)
    }

    /// The newest revocation list received, if any.
    pub fn revocation_list(&self) -> Result<Option<RevocationList>> {
        self.with_conn(revocation_list)
    }

    /// Verifies a certificate (`FT1:`) or presentation (`FTP1:`) QR text offline, now. A presentation counts as
    /// live for 30 minutes; `inspection_id` also checks it was made for that inspection.
    pub fn verify_qr(&self, text: &str, inspection_id: Option<&str>) -> Result<Verification> {
        self.with_conn(|c| {
            let (trust, revocations) = (trust_list(c)?, revocation_list(c)?);
            let text = text.trim();
            let at = now();
            // A presentation comes as the verify page's URL (CERT-3) or as the older FTP1: text.
            Ok(if Presentation::is_presentation_text(text) {
                match Presentation::from_url_or_text(text) {
                    Ok(p) => verify_presentation(
                        p.bytes(),
                        &trust,
                        revocations.as_ref(),
                        at,
                        inspection_id,
                        Some(LIVE_PRESENTATION_SECS),
                    ),
                    Err(e) => verify_presentation(e.to_string().as_bytes(), &trust, None, at, None, None),
                }
            } else {
                match Certificate::from_qr_text(text) {
                    Ok(cert) => verify_certificate(cert.bytes(), &trust, revocations.as_ref(), at),
                    Err(_) => verify_certificate(text.as_bytes(), &trust, None, at),
                }
            })
        })
    }

    /// The officer presents their certificate for an inspection (CERT-3): refused if the certificate is not valid
    /// now by this terminal's lists, or the inspection is outside its categories or region (CERT-5). The
    /// presentation is recorded in the inspection and returned for its QR code.
    /// The presentation names the inspection's item code, so the party's phone can say what is being checked.
    pub fn present(&self, inspection_id: &str, officer: &UnlockedOfficer) -> Result<Presentation> {
        let at = now();
        let nonce: [u8; 8] = random()?;
        self.write(|c| {
            let check =
                verify_certificate(officer.certificate.bytes(), &trust_list(c)?, revocation_list(c)?.as_ref(), at);
            if !check.is_valid() {
                return Err(Error::CertificateNotValid(check.verdict.as_str().into(), check.detail));
            }
            let mut doc =
                store::load(c, inspection_id, &self.actor)?.ok_or_else(|| Error::NotFound(inspection_id.to_owned()))?;
            let inspection = doc.read()?.inspection;
            check_scope(officer.certificate.body(), &inspection.category, &inspection.region)?;
            let item = Some(inspection.item_code.as_str()).filter(|code| !code.is_empty());
            let presentation =
                Presentation::create_for_item(&officer.certificate, &officer.pair, inspection_id, item, at, &nonce)?;
            let record = PresentationRecord {
                certificate_number: officer.certificate.body().number.clone(),
                name: officer.certificate.body().name.clone(),
                presented_at: chrono::DateTime::from_timestamp(at, 0).map(|t| t.to_rfc3339()).unwrap_or_default(),
                qr: presentation.to_qr_text(),
            };
            let before = doc.heads();
            doc.apply(&Edit::AddPresentation(record), chrono::Utc::now())?;
            crate::rules::store_checked(c, inspection_id, &mut doc, &before)?;
            Ok(presentation)
        })
    }

    /// The holder's photo thumbnail for `certificate`: inside it (version 1), or the one kept at enrolment whose
    /// hash it signs (version 2). `None` when there is none or it does not match.
    pub fn officer_photo(&self, certificate: &Certificate) -> Option<Vec<u8>> {
        if !certificate.body().photo.is_empty() {
            return Some(certificate.body().photo.clone());
        }
        let bytes = std::fs::read(self.photo_path(certificate)).ok()?;
        certificate.photo_matches(&bytes).then_some(bytes)
    }

    /// Where a version 2 certificate's thumbnail is kept: named by the hash it must have.
    fn photo_path(&self, certificate: &Certificate) -> std::path::PathBuf {
        self.data_dir().join("officer-photos").join(format!("{}.jpg", hex::encode(&certificate.body().photo_sha256)))
    }
}

fn summary(body: &CertificateBody, failed_attempts: u32, locked_until: Option<i64>) -> OfficerSummary {
    OfficerSummary {
        certificate_number: body.number.clone(),
        name: body.name.clone(),
        agency: body.agency.clone(),
        kind: body.kind.as_str().to_owned(),
        valid_to: body.valid_to,
        failed_attempts,
        locked_until,
    }
}
