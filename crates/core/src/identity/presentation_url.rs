//! The presentation as a URL any phone opens (CERT-3): `HTTPS://HOST/V#` and the presentation in decimal digits,
//! in the fragment, which a browser never sends to the server. The verify page reads it and verifies it itself.
//!
//! Why this form: a QR code packs digits at 3⅓ bits each (numeric mode), almost exactly their information
//! (log2 10 ≈ 3.32 bits), where base32 in alphanumeric mode spends 5.5 bits on 5 and base64url in byte mode 8 on 6;
//! digits are also safe in a URL everywhere. An uppercase scheme and host keep the prefix in alphanumeric mode.
//! The identity benchmark prints the QR versions of the three (docs/identity.md).
//!
//! The digits carry the presentation's parts, not its envelopes: [key id, certificate payload, authority's
//! signature, inspection id (16 bytes when a UUID), time, nonce, item code or null, holder's signature], a CBOR
//! array. The envelopes' headers are rebuilt from the key ids, so the bytes verified are the bytes signed, and a
//! changed digit fails a signature.

use super::IdentityError;
use super::certificate::Certificate;
use super::cose::{self, key_id};
use super::presentation::{self, Presentation};
use ciborium::Value;

/// The verify page's path on the server; the fragment follows it.
pub const PAGE_PATH: &str = "/V";
/// Bytes per group of digits, and the digits a group of 1 to 7 bytes takes (the fewest that hold 2^(8n) - 1).
const GROUP: usize = 7;
const DIGITS: [usize; GROUP + 1] = [0, 3, 5, 8, 10, 13, 15, 17];
/// More digits than any presentation takes (about 900): longer input is refused before it is read.
const MAX_DIGITS: usize = 4_000;

fn malformed(why: impl Into<String>) -> IdentityError {
    IdentityError::Malformed(why.into())
}

/// `base` (`https://verify.example.gov.cn`, maybe with a path) with scheme and host in capitals, and the page path.
fn page_url(base: &str) -> Result<String, IdentityError> {
    let base = base.trim().trim_end_matches('/');
    let (scheme, rest) =
        base.split_once("://").ok_or_else(|| malformed(format!("the verify page's address '{base}' is not a URL")))?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return Err(malformed(format!("the verify page's address '{base}' is not http(s)")));
    }
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if host.is_empty() {
        return Err(malformed(format!("the verify page's address '{base}' has no host")));
    }
    Ok(format!("{}://{}{path}{PAGE_PATH}#", scheme.to_ascii_uppercase(), host.to_ascii_uppercase()))
}

/// Whether `text` is a URL that may carry a presentation (scheme http(s) and a fragment).
pub(crate) fn looks_like_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && text.contains('#')
}

pub(crate) fn encode(p: &Presentation, base: &str) -> Result<String, IdentityError> {
    let cert = p.certificate();
    let (kid, cert_sig) = cert.parts()?;
    let holder_sig = cose::open(p.bytes())?.signature().to_vec();
    let inspection = match uuid_bytes(p.inspection_id()) {
        Some(b) => Value::Bytes(b.to_vec()),
        None => Value::Text(p.inspection_id().to_owned()),
    };
    let parts = Value::Array(vec![
        Value::Bytes(kid),
        Value::Bytes(cert.payload()?),
        Value::Bytes(cert_sig),
        inspection,
        Value::Integer(p.presented_at().into()),
        Value::Bytes(p.nonce().to_vec()),
        p.item_code().map_or(Value::Null, |c| Value::Text(c.to_owned())),
        Value::Bytes(holder_sig),
    ]);
    let mut bytes = Vec::new();
    ciborium::into_writer(&parts, &mut bytes).map_err(|e| IdentityError::Signing(e.to_string()))?;
    // Only a presentation this code made rebuilds to the same bytes; any other would not verify from its URL.
    if rebuild(&bytes)?.bytes() != p.bytes() {
        return Err(IdentityError::Signing("this presentation does not rebuild from its URL form".into()));
    }
    Ok(format!("{}{}", page_url(base)?, to_digits(&bytes)))
}

pub(crate) fn decode(text: &str) -> Result<Presentation, IdentityError> {
    let text = text.trim();
    if !looks_like_url(text) {
        return Err(malformed("not a presentation: neither FTP1: text nor a verify page URL"));
    }
    let (page, digits) = text.split_once('#').ok_or_else(|| malformed("the URL has no fragment"))?;
    if !page.to_ascii_uppercase().ends_with(PAGE_PATH) {
        return Err(malformed("the URL is not a verify page (…/V#…)"));
    }
    if digits.len() > MAX_DIGITS {
        return Err(malformed(format!("the URL's fragment is longer than any presentation ({} digits)", digits.len())));
    }
    rebuild(&from_digits(digits)?)
}

/// The presentation whose parts `bytes` holds.
fn rebuild(bytes: &[u8]) -> Result<Presentation, IdentityError> {
    let value: Value =
        ciborium::from_reader(bytes).map_err(|e| malformed(format!("the URL's presentation is not CBOR: {e}")))?;
    let Value::Array(parts) = value else {
        return Err(malformed("the URL's presentation is not a list"));
    };
    let [kid, payload, cert_sig, inspection, at, nonce, item, holder_sig] =
        <[Value; 8]>::try_from(parts).map_err(|_| malformed("the URL's presentation does not have 8 parts"))?;
    let bytes = |v: Value, what: &str| v.into_bytes().map_err(|_| malformed(format!("the URL's {what} is not bytes")));
    let certificate = Certificate::decode(&cose::rebuild(
        bytes(kid, "key id")?,
        bytes(payload, "certificate")?,
        bytes(cert_sig, "certificate signature")?,
    )?)?;
    let inspection = match inspection {
        Value::Bytes(b) => uuid_text(&b).ok_or_else(|| malformed("the URL's inspection id is not a UUID"))?,
        Value::Text(t) => t,
        _ => return Err(malformed("the URL's inspection id is neither a UUID nor text")),
    };
    let at = at
        .as_integer()
        .and_then(|i| i64::try_from(i).ok())
        .ok_or_else(|| malformed("the URL's presentation time is not a number"))?;
    let item = match item {
        Value::Null => None,
        Value::Text(t) => Some(t),
        _ => return Err(malformed("the URL's item code is not text")),
    };
    let payload = presentation::payload(certificate.bytes(), &inspection, at, &bytes(nonce, "nonce")?, item.as_deref());
    let holder = key_id(&certificate.body().holder_key);
    Presentation::decode(&cose::rebuild(holder, payload, bytes(holder_sig, "holder's signature")?)?)
}

/// The 16 bytes of a UUID written in its canonical form (lower-case hex, hyphens 8-4-4-4-12), else `None`.
fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    let mut out = [0u8; 16];
    hex::decode_to_slice(&hex, &mut out).ok()?;
    (uuid_text(&out)? == id).then_some(out)
}

fn uuid_text(b: &[u8]) -> Option<String> {
    if b.len() != 16 {
        return None;
    }
    let h = hex::encode(b);
    Some(format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]))
}

/// Bytes as decimal digits: each group of 7 bytes (the last maybe fewer) as a big-endian number, zero-padded to
/// the digits its size takes.
pub fn to_digits(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 17 / 7 + 17);
    for group in bytes.chunks(GROUP) {
        let n = group.iter().fold(0u64, |n, b| n << 8 | u64::from(*b));
        out.push_str(&format!("{n:0width$}", width = DIGITS[group.len()]));
    }
    out
}

/// The bytes [`to_digits`] wrote; a length no groups add up to, a non-digit, or a group too large is refused.
pub fn from_digits(digits: &str) -> Result<Vec<u8>, IdentityError> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("the URL's fragment is not all digits"));
    }
    let full = digits.len() / DIGITS[GROUP];
    let rest = digits.len() % DIGITS[GROUP];
    let last = DIGITS.iter().position(|d| *d == rest).ok_or_else(|| malformed("the URL's fragment is cut short"))?;
    let mut out = Vec::with_capacity(full * GROUP + last);
    let mut at = 0;
    for size in std::iter::repeat_n(GROUP, full).chain((last > 0).then_some(last)) {
        let group = &digits[at..at + DIGITS[size]];
        at += DIGITS[size];
        let n: u64 = group.parse().map_err(|_| malformed("the URL's fragment is not a number"))?;
        if size < 8 && n >> (8 * size) != 0 {
            return Err(malformed("the URL's fragment has a group out of range"));
        }
        out.extend_from_slice(&n.to_be_bytes()[8 - size..]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_round_trip_every_length() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 255) as u8).collect();
            assert_eq!(from_digits(&to_digits(&bytes)).unwrap(), bytes);
            let max = vec![0xff; len];
            assert_eq!(from_digits(&to_digits(&max)).unwrap(), max);
        }
    }

    #[test]
    fn bad_digits_are_refused() {
        assert!(from_digits("1234").is_err(), "4 digits is no group size");
        assert!(from_digits("256").is_err(), "one byte holds at most 255");
        assert!(from_digits("12a").is_err());
        assert!(from_digits("99999999999999999").is_err(), "17 nines exceed 7 bytes");
    }

    #[test]
    fn page_url_capitalises_scheme_and_host_only() {
        assert_eq!(page_url("https://ft.example.gov.cn/").unwrap(), "HTTPS://FT.EXAMPLE.GOV.CN/V#");
        assert_eq!(page_url("http://127.0.0.1:8080/ft").unwrap(), "HTTP://127.0.0.1:8080/ft/V#");
        assert!(page_url("ftp://x").is_err());
        assert!(page_url("nonsense").is_err());
    }
}
