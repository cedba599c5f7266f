//! COSE_Sign1 envelopes with Ed25519, and the CBOR maps with integer keys inside them.

use super::IdentityError;
use ciborium::Value;
use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

/// The 8-byte id of a public key: the first bytes of its SHA-256, as in the DCC's `kid`.
pub fn key_id(public_key: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, public_key).as_ref()[..8].to_vec()
}

/// The public key of a key pair, as bytes.
pub fn public_key_of(pair: &Ed25519KeyPair) -> Vec<u8> {
    pair.public_key().as_ref().to_vec()
}

/// Signs `payload` into a tagged COSE_Sign1.
pub(crate) fn sign(payload: Vec<u8>, signer: &Ed25519KeyPair) -> Result<Vec<u8>, IdentityError> {
    let protected =
        HeaderBuilder::new().algorithm(iana::Algorithm::EdDSA).key_id(key_id(signer.public_key().as_ref())).build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |tbs| signer.sign(tbs).as_ref().to_vec())
        .build()
        .to_tagged_vec()
        .map_err(|e| IdentityError::Signing(e.to_string()))
}

/// Rebuilds the envelope `sign` made from its parts: the signer's key id, the payload and the signature. The
/// bytes are the same as signed only if the parts are; a changed part fails verification.
pub(crate) fn rebuild(key_id: Vec<u8>, payload: Vec<u8>, signature: Vec<u8>) -> Result<Vec<u8>, IdentityError> {
    let protected = HeaderBuilder::new().algorithm(iana::Algorithm::EdDSA).key_id(key_id).build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .signature(signature)
        .build()
        .to_tagged_vec()
        .map_err(|e| IdentityError::Malformed(format!("cannot rebuild the envelope: {e}")))
}

/// A parsed envelope, not yet verified.
pub(crate) struct Envelope {
    sign1: CoseSign1,
    pub key_id: Vec<u8>,
    pub payload: Vec<u8>,
}

pub(crate) fn open(bytes: &[u8]) -> Result<Envelope, IdentityError> {
    let sign1 = CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|e| IdentityError::Malformed(format!("not a COSE_Sign1 envelope: {e}")))?;
    if sign1.protected.header.alg != Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA)) {
        return Err(IdentityError::Malformed("envelope is not signed with EdDSA".into()));
    }
    let payload = sign1.payload.clone().ok_or_else(|| IdentityError::Malformed("envelope has no payload".into()))?;
    Ok(Envelope { key_id: sign1.protected.header.key_id.clone(), payload, sign1 })
}

impl Envelope {
    pub fn signature(&self) -> &[u8] {
        &self.sign1.signature
    }

    pub fn verify(&self, public_key: &[u8]) -> Result<(), IdentityError> {
        self.sign1.verify_signature(b"", |sig, data| {
            UnparsedPublicKey::new(&ED25519, public_key)
                .verify(data, sig)
                .map_err(|_| IdentityError::BadSignature("Ed25519 signature does not match".into()))
        })
    }
}

/// A CBOR map with small integer keys, read field by field with clear errors.
pub(crate) struct Fields {
    what: &'static str,
    entries: Vec<(Value, Value)>,
}

impl Fields {
    pub fn parse(what: &'static str, bytes: &[u8]) -> Result<Self, IdentityError> {
        match ciborium::from_reader::<Value, _>(bytes) {
            Ok(Value::Map(entries)) => Ok(Fields { what, entries }),
            Ok(_) => Err(IdentityError::Malformed(format!("{what} is not a CBOR map"))),
            Err(e) => Err(IdentityError::Malformed(format!("{what} is not CBOR: {e}"))),
        }
    }

    fn get(&self, key: i64) -> Result<&Value, IdentityError> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_integer().and_then(|i| i64::try_from(i).ok()) == Some(key))
            .map(|(_, v)| v)
            .ok_or_else(|| IdentityError::Malformed(format!("{} lacks field {key}", self.what)))
    }

    fn bad(&self, key: i64, expected: &str) -> IdentityError {
        IdentityError::Malformed(format!("{} field {key} is not {expected}", self.what))
    }

    pub fn text(&self, key: i64) -> Result<String, IdentityError> {
        self.get(key)?.as_text().map(str::to_owned).ok_or_else(|| self.bad(key, "text"))
    }

    /// A text field that may be absent.
    pub fn optional_text(&self, key: i64) -> Result<Option<String>, IdentityError> {
        if self.get(key).is_err() {
            return Ok(None);
        }
        self.text(key).map(Some)
    }

    pub fn int(&self, key: i64) -> Result<i64, IdentityError> {
        self.get(key)?.as_integer().and_then(|i| i64::try_from(i).ok()).ok_or_else(|| self.bad(key, "an integer"))
    }

    pub fn bytes(&self, key: i64) -> Result<Vec<u8>, IdentityError> {
        self.get(key)?.as_bytes().cloned().ok_or_else(|| self.bad(key, "bytes"))
    }

    pub fn texts(&self, key: i64) -> Result<Vec<String>, IdentityError> {
        let items = self.get(key)?.as_array().ok_or_else(|| self.bad(key, "a list"))?;
        items.iter().map(|v| v.as_text().map(str::to_owned).ok_or_else(|| self.bad(key, "a list of text"))).collect()
    }

    pub fn array(&self, key: i64) -> Result<&Vec<Value>, IdentityError> {
        self.get(key)?.as_array().ok_or_else(|| self.bad(key, "a list"))
    }
}

/// Encodes a map with integer keys in the order given (our writers always give ascending keys).
pub(crate) fn encode_map(entries: Vec<(i64, Value)>) -> Vec<u8> {
    let map = Value::Map(entries.into_iter().map(|(k, v)| (Value::Integer(k.into()), v)).collect());
    let mut out = Vec::new();
    // Writing a Value into memory cannot fail.
    #[allow(clippy::expect_used)]
    ciborium::into_writer(&map, &mut out).expect("CBOR into memory");
    out
}

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

pub(crate) fn int(i: i64) -> Value {
    Value::Integer(i.into())
}
