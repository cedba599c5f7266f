//! The sync protocol's messages (version 1), shared by the terminal and the server; docs/protocol.md is
//! their specification. Bodies are CBOR (RFC 8949): automerge sync messages are binary, and CBOR carries them
//! without the third that base64 in JSON would add. Errors travel as JSON [`ErrorBody`].

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use ts_rs::TS;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// Media type of request and response bodies.
pub const CONTENT_TYPE: &str = "application/cbor";
/// The most documents one request may carry; a terminal with more sends them over several rounds.
pub const MAX_DOCS_PER_REQUEST: usize = 500;
/// How many changed documents the server offers in one response before it sets `more`.
pub const PULL_PAGE: usize = 500;
/// Bytes of a tree head's root a request names (`log_root`): enough that two different roots never pass for
/// one by accident, few enough to keep an idle request small.
pub const LOG_ROOT_PREFIX: usize = 8;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One automerge sync message for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocMessage {
    /// The inspection's id (a UUID).
    pub id: String,
    /// An automerge sync message (`automerge::sync::Message::encode`).
    pub msg: ByteBuf,
}

/// `POST /v1/sync` request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub v: u32,
    /// The terminal's device id; the server keeps one sync state per device and document.
    pub terminal: String,
    /// The server's change sequence number up to which this terminal has been offered every document.
    pub cursor: u64,
    pub docs: Vec<DocMessage>,
    /// The version of the revocation list the terminal holds (0: none); the server sends a newer one.
    #[serde(default)]
    pub revocation_version: u64,
    /// The size of the newest head of the server's log this terminal holds (0: none); the server answers with
    /// where its log stands and a consistency proof from it (SEC-6).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub log_size: u64,
    /// The first [`LOG_ROOT_PREFIX`] bytes of that head's root: when the log still has exactly that head, the
    /// server leaves `log` out of its response, so an idle sync stays small.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_root: Option<ByteBuf>,
    /// A head the server signed that its log no longer contains: the proof that it was restored from a
    /// backup, which the server records (SEC-6, docs/trail.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_head: Option<crate::trail::SignedTreeHead>,
}

/// `POST /v1/sync` response body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub v: u32,
    /// The cursor to send next time.
    pub cursor: u64,
    /// More changed documents wait beyond `cursor`: sync again at once.
    pub more: bool,
    /// A reply for every document of the request, and a message for documents changed since the cursor.
    pub docs: Vec<DocMessage>,
    /// The newest signed revocation list, when it is newer than the terminal's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocations: Option<ByteBuf>,
    /// The server's receipt for the changes it accepted in this request: its signed tree head and their
    /// inclusion proofs (SYNC-5, docs/trail.md). Absent when the request brought no new change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<crate::trail::Receipt>,
    /// Where the server's log stands: its newest signed head and the consistency proof from the request's
    /// `log_size`, so a terminal tells a server restored from a backup (SEC-6). Absent while the log is empty,
    /// and when the request's `log_size` and `log_root` name the newest head already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<crate::trail::restore::LogState>,
}

/// The body of every error response, and the shape of errors crossing into the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ErrorBody {
    /// Stable, machine-readable name of the error.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("body is not CBOR: {0}")]
    NotCbor(String),
    #[error("protocol version {found} is not supported; this build speaks version {supported}")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("body does not match protocol version {PROTOCOL_VERSION}: {0}")]
    Shape(String),
}

impl DecodeError {
    /// Stable name of the error, as sent in [`ErrorBody::code`].
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::NotCbor(_) | DecodeError::Shape(_) => "bad_body",
            DecodeError::UnsupportedVersion { .. } => "unsupported_version",
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    v: u32,
}

/// Encodes a message as CBOR.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing CBOR into a Vec has no I/O to fail, and our types always serialise.
    #[allow(clippy::expect_used)]
    ciborium::into_writer(value, &mut out).expect("CBOR encoding into memory cannot fail");
    out
}

/// Decodes a versioned message: the version is checked before the shape, so a newer peer gets told so
/// rather than a confusing shape error.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let value: ciborium::Value = ciborium::from_reader(bytes).map_err(|e| DecodeError::NotCbor(e.to_string()))?;
    let envelope: Envelope = value.deserialized().map_err(|e| DecodeError::Shape(e.to_string()))?;
    if envelope.v != PROTOCOL_VERSION {
        return Err(DecodeError::UnsupportedVersion { found: envelope.v, supported: PROTOCOL_VERSION });
    }
    value.deserialized().map_err(|e| DecodeError::Shape(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> SyncRequest {
        SyncRequest {
            v: PROTOCOL_VERSION,
            terminal: "t1".into(),
            cursor: 7,
            docs: vec![DocMessage { id: "d".into(), msg: ByteBuf::from(vec![0x42, 1, 2]) }],
            revocation_version: 0,
            log_size: 0,
            log_root: None,
            lost_head: None,
        }
    }

    #[test]
    fn round_trips() {
        assert_eq!(decode::<SyncRequest>(&encode(&request())).unwrap(), request());
    }

    /// SEC-6's fields are optional both ways: an older peer's messages read, and an idle request without a
    /// known log head carries none of them.
    #[test]
    fn sec_6_log_fields_are_optional() {
        let old_request = ciborium::Value::Map(vec![
            ("v".into(), 1.into()),
            ("terminal".into(), "t1".into()),
            ("cursor".into(), 7.into()),
            ("docs".into(), ciborium::Value::Array(vec![])),
        ]);
        let bytes = encode(&old_request);
        let read: SyncRequest = decode(&bytes).unwrap();
        assert_eq!((read.log_size, read.log_root, read.lost_head), (0, None, None));
        let mut idle = request();
        idle.docs.clear();
        let text = format!("{:?}", ciborium::from_reader::<ciborium::Value, _>(encode(&idle).as_slice()).unwrap());
        assert!(!text.contains("log_size") && !text.contains("lost_head"), "{text}");
        let reply =
            SyncResponse { v: 1, cursor: 1, more: false, docs: vec![], revocations: None, receipt: None, log: None };
        let read: SyncResponse = decode(&encode(&reply)).unwrap();
        assert_eq!(read, reply);
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        assert_eq!(decode::<SyncRequest>(b"{\"v\":1}").unwrap_err().code(), "bad_body");
        let mut newer = request();
        newer.v = 2;
        let err = decode::<SyncRequest>(&encode(&newer)).unwrap_err();
        assert_eq!(err, DecodeError::UnsupportedVersion { found: 2, supported: 1 });
        let reply =
            SyncResponse { v: 1, cursor: 1, more: false, docs: vec![], revocations: None, receipt: None, log: None };
        let err = decode::<SyncRequest>(&encode(&reply)).unwrap_err();
        assert!(matches!(&err, DecodeError::Shape(m) if m.contains("terminal")), "{err}");
        let bytes = encode(&request());
        assert!(decode::<SyncRequest>(&bytes[..bytes.len() - 3]).is_err());
    }
}
