//! Requests to the server, signed by this device's key (RFC 9421 model, `fieldtrail_core::httpsig`) with a
//! counter that only grows, kept in terminal.db so a restart never reuses one.

use crate::Terminal;
use crate::device_key::DeviceKey;
use crate::error::{Error, Result};
use fieldtrail_core::httpsig;
use rusqlite::Connection;

/// The next request counter, committed before the request leaves.
fn next_counter(c: &Connection) -> Result<u64> {
    let value: i64 = c.query_row(
        "INSERT INTO request_counter (singleton, value) VALUES (1, 1)
         ON CONFLICT (singleton) DO UPDATE SET value = value + 1 RETURNING value",
        [],
        |r| r.get(0),
    )?;
    Ok(value as u64)
}

impl Terminal {
    /// A request to `url` signed by this device. With `body`, the signature covers its digest (the server reads
    /// it whole); without, only the method and path (streamed uploads, checked by their SHA-256 instead).
    pub fn signed(&self, method: reqwest::Method, url: &str, body: Option<&[u8]>) -> Result<reqwest::RequestBuilder> {
        let parsed = reqwest::Url::parse(url).map_err(|e| Error::Invalid(format!("server URL {url}: {e}")))?;
        let (nonce, key) = self.write(|c| Ok((next_counter(c)?, DeviceKey::load_or_create(c)?)))?;
        let headers = httpsig::sign_request(
            method.as_str(),
            parsed.path(),
            body,
            &self.device_id,
            nonce,
            chrono::Utc::now().timestamp(),
            key.pair(),
        );
        let mut request = self
            .http
            .request(method, parsed)
            .header(httpsig::SIGNATURE_INPUT, headers.signature_input)
            .header(httpsig::SIGNATURE, headers.signature);
        if let Some(digest) = headers.content_digest {
            request = request.header(httpsig::CONTENT_DIGEST, digest);
        }
        Ok(request)
    }

    /// An upload chunk's `PATCH` to `url`, signed over its offset and the chunk's digest, so the server keeps
    /// only the bytes this device sent at the place it meant (SEC-5).
    pub fn signed_chunk(&self, url: &str, offset: u64, chunk: &[u8]) -> Result<reqwest::RequestBuilder> {
        let parsed = reqwest::Url::parse(url).map_err(|e| Error::Invalid(format!("server URL {url}: {e}")))?;
        let (nonce, key) = self.write(|c| Ok((next_counter(c)?, DeviceKey::load_or_create(c)?)))?;
        let headers = httpsig::sign_upload_chunk(
            parsed.path(),
            offset,
            chunk,
            &self.device_id,
            nonce,
            chrono::Utc::now().timestamp(),
            key.pair(),
        );
        let mut request = self
            .http
            .request(reqwest::Method::PATCH, parsed)
            .header(httpsig::SIGNATURE_INPUT, headers.signature_input)
            .header(httpsig::SIGNATURE, headers.signature)
            .header(httpsig::UPLOAD_OFFSET, offset.to_string());
        if let Some(digest) = headers.content_digest {
            request = request.header(httpsig::CONTENT_DIGEST, digest);
        }
        Ok(request)
    }

    /// This device's public key (hex), for the administrator's `register-device`.
    pub fn device_public_key(&self) -> Result<String> {
        self.write(|c| Ok(DeviceKey::load_or_create(c)?.public_key_hex()))
    }
}
