//! The server's trail (TRAIL-2, SYNC-5): the leaves of its append-only Merkle log, signed tree heads and the
//! receipts a terminal keeps, with their verification. Pure: the server, the terminal and an offline verifier
//! share this code. The tree and its proofs are in [`merkle`] (RFC 6962 / 9162); docs/trail.md is the
//! specification.

pub mod merkle;
pub mod restore;

pub use merkle::{Hash, ProofError, TreeBuilder, leaf_hash, verify_consistency, verify_inclusion};

use ring::signature::{ED25519, Ed25519KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};

/// Version of the leaf encoding.
pub const LEAF_VERSION: u8 = 1;
/// Domain separation of a tree head's signed bytes: a tree head signature cannot pass for anything else.
const STH_CONTEXT: &[u8] = b"FieldTrail signed tree head v1\0";

/// What a leaf records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeafKind {
    /// An automerge change the server accepted (`hash` is the change hash).
    Change = 1,
    /// An evidence file whose upload completed and verified (`hash` is its SHA-256).
    Evidence = 2,
    /// An inspection shared with another agency (SEC-1; `hash` is [`crate::share::ShareEvent::digest`]).
    Share = 3,
    /// A share withdrawn (`hash` likewise).
    Unshare = 4,
    /// The server learnt it had been restored from a backup (SEC-6): `hash` is the digest of the signed tree
    /// head that proved it ([`restore::lost_head_digest`]).
    Restore = 5,
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaf {
    pub kind: LeafKind,
    /// The inspection's id; empty for evidence (an upload names no inspection).
    pub document: String,
    pub hash: Hash,
    /// The server's clock when it accepted the entry, milliseconds since 1970.
    pub time_ms: i64,
}

/// Why bytes are not a leaf, a tree head or a receipt, or do not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrailError {
    #[error("not a log leaf: {0}")]
    BadLeaf(String),
    #[error("not a tree head: {0}")]
    BadTreeHead(String),
    #[error("the tree head's signature does not verify with the log key")]
    BadSignature,
    #[error("the receipt was signed with another log key than the one this terminal trusts")]
    UnknownKey,
    #[error("receipt entry {index}: {source}")]
    Proof { index: u64, source: ProofError },
}

impl TrailError {
    /// Stable name of the error.
    pub fn code(&self) -> &'static str {
        match self {
            TrailError::BadLeaf(_) => "bad_leaf",
            TrailError::BadTreeHead(_) => "bad_tree_head",
            TrailError::BadSignature => "bad_tree_head_signature",
            TrailError::UnknownKey => "unknown_log_key",
            TrailError::Proof { .. } => "bad_inclusion_proof",
        }
    }
}

impl Leaf {
    /// `version (1) | kind (1) | time_ms (8, big-endian) | id length (1) | id (UTF-8) | hash (32)`.
    pub fn encode(&self) -> Vec<u8> {
        let id = self.document.as_bytes();
        let mut out = Vec::with_capacity(11 + id.len() + 32);
        out.push(LEAF_VERSION);
        out.push(self.kind as u8);
        out.extend_from_slice(&self.time_ms.to_be_bytes());
        // Document ids are UUIDs (36 bytes); anything longer is cut rather than wrapped around.
        let id = &id[..id.len().min(255)];
        out.push(id.len() as u8);
        out.extend_from_slice(id);
        out.extend_from_slice(&self.hash);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Leaf, TrailError> {
        let bad = |what: &str| TrailError::BadLeaf(what.to_owned());
        if bytes.len() < 11 + 32 {
            return Err(bad("too short"));
        }
        if bytes[0] != LEAF_VERSION {
            return Err(bad(&format!("leaf version {} is not {LEAF_VERSION}", bytes[0])));
        }
        let kind = match bytes[1] {
            1 => LeafKind::Change,
            2 => LeafKind::Evidence,
            3 => LeafKind::Share,
            4 => LeafKind::Unshare,
            5 => LeafKind::Restore,
            k => return Err(bad(&format!("unknown kind {k}"))),
        };
        let mut time = [0u8; 8];
        time.copy_from_slice(&bytes[2..10]);
        let len = bytes[10] as usize;
        if bytes.len() != 11 + len + 32 {
            return Err(bad("length does not match its document id"));
        }
        let document = std::str::from_utf8(&bytes[11..11 + len]).map_err(|_| bad("document id is not UTF-8"))?;
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&bytes[11 + len..]);
        Ok(Leaf { kind, document: document.to_owned(), hash, time_ms: i64::from_be_bytes(time) })
    }

    /// The Merkle leaf hash of this entry.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.encode())
    }
}

/// A tree head signed by the server's log key. In memory and in JSON (endpoints, files given to
/// `verify --since-sth`) hashes are lowercase hex; in CBOR (sync receipts) they travel as bytes, half the size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedTreeHead {
    pub size: u64,
    /// RFC 6962 MTH of the first `size` leaves.
    #[serde(with = "hex_or_bytes")]
    pub root: String,
    /// The server's clock when it signed, milliseconds since 1970.
    pub timestamp_ms: i64,
    /// Ed25519 over [`SignedTreeHead::signed_bytes`].
    #[serde(with = "hex_or_bytes")]
    pub signature: String,
}

/// Hex text in human-readable formats (JSON), a byte string in binary ones (CBOR).
mod hex_or_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hex_text: &str, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.serialize_str(hex_text);
        }
        s.serialize_bytes(&hex::decode(hex_text).map_err(serde::ser::Error::custom)?)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        if d.is_human_readable() {
            return String::deserialize(d);
        }
        Ok(hex::encode(serde_bytes::ByteBuf::deserialize(d)?))
    }
}

/// A list of 32-byte hashes: hex strings in JSON, one concatenated byte string in CBOR.
mod hashes_or_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hashes: &[String], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.collect_seq(hashes);
        }
        let mut bytes = Vec::with_capacity(hashes.len() * 32);
        for h in hashes {
            bytes.extend(hex::decode(h).map_err(serde::ser::Error::custom)?);
        }
        s.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        if d.is_human_readable() {
            return Vec::<String>::deserialize(d);
        }
        let bytes = serde_bytes::ByteBuf::deserialize(d)?;
        if bytes.len() % 32 != 0 {
            return Err(serde::de::Error::custom("a proof is a whole number of 32-byte hashes"));
        }
        Ok(bytes.chunks(32).map(hex::encode).collect())
    }
}

/// Decodes 64 hex digits.
pub fn hash_from_hex(hex_text: &str) -> Option<Hash> {
    let bytes = hex::decode(hex_text).ok()?;
    bytes.try_into().ok()
}

impl SignedTreeHead {
    /// `context | size (8, big-endian) | timestamp_ms (8, big-endian) | root (32)`.
    pub fn signed_bytes(size: u64, root: &Hash, timestamp_ms: i64) -> Vec<u8> {
        let mut out = STH_CONTEXT.to_vec();
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(&timestamp_ms.to_be_bytes());
        out.extend_from_slice(root);
        out
    }

    /// Signs a tree head.
    pub fn sign(size: u64, root: &Hash, timestamp_ms: i64, key: &Ed25519KeyPair) -> SignedTreeHead {
        let signature = key.sign(&Self::signed_bytes(size, root, timestamp_ms));
        SignedTreeHead { size, root: hex::encode(root), timestamp_ms, signature: hex::encode(signature.as_ref()) }
    }

    pub fn root_hash(&self) -> Result<Hash, TrailError> {
        hash_from_hex(&self.root).ok_or_else(|| TrailError::BadTreeHead("root is not 64 hex digits".into()))
    }

    /// Checks the signature with the log's public key; returns the root.
    pub fn verify(&self, public_key: &[u8]) -> Result<Hash, TrailError> {
        let root = self.root_hash()?;
        let signature =
            hex::decode(&self.signature).map_err(|_| TrailError::BadTreeHead("signature is not hex".into()))?;
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(&Self::signed_bytes(self.size, &root, self.timestamp_ms), &signature)
            .map_err(|_| TrailError::BadSignature)?;
        Ok(root)
    }
}

/// One delivered entry of a receipt: the leaf as logged, where, and the path to the tree head's root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptEntry {
    pub index: u64,
    /// The leaf's encoding ([`Leaf::encode`]), hex (bytes in CBOR).
    #[serde(with = "hex_or_bytes")]
    pub leaf: String,
    /// The inclusion proof, hex hashes from the leaf up (one byte string in CBOR).
    #[serde(with = "hashes_or_bytes")]
    pub proof: Vec<String>,
}

/// What the server hands a terminal for the changes it accepted in one sync request (SYNC-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The log's Ed25519 public key, hex (bytes in CBOR): a terminal trusts the first one it sees
    /// (docs/trail.md).
    #[serde(with = "hex_or_bytes")]
    pub log_key: String,
    pub sth: SignedTreeHead,
    pub entries: Vec<ReceiptEntry>,
}

/// Parses hex hashes.
pub fn hashes_from_hex(hashes: &[String]) -> Option<Vec<Hash>> {
    hashes.iter().map(|h| hash_from_hex(h)).collect()
}

impl Receipt {
    /// Verifies the tree head's signature with `trusted_key` and every entry's inclusion proof; returns the
    /// leaves it proves.
    pub fn verify(&self, trusted_key: &[u8]) -> Result<Vec<(u64, Leaf)>, TrailError> {
        if hex::decode(&self.log_key).ok().as_deref() != Some(trusted_key) {
            return Err(TrailError::UnknownKey);
        }
        let root = self.sth.verify(trusted_key)?;
        self.entries
            .iter()
            .map(|e| {
                let bytes = hex::decode(&e.leaf).map_err(|_| TrailError::BadLeaf("leaf is not hex".into()))?;
                let leaf = Leaf::decode(&bytes)?;
                let proof = hashes_from_hex(&e.proof)
                    .ok_or_else(|| TrailError::BadLeaf("a proof hash is not 64 hex digits".into()))?;
                verify_inclusion(&leaf_hash(&bytes), e.index, self.sth.size, &proof, &root)
                    .map_err(|source| TrailError::Proof { index: e.index, source })?;
                Ok((e.index, leaf))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::KeyPair;

    fn key() -> Ed25519KeyPair {
        Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap().as_ref()).unwrap()
    }

    #[test]
    fn leaves_round_trip_and_bad_bytes_are_refused() {
        let leaf = Leaf {
            kind: LeafKind::Change,
            document: "7d0c3f52-0b5e-4a43-9b43-2a4f1a6f8c11".into(),
            hash: [7; 32],
            time_ms: 1_795_000_000_123,
        };
        let bytes = leaf.encode();
        assert_eq!(bytes.len(), 79);
        assert_eq!(Leaf::decode(&bytes).unwrap(), leaf);
        assert!(Leaf::decode(&bytes[..78]).is_err());
        let mut other = bytes.clone();
        other[0] = 2;
        assert!(Leaf::decode(&other).is_err());
        let evidence = Leaf { kind: LeafKind::Evidence, document: String::new(), hash: [1; 32], time_ms: 0 };
        assert_eq!(Leaf::decode(&evidence.encode()).unwrap(), evidence);
    }

    #[test]
    fn sync_5_a_receipt_verifies_and_any_change_to_it_is_caught() {
        let k = key();
        let public = k.public_key().as_ref().to_vec();
        let leaves: Vec<Vec<u8>> = (0u8..5)
            .map(|i| Leaf { kind: LeafKind::Change, document: "d".into(), hash: [i; 32], time_ms: i as i64 }.encode())
            .collect();
        let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
        let mut src: &[Hash] = &hashes;
        let root = merkle::root_at(&mut src, 5).unwrap();
        let sth = SignedTreeHead::sign(5, &root, 42, &k);
        let entries = [1u64, 4]
            .iter()
            .map(|&i| ReceiptEntry {
                index: i,
                leaf: hex::encode(&leaves[i as usize]),
                proof: merkle::inclusion_proof(&mut src, i, 5).unwrap().iter().map(hex::encode).collect(),
            })
            .collect();
        let receipt = Receipt { log_key: hex::encode(&public), sth, entries };
        let cbor = crate::protocol::encode(&receipt);
        let back: Receipt = ciborium::from_reader(cbor.as_slice()).unwrap();
        assert_eq!(back, receipt, "CBOR carries hashes as bytes and reads them back as hex");
        let value: ciborium::Value = ciborium::from_reader(cbor.as_slice()).unwrap();
        assert_eq!(value.deserialized::<Receipt>().unwrap(), receipt);
        let proved = receipt.verify(&public).unwrap();
        assert_eq!(proved.iter().map(|(i, l)| (*i, l.hash[0])).collect::<Vec<_>>(), [(1, 1), (4, 4)]);

        let stranger = key();
        assert_eq!(receipt.verify(stranger.public_key().as_ref()), Err(TrailError::UnknownKey));
        let mut later = receipt.clone();
        later.sth.timestamp_ms += 1;
        assert_eq!(later.verify(&public), Err(TrailError::BadSignature));
        let mut moved = receipt.clone();
        moved.entries[0].index = 2;
        assert_eq!(moved.verify(&public).unwrap_err().code(), "bad_inclusion_proof");
        let mut swapped = receipt.clone();
        swapped.entries[0].leaf = hex::encode(&leaves[2]);
        assert_eq!(swapped.verify(&public).unwrap_err().code(), "bad_inclusion_proof");
    }
}
