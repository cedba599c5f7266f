//! What the identity side of the server stores: the authority's public half, certificates and their status
//! history, revocation lists, and registered devices with their replay counters.

use crate::ApiError;
use serde::Serialize;

/// How far behind the newest counter a device's request may be and still be accepted (once): requests sent
/// in parallel may arrive out of order.
pub const NONCE_WINDOW: u64 = 1024;

/// A registered terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceRecord {
    pub id: String,
    #[serde(with = "hex_bytes")]
    pub public_key: Vec<u8>,
    pub agency: String,
    pub status: String,
    pub registered_by: String,
    pub registered_at: String,
    pub retired_at: Option<String>,
}

/// A certificate as the registry lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateRecord {
    pub number: String,
    pub name: String,
    pub agency: String,
    pub kind: String,
    pub valid_from: i64,
    pub valid_to: i64,
    pub status: String,
    pub status_since: i64,
}

/// One change of a certificate's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateEvent {
    pub number: String,
    pub event: String,
    pub actor: String,
    pub reason: String,
    pub at: String,
}

/// The identity part of a store transaction.
pub trait IdentityTx {
    fn authority(&mut self) -> Result<Option<(String, Vec<u8>)>, ApiError>;
    fn set_authority(&mut self, name: &str, public_key: &[u8]) -> Result<(), ApiError>;

    fn insert_certificate(&mut self, record: &CertificateRecord, bytes: &[u8], actor: &str) -> Result<(), ApiError>;
    fn certificate(&mut self, number: &str) -> Result<Option<CertificateRecord>, ApiError>;
    /// Keeps the photo thumbnail a version 2 certificate signs by hash.
    fn set_certificate_photo(&mut self, number: &str, jpeg: &[u8]) -> Result<(), ApiError>;
    fn certificate_photo(&mut self, number: &str) -> Result<Option<Vec<u8>>, ApiError>;
    /// Sets a certificate's status and records the event.
    fn set_certificate_status(
        &mut self,
        number: &str,
        status: &str,
        since: i64,
        event: &str,
        actor: &str,
        reason: &str,
    ) -> Result<(), ApiError>;
    fn certificates(&mut self) -> Result<Vec<CertificateRecord>, ApiError>;
    fn certificate_events(&mut self, number: &str) -> Result<Vec<CertificateEvent>, ApiError>;

    fn store_revocation_list(&mut self, version: u64, issued_at: i64, bytes: &[u8]) -> Result<(), ApiError>;
    /// The newest list: (version, bytes).
    fn latest_revocation_list(&mut self) -> Result<Option<(u64, Vec<u8>)>, ApiError>;

    fn register_device(&mut self, id: &str, public_key: &[u8], agency: &str, actor: &str) -> Result<(), ApiError>;
    fn retire_device(&mut self, id: &str) -> Result<bool, ApiError>;
    fn device(&mut self, id: &str) -> Result<Option<DeviceRecord>, ApiError>;
    fn devices(&mut self) -> Result<Vec<DeviceRecord>, ApiError>;
    /// Records a request counter; `false` if it was seen before or is too far behind the newest.
    fn accept_nonce(&mut self, device: &str, nonce: u64) -> Result<bool, ApiError>;
    /// Whether a request counter would be accepted, without recording it.
    fn counter_fresh(&mut self, device: &str, nonce: u64) -> Result<bool, ApiError>;
    /// The highest request counter accepted from a device (0: none yet).
    fn newest_counter(&mut self, device: &str) -> Result<u64, ApiError>;
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }
}
