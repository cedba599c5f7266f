//! The presentation (亮证, CERT-3): the certificate plus the holder's fresh signature over the inspection,
//! the time and a nonce. A copied certificate cannot make one; a presentation cannot be passed off as made for
//! another inspection.

use super::certificate::Certificate;
use super::cose::{self, Fields, encode_map, int, text};
use super::{IdentityError, qr};
use ciborium::Value;
use ring::signature::{Ed25519KeyPair, KeyPair};

const QR_PREFIX: &str = "FTP1:";

/// A presentation, read but not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    bytes: Vec<u8>,
    certificate: Certificate,
    inspection_id: String,
    presented_at: i64,
    nonce: Vec<u8>,
}

impl Presentation {
    /// The holder signs a presentation of `certificate` for an inspection at `at`.
    pub fn create(
        certificate: &Certificate,
        holder: &Ed25519KeyPair,
        inspection_id: &str,
        at: i64,
        nonce: [u8; 16],
    ) -> Result<Self, IdentityError> {
        if holder.public_key().as_ref() != certificate.body().holder_key.as_slice() {
            return Err(IdentityError::Signing("this key is not the certificate holder's".into()));
        }
        let payload = encode_map(vec![
            (1, Value::Bytes(certificate.bytes().to_vec())),
            (2, text(inspection_id)),
            (3, int(at)),
            (4, Value::Bytes(nonce.to_vec())),
        ]);
        Self::decode(&cose::sign(payload, holder)?)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, IdentityError> {
        let envelope = cose::open(bytes)?;
        let f = Fields::parse("presentation", &envelope.payload)?;
        Ok(Presentation {
            bytes: bytes.to_vec(),
            certificate: Certificate::decode(&f.bytes(1)?)?,
            inspection_id: f.text(2)?,
            presented_at: f.int(3)?,
            nonce: f.bytes(4)?,
        })
    }

    pub(crate) fn verify_holder_signature(&self) -> Result<(), IdentityError> {
        cose::open(&self.bytes)?.verify(&self.certificate.body().holder_key)
    }

    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    pub fn inspection_id(&self) -> &str {
        &self.inspection_id
    }

    pub fn presented_at(&self) -> i64 {
        self.presented_at
    }

    pub fn nonce(&self) -> &[u8] {
        &self.nonce
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The presentation as QR text (`FTP1:` + base45 of the compressed envelope).
    pub fn to_qr_text(&self) -> String {
        qr::encode(QR_PREFIX, &self.bytes)
    }

    pub fn from_qr_text(text: &str) -> Result<Self, IdentityError> {
        Self::decode(&qr::decode(QR_PREFIX, text)?)
    }
}
