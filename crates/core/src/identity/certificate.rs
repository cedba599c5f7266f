//! The enforcement certificate (行政执法证件, CERT-1): who the officer is, what and where they may enforce, until
//! when, and the key with which they sign, all signed by the issuing authority.
//!
//! Two payload versions. Version 1 carries the photo thumbnail inside the signed bytes (and the hash of the photo
//! as delivered): too big for a presentation QR a phone reads at arm's length. Version 2, issued now, carries
//! only the first 16 bytes of the thumbnail's SHA-256 (a second photo with the same 128 bits is out of reach) and
//! leaves out the issuer's name, which the verifier's trust list gives by key id: the thumbnail travels beside the
//! certificate (enrolment package, server) and is shown only when its hash matches. A presentation of a version 2
//! certificate fits a QR code of version 15 at error correction M (docs/identity.md). Version 1 certificates stay
//! readable and verifiable.

use super::cose::{self, Fields, encode_map, int, text};
use super::{IdentityError, qr};
use ciborium::Value;
use ring::signature::Ed25519KeyPair;
use serde::{Deserialize, Serialize};

/// The payload with the thumbnail inside.
const WITH_PHOTO: i64 = 1;
/// The payload with only the thumbnail's hash.
const PHOTO_BESIDE: i64 = 2;
/// Bytes of the thumbnail's SHA-256 a version 2 certificate keeps.
const PHOTO_HASH_LEN: usize = 16;
const QR_PREFIX: &str = "FT1:";

/// What kind of certificate: an officer's, a supervisor's, or an invited supervisor's (CERT-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    Officer,
    Supervisor,
    InvitedSupervisor,
}

impl CertificateKind {
    fn code(self) -> i64 {
        match self {
            CertificateKind::Officer => 0,
            CertificateKind::Supervisor => 1,
            CertificateKind::InvitedSupervisor => 2,
        }
    }

    fn from_code(code: i64) -> Option<Self> {
        [CertificateKind::Officer, CertificateKind::Supervisor, CertificateKind::InvitedSupervisor]
            .into_iter()
            .find(|k| k.code() == code)
    }

    /// The kind's name in the CLI and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateKind::Officer => "officer",
            CertificateKind::Supervisor => "supervisor",
            CertificateKind::InvitedSupervisor => "invited_supervisor",
        }
    }
}

impl std::str::FromStr for CertificateKind {
    type Err = IdentityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [CertificateKind::Officer, CertificateKind::Supervisor, CertificateKind::InvitedSupervisor]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| IdentityError::Malformed(format!("'{s}' is not officer, supervisor or invited_supervisor")))
    }
}

/// The certificate's content. Times are seconds since 1970 (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateBody {
    pub number: String,
    pub name: String,
    pub agency: String,
    /// 执法类别: enforcement categories the holder may act in.
    pub categories: Vec<String>,
    /// 执法区域: administrative division codes (e.g. `1508` 巴彦淖尔市 covers `150802` 临河区).
    pub regions: Vec<String>,
    pub valid_from: i64,
    pub valid_to: i64,
    pub kind: CertificateKind,
    /// The holder's Ed25519 public key: presentations must be signed by its private half.
    #[serde(with = "serde_bytes")]
    pub holder_key: Vec<u8>,
    /// Version 1: the SHA-256 of the photo as delivered. Version 2: [`Certificate::photo_hash`] of the thumbnail.
    #[serde(with = "serde_bytes")]
    pub photo_sha256: Vec<u8>,
    /// Version 1: a small JPEG of the holder's photo inside the signed bytes. Empty in version 2, whose
    /// thumbnail travels beside the certificate ([`Certificate::photo_matches`]).
    #[serde(with = "serde_bytes")]
    pub photo: Vec<u8>,
    pub issuer: String,
    pub issued_at: i64,
}

impl CertificateBody {
    fn encode(&self) -> Vec<u8> {
        let list = |v: &[String]| Value::Array(v.iter().map(|s| text(s)).collect());
        let version = if self.photo.is_empty() { PHOTO_BESIDE } else { WITH_PHOTO };
        let mut fields = vec![
            (1, int(version)),
            (2, text(&self.number)),
            (3, text(&self.name)),
            (4, text(&self.agency)),
            (5, list(&self.categories)),
            (6, list(&self.regions)),
            (7, int(self.valid_from)),
            (8, int(self.valid_to)),
            (9, int(self.kind.code())),
            (10, Value::Bytes(self.holder_key.clone())),
            (11, Value::Bytes(self.photo_sha256.clone())),
            (12, Value::Bytes(self.photo.clone())),
            (13, text(&self.issuer)),
            (14, int(self.issued_at)),
        ];
        if version == PHOTO_BESIDE {
            fields.retain(|(k, _)| *k != 12 && *k != 13);
        }
        encode_map(fields)
    }

    fn decode(bytes: &[u8]) -> Result<Self, IdentityError> {
        let f = Fields::parse("certificate", bytes)?;
        let version = f.int(1)?;
        if version != WITH_PHOTO && version != PHOTO_BESIDE {
            return Err(IdentityError::Malformed(format!("certificate version {version} is not supported")));
        }
        let kind = f.int(9)?;
        let body = CertificateBody {
            number: f.text(2)?,
            name: f.text(3)?,
            agency: f.text(4)?,
            categories: f.texts(5)?,
            regions: f.texts(6)?,
            valid_from: f.int(7)?,
            valid_to: f.int(8)?,
            kind: CertificateKind::from_code(kind)
                .ok_or_else(|| IdentityError::Malformed(format!("certificate kind {kind} is unknown")))?,
            holder_key: f.bytes(10)?,
            photo_sha256: f.bytes(11)?,
            photo: if version == WITH_PHOTO { f.bytes(12)? } else { Vec::new() },
            // Version 2 names its issuer only by key id; the verifier fills in the name it trusts.
            issuer: if version == WITH_PHOTO { f.text(13)? } else { String::new() },
            issued_at: f.int(14)?,
        };
        if version == WITH_PHOTO && body.photo.is_empty() {
            return Err(IdentityError::Malformed("a version 1 certificate carries its photo".into()));
        }
        if body.holder_key.len() != 32 {
            return Err(IdentityError::Malformed("holder key is not an Ed25519 public key".into()));
        }
        Ok(body)
    }
}

/// A signed certificate: the exact bytes that were signed, and their content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    bytes: Vec<u8>,
    body: CertificateBody,
    key_id: Vec<u8>,
}

impl Certificate {
    /// The issuing authority signs a certificate.
    pub fn issue(body: &CertificateBody, authority: &Ed25519KeyPair) -> Result<Self, IdentityError> {
        if body.number.trim().is_empty() || body.name.trim().is_empty() {
            return Err(IdentityError::Malformed("a certificate needs a number and a name".into()));
        }
        if body.valid_to <= body.valid_from {
            return Err(IdentityError::Malformed("a certificate's validity must end after it starts".into()));
        }
        Self::decode(&cose::sign(body.encode(), authority)?)
    }

    /// Reads a certificate without verifying it (see [`super::verify_certificate`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, IdentityError> {
        let envelope = cose::open(bytes)?;
        let body = CertificateBody::decode(&envelope.payload)?;
        Ok(Certificate { bytes: bytes.to_vec(), body, key_id: envelope.key_id })
    }

    pub fn body(&self) -> &CertificateBody {
        &self.body
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The id of the key that claims to have signed it.
    pub fn issuer_key_id(&self) -> &[u8] {
        &self.key_id
    }

    /// Whether `thumbnail` is the photo a version 2 certificate signs by hash (a version 1 certificate's photo
    /// is inside it: any other photo does not match).
    pub fn photo_matches(&self, thumbnail: &[u8]) -> bool {
        self.body.photo.is_empty() && !thumbnail.is_empty() && Self::photo_hash(thumbnail) == self.body.photo_sha256
    }

    /// What a version 2 certificate signs of its thumbnail: the first 16 bytes of its SHA-256.
    pub fn photo_hash(thumbnail: &[u8]) -> Vec<u8> {
        ring::digest::digest(&ring::digest::SHA256, thumbnail).as_ref()[..PHOTO_HASH_LEN].to_vec()
    }

    /// The id of the key that claims to have signed it, and the signature: with the payload, what rebuilds the
    /// envelope ([`super::presentation_url`]).
    pub(crate) fn parts(&self) -> Result<(Vec<u8>, Vec<u8>), IdentityError> {
        let envelope = cose::open(&self.bytes)?;
        Ok((envelope.key_id.clone(), envelope.signature().to_vec()))
    }

    /// The signed payload.
    pub(crate) fn payload(&self) -> Result<Vec<u8>, IdentityError> {
        Ok(cose::open(&self.bytes)?.payload)
    }

    pub(crate) fn verify_signature(&self, authority_key: &[u8]) -> Result<(), IdentityError> {
        cose::open(&self.bytes)?.verify(authority_key)
    }

    /// The certificate as QR text (`FT1:` + base45 of the compressed envelope).
    pub fn to_qr_text(&self) -> String {
        qr::encode(QR_PREFIX, &self.bytes)
    }

    pub fn from_qr_text(text: &str) -> Result<Self, IdentityError> {
        Self::decode(&qr::decode(QR_PREFIX, text)?)
    }
}
