//! The device's Ed25519 signing key: generated once with ring, kept as PKCS#8 in terminal.db, used to sign
//! evidence metadata (REC-2) until officer keys arrive with certificates.
//!
//! The key sits in the database unencrypted for now: CERT-7 (officer keys under a PIN-derived key) is a
//! separate issue, and the device key only vouches for "this device recorded this".

use crate::error::{Error, Result};
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use rusqlite::{Connection, OptionalExtension, params};

/// The device's key pair.
#[derive(Debug)]
pub struct DeviceKey {
    pair: Ed25519KeyPair,
}

impl DeviceKey {
    /// Loads the device key, generating and storing it on first use.
    pub fn load_or_create(conn: &Connection) -> Result<DeviceKey> {
        let stored: Option<Vec<u8>> =
            conn.query_row("SELECT pkcs8 FROM device_key WHERE singleton = 1", [], |r| r.get(0)).optional()?;
        let pkcs8 = match stored {
            Some(bytes) => bytes,
            None => {
                let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                    .map_err(|_| Error::DeviceKey("cannot generate a key".into()))?;
                let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref())
                    .map_err(|_| Error::DeviceKey("generated key does not parse".into()))?;
                // INSERT OR IGNORE: if another process created the key meanwhile, theirs wins and is read back.
                conn.execute(
                    "INSERT OR IGNORE INTO device_key (singleton, pkcs8, public_key, created_at) VALUES (1, ?1, ?2, ?3)",
                    params![doc.as_ref(), pair.public_key().as_ref(), chrono::Utc::now().to_rfc3339()],
                )?;
                conn.query_row("SELECT pkcs8 FROM device_key WHERE singleton = 1", [], |r| r.get(0))?
            }
        };
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| Error::DeviceKey("stored key is corrupt".into()))?;
        Ok(DeviceKey { pair })
    }

    /// The key pair, for signing requests.
    pub(crate) fn pair(&self) -> &Ed25519KeyPair {
        &self.pair
    }

    /// The public key, hex.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.pair.public_key().as_ref())
    }

    /// Signs `message`; returns the signature in hex.
    pub fn sign_hex(&self, message: &[u8]) -> String {
        hex::encode(self.pair.sign(message).as_ref())
    }
}

/// Verifies an Ed25519 signature given as hex over `message` by the hex `public_key`.
pub fn verify_hex(public_key: &str, message: &[u8], signature: &str) -> bool {
    let (Ok(key), Ok(sig)) = (hex::decode(public_key), hex::decode(signature)) else { return false };
    UnparsedPublicKey::new(&ED25519, key).verify(message, &sig).is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_once_and_signs_verifiably() {
        let dir = tempfile::TempDir::new().unwrap();
        let conn = crate::store::open(dir.path()).unwrap();
        let a = DeviceKey::load_or_create(&conn).unwrap();
        let b = DeviceKey::load_or_create(&conn).unwrap();
        assert_eq!(a.public_key_hex(), b.public_key_hex());
        let sig = a.sign_hex(b"evidence");
        assert!(verify_hex(&b.public_key_hex(), b"evidence", &sig));
        assert!(!verify_hex(&b.public_key_hex(), b"evidencf", &sig));
    }
}
