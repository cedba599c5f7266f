//! The presentation (亮证, CERT-3): the certificate plus the holder's fresh signature over the inspection,
//! the time and a nonce. A copied certificate cannot make one; a presentation cannot be passed off as made for
//! another inspection. It may also name the inspection's item (检查事项) by code, signed with the rest, so a
//! party's phone can say what the officer came to check.

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
    item_code: Option<String>,
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
        Self::create_for_item(certificate, holder, inspection_id, None, at, &nonce)
    }

    /// [`Self::create`], naming the inspection's item code too (CERT-8). The nonce only makes each presentation
    /// unique; 8 bytes do, and keep the URL's QR code small.
    pub fn create_for_item(
        certificate: &Certificate,
        holder: &Ed25519KeyPair,
        inspection_id: &str,
        item_code: Option<&str>,
        at: i64,
        nonce: &[u8],
    ) -> Result<Self, IdentityError> {
        if holder.public_key().as_ref() != certificate.body().holder_key.as_slice() {
            return Err(IdentityError::Signing("this key is not the certificate holder's".into()));
        }
        let payload = payload(certificate.bytes(), inspection_id, at, nonce, item_code);
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
            item_code: f.optional_text(5)?,
        })
    }

    /// The item code it names, if any.
    pub fn item_code(&self) -> Option<&str> {
        self.item_code.as_deref()
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

    /// The presentation as a URL of the verify page at `base` (CERT-3): see [`super::presentation_url`].
    pub fn to_url(&self, base: &str) -> Result<String, IdentityError> {
        super::presentation_url::encode(self, base)
    }

    /// Reads a presentation from the URL [`Self::to_url`] made, or from the older `FTP1:` text.
    pub fn from_url_or_text(text: &str) -> Result<Self, IdentityError> {
        let text = text.trim();
        if text.starts_with(QR_PREFIX) { Self::from_qr_text(text) } else { super::presentation_url::decode(text) }
    }

    /// Whether `text` looks like a presentation (URL or `FTP1:` text) rather than a certificate.
    pub fn is_presentation_text(text: &str) -> bool {
        let text = text.trim();
        text.starts_with(QR_PREFIX) || super::presentation_url::looks_like_url(text)
    }

    /// The presentation as QR text (`FTP1:` + base45 of the compressed envelope).
    pub fn to_qr_text(&self) -> String {
        qr::encode(QR_PREFIX, &self.bytes)
    }

    pub fn from_qr_text(text: &str) -> Result<Self, IdentityError> {
        Self::decode(&qr::decode(QR_PREFIX, text)?)
    }
}

/// The signed payload: written once, for signing and for rebuilding from a URL.
pub(crate) fn payload(certificate: &[u8], inspection_id: &str, at: i64, nonce: &[u8], item: Option<&str>) -> Vec<u8> {
    let mut fields = vec![
        (1, Value::Bytes(certificate.to_vec())),
        (2, text(inspection_id)),
        (3, int(at)),
        (4, Value::Bytes(nonce.to_vec())),
    ];
    if let Some(item) = item {
        fields.push((5, text(item)));
    }
    encode_map(fields)
}
