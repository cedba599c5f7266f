//! Secrets sealed under something a person knows: a private key under an officer's PIN on the terminal
//! (CERT-7), or under a one-time code while it travels in an enrolment package. Argon2id makes each guess
//! cost tens of milliseconds and megabytes; ChaCha20-Poly1305 (ring) makes a wrong PIN fail the tag check
//! instead of yielding a wrong key.

use super::IdentityError;
use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use serde::{Deserialize, Serialize};

/// Argon2id cost. The default is OWASP's minimum for Argon2id (19 MiB, 2 passes): a tablet answers a PIN in
/// well under a second, and a stolen database costs an attacker that much per guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams { memory_kib: 19 * 1024, passes: 2, lanes: 1 }
    }
}

impl KdfParams {
    /// Most memory an enrolment package may ask a tablet to spend on one derivation: 256 MiB, over ten times
    /// the default, still within a tablet's RAM. A package asking for 4 GiB could take the app down.
    pub const MAX_MEMORY_KIB: u32 = 256 * 1024;
    /// Fewest KiB: below 8 MiB a guess at the one-time code costs an attacker too little.
    pub const MIN_MEMORY_KIB: u32 = 8 * 1024;
    /// Most passes: 10 at the largest memory is about ten seconds on a tablet, and 2^32 would be forever.
    pub const MAX_PASSES: u32 = 10;
    /// Most lanes: a tablet has up to 8 cores.
    pub const MAX_LANES: u32 = 8;

    /// Refuses parameters outside the bounds above (SEC-8, CERT-7): a package is outside input, and its KDF
    /// parameters decide how much memory and time opening it costs.
    pub fn check_bounds(&self) -> Result<(), IdentityError> {
        let within = (Self::MIN_MEMORY_KIB..=Self::MAX_MEMORY_KIB).contains(&self.memory_kib)
            && (1..=Self::MAX_PASSES).contains(&self.passes)
            && (1..=Self::MAX_LANES).contains(&self.lanes);
        if within {
            Ok(())
        } else {
            Err(IdentityError::KdfOutOfBounds(format!(
                "{} KiB, {} passes, {} lanes; this terminal accepts {} to {} KiB, 1 to {} passes, 1 to {} lanes",
                self.memory_kib,
                self.passes,
                self.lanes,
                Self::MIN_MEMORY_KIB,
                Self::MAX_MEMORY_KIB,
                Self::MAX_PASSES,
                Self::MAX_LANES
            )))
        }
    }
}

/// A sealed secret with what is needed to open it, except the passphrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    #[serde(with = "serde_bytes")]
    pub salt: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub nonce: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub ciphertext: Vec<u8>,
    pub kdf: KdfParams,
}

fn key(passphrase: &str, salt: &[u8], kdf: KdfParams) -> Result<LessSafeKey, IdentityError> {
    let params = Params::new(kdf.memory_kib, kdf.passes, kdf.lanes, Some(32))
        .map_err(|e| IdentityError::Malformed(format!("key derivation parameters: {e}")))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| IdentityError::Malformed(format!("key derivation: {e}")))?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &out).map_err(|_| IdentityError::Signing("AEAD key".into()))?;
    Ok(LessSafeKey::new(unbound))
}

/// Seals `secret` under `passphrase`. The caller supplies fresh random `salt` (16 bytes) and `nonce` (12 bytes).
pub fn seal(
    secret: &[u8],
    passphrase: &str,
    salt: [u8; 16],
    nonce: [u8; 12],
    kdf: KdfParams,
) -> Result<Sealed, IdentityError> {
    let mut ciphertext = secret.to_vec();
    key(passphrase, &salt, kdf)?
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut ciphertext)
        .map_err(|_| IdentityError::Signing("sealing failed".into()))?;
    Ok(Sealed { salt: salt.to_vec(), nonce: nonce.to_vec(), ciphertext, kdf })
}

/// Opens a sealed secret; `None` when the passphrase is wrong (or the data was changed).
pub fn open(sealed: &Sealed, passphrase: &str) -> Result<Option<Vec<u8>>, IdentityError> {
    let nonce: [u8; 12] =
        sealed.nonce.as_slice().try_into().map_err(|_| IdentityError::Malformed("nonce is not 12 bytes".into()))?;
    let mut buf = sealed.ciphertext.clone();
    let opened = key(passphrase, &sealed.salt, sealed.kdf)?
        .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf)
        .map(|plain| plain.to_vec())
        .ok();
    Ok(opened)
}

/// What an administrator hands an officer to enrol on a terminal: the certificate, the authority that signed
/// it, and the officer's private key sealed under a one-time code given separately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentPackage {
    pub v: u32,
    #[serde(with = "serde_bytes")]
    pub certificate: Vec<u8>,
    pub authority: super::Authority,
    pub key: Sealed,
    /// The holder's photo thumbnail that a version 2 certificate signs by hash (empty for version 1, whose
    /// thumbnail is inside it); the terminal keeps it only if the hash matches.
    #[serde(default, with = "serde_bytes")]
    pub photo: Vec<u8>,
}

impl EnrolmentPackage {
    pub const VERSION: u32 = 1;

    pub fn to_bytes(&self) -> Vec<u8> {
        crate::protocol::encode(self)
    }

    /// Reads a package: its version, and the cost of its key derivation within [`KdfParams::check_bounds`].
    /// Whether its authority is one the terminal trusts is the terminal's check, against its provisioned keys.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IdentityError> {
        let package: Self = ciborium::from_reader(bytes)
            .map_err(|e| IdentityError::Malformed(format!("not an enrolment package: {e}")))?;
        if package.v != Self::VERSION {
            return Err(IdentityError::Malformed(format!("enrolment package version {} is not supported", package.v)));
        }
        package.key.kdf.check_bounds()?;
        Ok(package)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(kdf: KdfParams) -> EnrolmentPackage {
        let sealed = Sealed { salt: vec![1; 16], nonce: vec![2; 12], ciphertext: vec![3; 99], kdf };
        let authority = crate::identity::Authority { name: "a".into(), public_key: vec![4; 32] };
        EnrolmentPackage { v: EnrolmentPackage::VERSION, certificate: vec![], authority, key: sealed, photo: vec![] }
    }

    /// SEC-8, CERT-7: a package that asks for an absurd key derivation (4 GiB of memory, 2^32 passes, no
    /// lanes) is refused when read, before any derivation runs; the default parameters are accepted.
    #[test]
    fn sec_8_enrolment_packages_with_absurd_kdf_parameters_are_refused() {
        let read = |kdf| EnrolmentPackage::from_bytes(&package(kdf).to_bytes());
        assert!(read(KdfParams::default()).is_ok());
        let d = KdfParams::default();
        for absurd in [
            KdfParams { memory_kib: u32::MAX, ..d },
            KdfParams { memory_kib: 64, ..d },
            KdfParams { passes: u32::MAX, ..d },
            KdfParams { passes: 0, ..d },
            KdfParams { lanes: 0, ..d },
            KdfParams { lanes: 1 << 20, ..d },
        ] {
            let err = read(absurd).unwrap_err();
            assert_eq!(err.code(), "kdf_out_of_bounds", "{absurd:?}: {err}");
        }
    }

    #[test]
    fn sealed_secrets_open_only_with_the_passphrase() {
        let fast = KdfParams { memory_kib: 64, passes: 1, lanes: 1 };
        let sealed = seal(b"private key", "482913", [1; 16], [2; 12], fast).unwrap();
        assert!(!sealed.ciphertext.windows(11).any(|w| w == b"private key"));
        assert_eq!(open(&sealed, "482913").unwrap().as_deref(), Some(&b"private key"[..]));
        assert_eq!(open(&sealed, "482914").unwrap(), None);
        let mut changed = sealed.clone();
        changed.ciphertext[0] ^= 1;
        assert_eq!(open(&changed, "482913").unwrap(), None);
    }
}
