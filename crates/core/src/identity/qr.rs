//! QR text: a prefix and the base45 of the zlib-compressed bytes. base45 (RFC 9285) keeps to QR's alphanumeric
//! mode, which packs 5.5 bits a character; zlib takes back much of what CBOR field names and text repeat.

use super::IdentityError;
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use std::io::{Read, Write};

/// Largest decompressed size accepted, so a crafted QR cannot inflate into memory exhaustion.
const MAX_INFLATED: u64 = 64 * 1024;

pub(crate) fn encode(prefix: &str, bytes: &[u8]) -> String {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    // Compressing into memory cannot fail.
    #[allow(clippy::expect_used)]
    let compressed = {
        z.write_all(bytes).expect("zlib into memory");
        z.finish().expect("zlib into memory")
    };
    format!("{prefix}{}", base45::encode(&compressed))
}

pub(crate) fn decode(prefix: &str, text: &str) -> Result<Vec<u8>, IdentityError> {
    let body = text
        .trim()
        .strip_prefix(prefix)
        .ok_or_else(|| IdentityError::Malformed(format!("QR text does not start with {prefix}")))?;
    let compressed =
        base45::decode(body).map_err(|e| IdentityError::Malformed(format!("QR text is not base45: {e:?}")))?;
    let mut out = Vec::new();
    ZlibDecoder::new(compressed.as_slice())
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|e| IdentityError::Malformed(format!("QR payload is not zlib: {e}")))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(IdentityError::Malformed("QR payload inflates beyond 64 KiB".into()));
    }
    Ok(out)
}
