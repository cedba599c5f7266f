//! Signed HTTP requests on the model of HTTP Message Signatures (RFC 9421) with Content-Digest (RFC 9530):
//! every request a terminal sends is signed by its device key, over the method, the path and, for bodies the
//! server reads whole, the body's SHA-256. Only Ed25519 and the few components below are accepted; the general
//! RFC machinery (and a second crypto library for it) is not needed.
//!
//! The signature covers the Content-Digest *header*, not the body, so a server checks who signed a request
//! from its headers alone ([`parse`], then [`ParsedSignature::verify`]) and reads the body only for a device
//! it knows, then checks the body against the signed digest ([`check_digest`]) (SEC-4).
//!
//! An upload chunk (`PATCH /v1/uploads/{id}`) is streamed, not read whole, yet its signature still covers its
//! `upload-offset` and the chunk's Content-Digest: the server verifies the signature over the header values
//! first, then hashes the chunk as it writes it and refuses it if it does not match ([`UploadChunk`]).
//!
//! Replay protection does not trust device clocks: `nonce` is a per-device counter that only grows, and the
//! server refuses a counter it has seen or that is far behind the newest. `created` is recorded, not enforced.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{ED25519, Ed25519KeyPair, UnparsedPublicKey};

/// Header names.
pub const SIGNATURE: &str = "signature";
pub const SIGNATURE_INPUT: &str = "signature-input";
pub const CONTENT_DIGEST: &str = "content-digest";
pub const UPLOAD_OFFSET: &str = "upload-offset";

/// What an upload chunk's signature covers and the server must still check: the chunk's bytes against
/// `content_digest` (while streaming them), and that it is written at `offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadChunk {
    pub offset: u64,
    /// `sha-256=:BASE64:` of the chunk, as signed.
    pub content_digest: String,
}

/// The headers a signature may cover after `@method` and `@path`, in this order. A new component (say an
/// upload's `upload-offset`) is one more name here; its signer passes its value to [`sign_request_covering`] and
/// the server asks [`SignatureParams::covers`] whether a route's request covered it.
pub const COVERABLE: &[&str] = &[UPLOAD_OFFSET, CONTENT_DIGEST];

/// What a verified signature tells the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    /// The device id.
    pub keyid: String,
    pub nonce: u64,
    pub created: i64,
    /// Whether the body was covered (its digest checked).
    pub covers_body: bool,
    /// The covered headers, from [`COVERABLE`], in order.
    pub covered: Vec<String>,
    /// For an upload chunk: its signed offset and digest, which the caller checks as it streams the body.
    pub upload_chunk: Option<UploadChunk>,
}

impl SignatureParams {
    /// Whether the signature covered header `name`.
    pub fn covers(&self, name: &str) -> bool {
        self.covered.iter().any(|c| c == name)
    }
}

/// Why a request's signature is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request is not signed (no Signature and Signature-Input headers)")]
    Missing,
    #[error("the signature headers are malformed: {0}")]
    Malformed(String),
    #[error("the request was signed by device {0}, which is not registered")]
    UnknownDevice(String),
    #[error("the signature does not match the request")]
    BadSignature,
    #[error("the body does not match its Content-Digest")]
    DigestMismatch,
}

/// The three headers a signed request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub content_digest: Option<String>,
    pub signature_input: String,
    pub signature: String,
}

/// `sha-256=:BASE64:` of a body.
pub fn content_digest(body: &[u8]) -> String {
    digest_header(ring::digest::digest(&ring::digest::SHA256, body).as_ref())
}

/// `sha-256=:BASE64:` of a SHA-256 computed elsewhere (a streamed body).
pub fn digest_header(sha256: &[u8]) -> String {
    format!("sha-256=:{}:", STANDARD.encode(sha256))
}

fn component_list<S: AsRef<str>>(covered: &[S]) -> String {
    let mut list = String::from("(\"@method\" \"@path\"");
    for name in covered {
        list.push_str(&format!(" \"{}\"", name.as_ref()));
    }
    list.push(')');
    list
}

fn params<S: AsRef<str>>(covered: &[S], keyid: &str, nonce: u64, created: i64) -> String {
    format!("{};created={created};nonce=\"{nonce}\";keyid=\"{keyid}\";alg=\"ed25519\"", component_list(covered))
}

fn base(method: &str, path: &str, covered: &[(&str, &str)], params: &str) -> String {
    let mut out = format!("\"@method\": {}\n\"@path\": {path}\n", method.to_ascii_uppercase());
    for (name, value) in covered {
        out.push_str(&format!("\"{name}\": {value}\n"));
    }
    out.push_str(&format!("\"@signature-params\": {params}"));
    out
}

/// Signs a request. `body` is `Some` when the server will read the body whole and check its digest.
pub fn sign_request(
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    keyid: &str,
    nonce: u64,
    created: i64,
    key: &Ed25519KeyPair,
) -> SignedHeaders {
    let digest = body.map(content_digest);
    let covered: Vec<(&str, &str)> = digest.iter().map(|d| (CONTENT_DIGEST, d.as_str())).collect();
    let mut headers = sign_request_covering(method, path, &covered, keyid, nonce, created, key);
    headers.content_digest = digest;
    headers
}

/// Signs a request over `@method`, `@path` and the given headers' values (names from [`COVERABLE`], in its
/// order). The caller sends those headers with exactly these values; `content_digest` is left `None`.
pub fn sign_request_covering(
    method: &str,
    path: &str,
    covered: &[(&str, &str)],
    keyid: &str,
    nonce: u64,
    created: i64,
    key: &Ed25519KeyPair,
) -> SignedHeaders {
    let names: Vec<&str> = covered.iter().map(|(name, _)| *name).collect();
    let params = params(&names, keyid, nonce, created);
    let signature = key.sign(base(method, path, covered, &params).as_bytes());
    SignedHeaders {
        content_digest: None,
        signature_input: format!("sig1={params}"),
        signature: format!("sig1=:{}:", STANDARD.encode(signature.as_ref())),
    }
}

/// Signs an upload chunk (`PATCH`), covering its offset and digest; the returned `content_digest` is always set.
pub fn sign_upload_chunk(
    path: &str,
    offset: u64,
    chunk: &[u8],
    keyid: &str,
    nonce: u64,
    created: i64,
    key: &Ed25519KeyPair,
) -> SignedHeaders {
    let digest = content_digest(chunk);
    let offset = offset.to_string();
    let covered = [(UPLOAD_OFFSET, offset.as_str()), (CONTENT_DIGEST, digest.as_str())];
    let mut headers = sign_request_covering("PATCH", path, &covered, keyid, nonce, created, key);
    headers.content_digest = Some(digest);
    headers
}

/// A request's signature headers, read but not yet verified: enough to find the device's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSignature {
    pub keyid: String,
    pub nonce: u64,
    pub created: i64,
    /// The covered headers, from [`COVERABLE`], in order.
    pub covered: Vec<String>,
    signature: Vec<u8>,
}

impl ParsedSignature {
    /// Whether the signature covers header `name`.
    pub fn covers(&self, name: &str) -> bool {
        self.covered.iter().any(|c| c == name)
    }

    /// Verifies the signature over the method, the path and the covered headers as they were sent; the body
    /// is not needed (a covered Content-Digest is checked against it later with [`check_digest`]).
    pub fn verify(
        &self,
        method: &str,
        path: &str,
        header: impl Fn(&str) -> Option<String>,
        public_key: &[u8],
    ) -> Result<SignatureParams, SignatureError> {
        let values = self
            .covered
            .iter()
            .map(|name| header(name).ok_or_else(|| SignatureError::Malformed(format!("{name} is covered but missing"))))
            .collect::<Result<Vec<String>, _>>()?;
        let covered: Vec<(&str, &str)> =
            self.covered.iter().map(String::as_str).zip(values.iter().map(String::as_str)).collect();
        let params = params(&self.covered, &self.keyid, self.nonce, self.created);
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(base(method, path, &covered, &params).as_bytes(), &self.signature)
            .map_err(|_| SignatureError::BadSignature)?;
        // An upload chunk is streamed: its digest is checked by the route as it writes the bytes, not here.
        let upload_chunk = if self.covers(UPLOAD_OFFSET) {
            if !method.eq_ignore_ascii_case("PATCH") {
                return Err(SignatureError::Malformed("only a PATCH signs an upload offset".into()));
            }
            let value = |name: &str| covered.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned());
            let offset = value(UPLOAD_OFFSET)
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| SignatureError::Malformed("Upload-Offset is not a number".into()))?;
            let content_digest = value(CONTENT_DIGEST)
                .ok_or_else(|| SignatureError::Malformed("an upload chunk's signature must cover its digest".into()))?;
            Some(UploadChunk { offset, content_digest })
        } else {
            None
        };
        Ok(SignatureParams {
            keyid: self.keyid.clone(),
            nonce: self.nonce,
            created: self.created,
            covers_body: self.covers(CONTENT_DIGEST) && upload_chunk.is_none(),
            covered: self.covered.clone(),
            upload_chunk,
        })
    }
}

/// Reads a request's Signature-Input and Signature headers; refuses anything but our one form. No key, no
/// storage and no body are needed, so a request that fails here costs the server nothing.
pub fn parse(header: impl Fn(&str) -> Option<String>) -> Result<ParsedSignature, SignatureError> {
    let (Some(input), Some(signature)) = (header(SIGNATURE_INPUT), header(SIGNATURE)) else {
        return Err(SignatureError::Missing);
    };
    let malformed = |what: &str| SignatureError::Malformed(what.to_owned());
    let input = input.strip_prefix("sig1=").ok_or_else(|| malformed("Signature-Input has no sig1"))?;
    let list = input.strip_prefix('(').ok_or_else(|| malformed("Signature-Input has no component list"))?;
    let (list, rest) = list.split_once(')').ok_or_else(|| malformed("Signature-Input has no component list"))?;
    let mut names = list.split(' ').map(|n| n.strip_prefix('"').and_then(|n| n.strip_suffix('"')));
    if names.next() != Some(Some("@method")) || names.next() != Some(Some("@path")) {
        return Err(malformed("the components must start with \"@method\" \"@path\""));
    }
    let mut covered = Vec::new();
    let mut allowed = COVERABLE.iter();
    for name in names {
        let name = name.ok_or_else(|| malformed("a component name is not quoted"))?;
        // In COVERABLE's order, each at most once: one canonical form, so one signature base.
        if !allowed.any(|a| *a == name) {
            return Err(malformed("Signature-Input covers components other than @method, @path and the known headers"));
        }
        covered.push(name.to_owned());
    }
    let mut created = None;
    let mut nonce = None;
    let mut keyid = None;
    let mut alg = None;
    for param in rest.split(';').filter(|p| !p.is_empty()) {
        let (name, value) = param.split_once('=').ok_or_else(|| malformed("a signature parameter has no value"))?;
        let unquoted = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
        match name {
            "created" => created = value.parse::<i64>().ok(),
            "nonce" => nonce = unquoted.and_then(|v| v.parse::<u64>().ok()),
            "keyid" => keyid = unquoted.map(str::to_owned),
            "alg" => alg = unquoted.map(str::to_owned),
            _ => return Err(malformed("unknown signature parameter")),
        }
    }
    let (Some(created), Some(nonce), Some(keyid)) = (created, nonce, keyid) else {
        return Err(malformed("created, nonce (a counter from 0 to 2^64 - 1) and keyid are required"));
    };
    if alg.as_deref() != Some("ed25519") {
        return Err(malformed("alg must be ed25519"));
    }
    let signature = signature
        .strip_prefix("sig1=:")
        .and_then(|s| s.strip_suffix(':'))
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| malformed("Signature is not sig1=:base64:"))?;
    Ok(ParsedSignature { keyid, nonce, created, covered, signature })
}

/// Checks a body against the Content-Digest header that was signed.
pub fn check_digest(digest: &str, body: &[u8]) -> Result<(), SignatureError> {
    if content_digest(body) == digest { Ok(()) } else { Err(SignatureError::DigestMismatch) }
}

/// Verifies a whole request in one call: signature over the headers, then the body against its digest.
/// `header` reads a request header; `public_key` finds a device's key.
pub fn verify_request(
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    header: impl Fn(&str) -> Option<String>,
    public_key: impl FnOnce(&str) -> Option<Vec<u8>>,
) -> Result<SignatureParams, SignatureError> {
    let parsed = parse(&header)?;
    let key = public_key(&parsed.keyid).ok_or_else(|| SignatureError::UnknownDevice(parsed.keyid.clone()))?;
    let params = parsed.verify(method, path, &header, &key)?;
    if params.covers_body {
        let digest = header(CONTENT_DIGEST).ok_or(SignatureError::DigestMismatch)?;
        check_digest(&digest, body.ok_or(SignatureError::DigestMismatch)?)?;
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::KeyPair;

    fn key() -> Ed25519KeyPair {
        Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap().as_ref()).unwrap()
    }

    fn check(
        h: &SignedHeaders,
        method: &str,
        path: &str,
        body: &[u8],
        pk: &[u8],
    ) -> Result<SignatureParams, SignatureError> {
        let header = |name: &str| match name {
            SIGNATURE => Some(h.signature.clone()),
            SIGNATURE_INPUT => Some(h.signature_input.clone()),
            CONTENT_DIGEST => h.content_digest.clone(),
            _ => None,
        };
        verify_request(method, path, Some(body), header, |id| (id == "dev-1").then(|| pk.to_vec()))
    }

    #[test]
    fn signed_requests_verify_and_any_change_is_caught() {
        let k = key();
        let pk = k.public_key().as_ref().to_vec();
        let h = sign_request("POST", "/v1/sync", Some(b"body"), "dev-1", 7, 1_795_000_000, &k);
        let p = check(&h, "POST", "/v1/sync", b"body", &pk).unwrap();
        assert_eq!((p.keyid.as_str(), p.nonce, p.covers_body), ("dev-1", 7, true));
        assert_eq!(check(&h, "POST", "/v1/sync", b"bodx", &pk), Err(SignatureError::DigestMismatch));
        assert_eq!(check(&h, "POST", "/v1/other", b"body", &pk), Err(SignatureError::BadSignature));
        assert_eq!(check(&h, "PUT", "/v1/sync", b"body", &pk), Err(SignatureError::BadSignature));
        assert_eq!(
            check(&h, "POST", "/v1/sync", b"body", key().public_key().as_ref()),
            Err(SignatureError::BadSignature)
        );
        let mut other_nonce = h.clone();
        other_nonce.signature_input = other_nonce.signature_input.replace("nonce=\"7\"", "nonce=\"8\"");
        assert_eq!(check(&other_nonce, "POST", "/v1/sync", b"body", &pk), Err(SignatureError::BadSignature));
        let stranger = sign_request("POST", "/v1/sync", Some(b"body"), "dev-2", 1, 0, &k);
        assert!(matches!(check(&stranger, "POST", "/v1/sync", b"body", &pk), Err(SignatureError::UnknownDevice(_))));
        let none = verify_request("POST", "/v1/sync", None, |_| None, |_| None);
        assert_eq!(none, Err(SignatureError::Missing));
    }

    /// SEC-4: who signed is known from the headers alone; the body is checked against the signed digest after.
    #[test]
    fn the_signature_verifies_before_the_body_is_read() {
        let k = key();
        let pk = k.public_key().as_ref().to_vec();
        let h = sign_request("POST", "/v1/sync", Some(b"body"), "dev-1", u64::MAX, 0, &k);
        let header = |name: &str| match name {
            SIGNATURE => Some(h.signature.clone()),
            SIGNATURE_INPUT => Some(h.signature_input.clone()),
            CONTENT_DIGEST => h.content_digest.clone(),
            _ => None,
        };
        let parsed = parse(header).unwrap();
        assert_eq!((parsed.keyid.as_str(), parsed.nonce), ("dev-1", u64::MAX), "the counter is a whole u64");
        let params = parsed.verify("POST", "/v1/sync", header, &pk).unwrap();
        assert!(params.covers(CONTENT_DIGEST));
        let digest = h.content_digest.clone().unwrap();
        assert_eq!(check_digest(&digest, b"body"), Ok(()));
        assert_eq!(check_digest(&digest, b"bodx"), Err(SignatureError::DigestMismatch));
        let forged_digest =
            |name: &str| if name == CONTENT_DIGEST { Some(content_digest(b"bodx")) } else { header(name) };
        assert_eq!(parsed.verify("POST", "/v1/sync", forged_digest, &pk), Err(SignatureError::BadSignature));
        for input in [
            "sig1=(\"@method\" \"@path\" \"content-digest\" \"content-digest\");created=0;nonce=\"1\";keyid=\"d\";alg=\"ed25519\"",
            "sig1=(\"@path\" \"@method\");created=0;nonce=\"1\";keyid=\"d\";alg=\"ed25519\"",
            "sig1=(\"@method\" \"@path\" \"host\");created=0;nonce=\"1\";keyid=\"d\";alg=\"ed25519\"",
            "sig1=(\"@method\" \"@path\");created=0;nonce=\"18446744073709551616\";keyid=\"d\";alg=\"ed25519\"",
        ] {
            let odd = |name: &str| if name == SIGNATURE_INPUT { Some(input.to_owned()) } else { header(name) };
            assert!(matches!(parse(odd), Err(SignatureError::Malformed(_))), "{input}");
        }
    }

    fn check_chunk(h: &SignedHeaders, offset: &str, path: &str, pk: &[u8]) -> Result<SignatureParams, SignatureError> {
        let header = |name: &str| match name {
            SIGNATURE => Some(h.signature.clone()),
            SIGNATURE_INPUT => Some(h.signature_input.clone()),
            CONTENT_DIGEST => h.content_digest.clone(),
            UPLOAD_OFFSET => Some(offset.to_owned()),
            _ => None,
        };
        verify_request("PATCH", path, None, header, |id| (id == "dev-1").then(|| pk.to_vec()))
    }

    /// SEC-4, SEC-5: an upload chunk's signature covers its offset and its digest, without the body in hand.
    #[test]
    fn upload_chunk_signature_covers_offset_and_digest() {
        let k = key();
        let pk = k.public_key().as_ref().to_vec();
        let h = sign_upload_chunk("/v1/uploads/u1", 4096, b"chunk", "dev-1", 9, 0, &k);
        let p = check_chunk(&h, "4096", "/v1/uploads/u1", &pk).unwrap();
        let chunk = UploadChunk { offset: 4096, content_digest: content_digest(b"chunk") };
        assert_eq!((p.covers_body, p.upload_chunk), (false, Some(chunk)));
        assert_eq!(check_chunk(&h, "0", "/v1/uploads/u1", &pk), Err(SignatureError::BadSignature));
        assert_eq!(check_chunk(&h, "4096", "/v1/uploads/u2", &pk), Err(SignatureError::BadSignature));
        let mut other_digest = h.clone();
        other_digest.content_digest = Some(content_digest(b"chunK"));
        assert_eq!(check_chunk(&other_digest, "4096", "/v1/uploads/u1", &pk), Err(SignatureError::BadSignature));
        assert_eq!(check_chunk(&h, "x", "/v1/uploads/u1", &pk), Err(SignatureError::BadSignature));
        // A plain signature carries no chunk: the server then refuses the PATCH.
        let plain = sign_request("PATCH", "/v1/uploads/u1", None, "dev-1", 10, 0, &k);
        assert_eq!(check_chunk(&plain, "4096", "/v1/uploads/u1", &pk).unwrap().upload_chunk, None);
    }
}
