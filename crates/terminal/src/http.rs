//! Requests to the server, signed by this device's key (RFC 9421 model, `fieldtrail_core::httpsig`) with a
//! counter that only grows, kept in terminal.db so a restart never reuses one.
//!
//! A terminal restored from a backup holds an older counter than it last used (SEC-6): the server refuses it as
//! `replayed` and, since the signature is the device's own, says the highest counter it has seen. The terminal
//! continues above that, remembers that it was restored (its next sync asks the server to offer everything
//! again), and sends the request once more.

use crate::Terminal;
use crate::device_key::DeviceKey;
use crate::error::{Error, Result};
use fieldtrail_core::httpsig;
use fieldtrail_core::identity::DeviceRegistration;
use fieldtrail_core::protocol::ErrorBody;
use rusqlite::{Connection, OptionalExtension};

// The counter is a u64; SQLite stores the same 64 bits as a signed INTEGER, read back bit for bit. It is only
// ever compared here, in Rust, never in SQL.
fn counter(c: &Connection) -> Result<u64> {
    let value: Option<i64> =
        c.query_row("SELECT value FROM request_counter WHERE singleton = 1", [], |r| r.get(0)).optional()?;
    Ok(value.unwrap_or(0) as u64)
}

fn set_counter(c: &Connection, value: u64) -> Result<()> {
    c.execute(
        "INSERT INTO request_counter (singleton, value) VALUES (1, ?1)
         ON CONFLICT (singleton) DO UPDATE SET value = excluded.value",
        [value as i64],
    )?;
    Ok(())
}

/// The next request counter, committed before the request leaves.
fn next_counter(c: &Connection) -> Result<u64> {
    let next = counter(c)?
        .checked_add(1)
        .ok_or_else(|| Error::Invalid("the request counter is exhausted (2^64 - 1 requests)".into()))?;
    set_counter(c, next)?;
    Ok(next)
}

/// Continues above `newest` (the server's word for the highest counter it saw) and notes the restore.
fn resume_after(c: &Connection, newest: u64) -> Result<()> {
    set_counter(c, counter(c)?.max(newest))?;
    c.execute("UPDATE request_counter SET resync_pending = 1 WHERE singleton = 1", [])?;
    Ok(())
}

/// Whether this terminal learnt it was restored from a backup and has not resynchronised since.
pub(crate) fn resync_pending(c: &Connection) -> Result<bool> {
    let pending: Option<bool> =
        c.query_row("SELECT resync_pending FROM request_counter WHERE singleton = 1", [], |r| r.get(0)).optional()?;
    Ok(pending.unwrap_or(false))
}

pub(crate) fn resync_done(c: &Connection) -> Result<()> {
    c.execute("UPDATE request_counter SET resync_pending = 0 WHERE singleton = 1", [])?;
    Ok(())
}

impl Terminal {
    /// A request to `url` signed by this device. With `body`, the signature covers its digest (the server reads
    /// it whole); without, only the method and path (streamed uploads, checked by their SHA-256 instead).
    pub fn signed(&self, method: reqwest::Method, url: &str, body: Option<&[u8]>) -> Result<reqwest::RequestBuilder> {
        self.sign_with(method.clone(), url, |path, nonce, created, key| {
            httpsig::sign_request(method.as_str(), path, body, &self.device_id, nonce, created, key)
        })
    }

    /// A request to `url` signed by `sign` (given the path, the next counter, the time and the device key), with
    /// the signature headers it made.
    fn sign_with(
        &self,
        method: reqwest::Method,
        url: &str,
        sign: impl FnOnce(&str, u64, i64, &ring::signature::Ed25519KeyPair) -> httpsig::SignedHeaders,
    ) -> Result<reqwest::RequestBuilder> {
        let parsed = reqwest::Url::parse(url).map_err(|e| Error::Invalid(format!("server URL {url}: {e}")))?;
        let (nonce, key) = self.write(|c| Ok((next_counter(c)?, DeviceKey::load_or_create(c)?)))?;
        let headers = sign(parsed.path(), nonce, chrono::Utc::now().timestamp(), key.pair());
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

    /// Sends a signed request whose body the server reads whole; `body` builds it (again, if the first try
    /// taught the terminal it was restored: the body may say so). Every status but 401 comes back as the
    /// response; a 401 is an error, after one more try with a resumed counter when the server said `replayed`.
    pub async fn send_signed(
        &self,
        method: reqwest::Method,
        url: &str,
        content_type: &str,
        mut body: impl FnMut() -> Result<Vec<u8>>,
    ) -> Result<reqwest::Response> {
        let unreachable = |e: reqwest::Error| Error::Unreachable { url: url.to_owned(), reason: e.to_string() };
        let mut resumed = false;
        loop {
            let bytes = body()?;
            let resp = self
                .signed(method.clone(), url, Some(&bytes))?
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes)
                .send()
                .await
                .map_err(unreachable)?;
            let status = resp.status();
            if status != reqwest::StatusCode::UNAUTHORIZED {
                return Ok(resp);
            }
            let reply = resp.bytes().await.map_err(unreachable)?;
            let Ok(err) = serde_json::from_slice::<ErrorBody>(&reply) else {
                return Err(refusal(status.as_u16(), &reply));
            };
            match err.resume_after {
                Some(newest) if err.code == "replayed" && !resumed => {
                    self.resume_counter_after(newest)?;
                    resumed = true;
                }
                _ => return Err(Error::Refused { status: status.as_u16(), code: err.code, message: err.message }),
            }
        }
    }

    /// [`Terminal::send_signed`], then the whole reply: its bytes on success, its `{code, message}` as
    /// [`Error::Refused`] otherwise.
    pub(crate) async fn exchange(
        &self,
        method: reqwest::Method,
        url: &str,
        content_type: &str,
        body: impl FnMut() -> Result<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        let resp = self.send_signed(method, url, content_type, body).await?;
        let status = resp.status();
        let bytes =
            resp.bytes().await.map_err(|e| Error::Unreachable { url: url.to_owned(), reason: e.to_string() })?;
        if !status.is_success() {
            return Err(refusal(status.as_u16(), &bytes));
        }
        Ok(bytes.to_vec())
    }

    /// After a `replayed` refusal carrying `resume_after` (SEC-6): continue above it and note the restore.
    /// `send_signed` does this itself; a caller that signs with [`Terminal::signed`] (streamed uploads) calls it
    /// and retries.
    pub(crate) fn resume_counter_after(&self, newest: u64) -> Result<()> {
        tracing::warn!(newest, "the server has seen newer requests from this device: restored from a backup");
        self.write(|c| resume_after(c, newest))
    }

    /// An upload chunk's `PATCH` to `url`, signed over its offset and the chunk's digest, so the server keeps
    /// only the bytes this device sent at the place it meant (SEC-5).
    pub fn signed_chunk(&self, url: &str, offset: u64, chunk: &[u8]) -> Result<reqwest::RequestBuilder> {
        let request = self.sign_with(reqwest::Method::PATCH, url, |path, nonce, created, key| {
            httpsig::sign_upload_chunk(path, offset, chunk, &self.device_id, nonce, created, key)
        })?;
        Ok(request.header(httpsig::UPLOAD_OFFSET, offset.to_string()))
    }

    /// This device's public key (hex), for the administrator's `register-device`.
    pub fn device_public_key(&self) -> Result<String> {
        self.write(|c| Ok(DeviceKey::load_or_create(c)?.public_key_hex()))
    }

    /// What the administrator registers this device by, for its registration QR (`FTR1:`).
    pub fn registration(&self) -> Result<DeviceRegistration> {
        let mut public_key = [0u8; 32];
        hex::decode_to_slice(self.device_public_key()?, &mut public_key)
            .map_err(|_| Error::DeviceKey("the device's public key is not 32 bytes".into()))?;
        Ok(DeviceRegistration { device_id: self.device_id.clone(), public_key })
    }
}

/// A server's refusal as an error: its `{code, message}` when it sent one, else the start of what it sent.
pub(crate) fn refusal(status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => Error::Refused { status, code: b.code, message: b.message },
        Err(_) => Error::Refused {
            status,
            code: "unknown".into(),
            message: String::from_utf8_lossy(body).chars().take(200).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// SEC-4, SEC-6: the counter is a whole u64 in terminal.db: it resumes above 2^63 - 1, never goes back, and
    /// stops with an error at 2^64 - 1 instead of wrapping.
    #[test]
    fn the_request_counter_is_a_whole_u64_that_never_goes_back() {
        let dir = tempfile::TempDir::new().unwrap();
        let t = Terminal::open(dir.path()).unwrap();
        let high = i64::MAX as u64 + 1;
        t.write(|c| {
            assert_eq!(next_counter(c)?, 1);
            assert!(!resync_pending(c)?);
            resume_after(c, high)?;
            assert!(resync_pending(c)?, "a resumed counter means a restored terminal");
            assert_eq!(next_counter(c)?, high + 1);
            resume_after(c, 5)?;
            assert_eq!(next_counter(c)?, high + 2, "an older newest never moves the counter back");
            resync_done(c)?;
            assert!(!resync_pending(c)?);
            resume_after(c, u64::MAX)?;
            assert!(matches!(next_counter(c), Err(Error::Invalid(m)) if m.contains("exhausted")));
            Ok(())
        })
        .unwrap();
    }
}
