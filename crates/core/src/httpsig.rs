//! Signed HTTP requests on the model of HTTP Message Signatures (RFC 9421) with Content-Digest (RFC 9530):
//! every request a terminal sends is signed by its device key, over the method, the path and, for bodies the
//! server reads whole, the body's SHA-256. Only Ed25519 and the few components below are accepted; the general
//! RFC machinery (and a second crypto library for it) is not needed.
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

/// The components an upload chunk's signature covers, besides the method and path.
const UPLOAD_CHUNK_COMPONENTS: &str = "(\"@method\" \"@path\" \"upload-offset\" \"content-digest\")";

/// What an upload chunk's signature covers and the server must still check: the chunk's bytes against
/// `content_digest` (while streaming them), and that it is written at `offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadChunk {
    pub offset: u64,
    /// `sha-256=:BASE64:` of the chunk, as signed.
    pub content_digest: String,
}

/// What a verified signature tells the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    /// The device id.
    pub keyid: String,
    pub nonce: u64,
    pub created: i64,
    /// Whether the body was covered (its digest checked).
    pub covers_body: bool,
    /// For an upload chunk: its signed offset and digest, which the caller checks as it streams the body.
    pub upload_chunk: Option<UploadChunk>,
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

fn components(covers_body: bool) -> &'static str {
    if covers_body { "(\"@method\" \"@path\" \"content-digest\")" } else { "(\"@method\" \"@path\")" }
}

fn params(covers_body: bool, keyid: &str, nonce: u64, created: i64) -> String {
    format!("{};created={created};nonce=\"{nonce}\";keyid=\"{keyid}\";alg=\"ed25519\"", components(covers_body))
}

fn base(method: &str, path: &str, digest: Option<&str>, params: &str) -> String {
    let mut out = format!("\"@method\": {}\n\"@path\": {path}\n", method.to_ascii_uppercase());
    if let Some(digest) = digest {
        out.push_str(&format!("\"content-digest\": {digest}\n"));
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
    let params = params(digest.is_some(), keyid, nonce, created);
    let signature = key.sign(base(method, path, digest.as_deref(), &params).as_bytes());
    SignedHeaders {
        content_digest: digest,
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
    let params = format!("{UPLOAD_CHUNK_COMPONENTS}{}", params_tail(keyid, nonce, created));
    let signature = key.sign(chunk_base(path, offset, &digest, &params).as_bytes());
    SignedHeaders {
        content_digest: Some(digest),
        signature_input: format!("sig1={params}"),
        signature: format!("sig1=:{}:", STANDARD.encode(signature.as_ref())),
    }
}

fn params_tail(keyid: &str, nonce: u64, created: i64) -> String {
    format!(";created={created};nonce=\"{nonce}\";keyid=\"{keyid}\";alg=\"ed25519\"")
}

fn chunk_base(path: &str, offset: u64, digest: &str, params: &str) -> String {
    format!(
        "\"@method\": PATCH\n\"@path\": {path}\n\"upload-offset\": {offset}\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
    )
}

/// Verifies a request's signature. `header` reads a request header; `public_key` finds a device's key.
pub fn verify_request(
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    header: impl Fn(&str) -> Option<String>,
    public_key: impl FnOnce(&str) -> Option<Vec<u8>>,
) -> Result<SignatureParams, SignatureError> {
    let (Some(input), Some(signature)) = (header(SIGNATURE_INPUT), header(SIGNATURE)) else {
        return Err(SignatureError::Missing);
    };
    let malformed = |what: &str| SignatureError::Malformed(what.to_owned());
    let input = input.strip_prefix("sig1=").ok_or_else(|| malformed("Signature-Input has no sig1"))?;
    let (list, rest) = input.split_once(')').ok_or_else(|| malformed("Signature-Input has no component list"))?;
    let list = format!("{list})");
    let is_chunk = list == UPLOAD_CHUNK_COMPONENTS;
    let covers_body = if list == components(true) {
        true
    } else if list == components(false) || is_chunk {
        false
    } else {
        return Err(malformed(
            "Signature-Input covers other components than @method, @path, content-digest (and upload-offset)",
        ));
    };
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
        return Err(malformed("created, nonce (a counter) and keyid are required"));
    };
    if alg.as_deref() != Some("ed25519") {
        return Err(malformed("alg must be ed25519"));
    }
    let digest = if covers_body {
        let digest = header(CONTENT_DIGEST).ok_or_else(|| malformed("Content-Digest is covered but missing"))?;
        if body.map(content_digest).as_deref() != Some(digest.as_str()) {
            return Err(SignatureError::DigestMismatch);
        }
        Some(digest)
    } else {
        None
    };
    let sig = signature
        .strip_prefix("sig1=:")
        .and_then(|s| s.strip_suffix(':'))
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| malformed("Signature is not sig1=:base64:"))?;
    // An upload chunk is streamed: its digest is verified here only as signed; the caller hashes the bytes.
    let upload_chunk = if is_chunk {
        let offset = header(UPLOAD_OFFSET)
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| malformed("Upload-Offset is covered but missing or not a number"))?;
        let content_digest =
            header(CONTENT_DIGEST).ok_or_else(|| malformed("Content-Digest is covered but missing"))?;
        if !method.eq_ignore_ascii_case("PATCH") {
            return Err(malformed("only a PATCH signs an upload offset"));
        }
        Some(UploadChunk { offset, content_digest })
    } else {
        None
    };
    let key = public_key(&keyid).ok_or_else(|| SignatureError::UnknownDevice(keyid.clone()))?;
    let signed = match &upload_chunk {
        Some(chunk) => chunk_base(
            path,
            chunk.offset,
            &chunk.content_digest,
            &format!("{UPLOAD_CHUNK_COMPONENTS}{}", params_tail(&keyid, nonce, created)),
        ),
        None => base(method, path, digest.as_deref(), &params(covers_body, &keyid, nonce, created)),
    };
    UnparsedPublicKey::new(&ED25519, key).verify(signed.as_bytes(), &sig).map_err(|_| SignatureError::BadSignature)?;
    Ok(SignatureParams { keyid, nonce, created, covers_body, upload_chunk })
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
        assert!(matches!(check_chunk(&h, "x", "/v1/uploads/u1", &pk), Err(SignatureError::Malformed(_))));
        // A plain signature carries no chunk: the server then refuses the PATCH.
        let plain = sign_request("PATCH", "/v1/uploads/u1", None, "dev-1", 10, 0, &k);
        assert_eq!(check_chunk(&plain, "4096", "/v1/uploads/u1", &pk).unwrap().upload_chunk, None);
    }
}
