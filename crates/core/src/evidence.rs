//! Evidence entries (REC-2): what an inspection document records about a photo, audio or video file.
//!
//! The bytes never enter the document; the entry holds their SHA-256, size, media type and capture metadata,
//! and a signature over the fields that bind the file to who, when, where and which device (the ProofMode /
//! C2PA idea). [`Evidence::signing_payload`] is the one canonical encoding that is signed and verified, so the
//! terminal, the server and an auditor all check the same bytes.

use crate::{Error, Position};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of evidence a file is, decided from its sniffed media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum MediaKind {
    #[serde(rename = "photo")]
    Photo,
    #[serde(rename = "audio")]
    Audio,
    #[serde(rename = "video")]
    Video,
}

impl MediaKind {
    /// The value's name in documents, APIs and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }
}

impl std::str::FromStr for MediaKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "photo" => Ok(MediaKind::Photo),
            "audio" => Ok(MediaKind::Audio),
            "video" => Ok(MediaKind::Video),
            other => {
                Err(Error::Invalid(format!("'{other}' is not a valid media kind; expected photo, audio or video")))
            }
        }
    }
}

impl std::fmt::Display for MediaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One evidence item of an inspection. Identified within the inspection by its SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Evidence {
    /// SHA-256 of the bytes, 64 lowercase hex digits.
    pub sha256: String,
    #[ts(type = "number")]
    pub size: u64,
    /// Sniffed from the bytes, never taken from the file name.
    pub media_type: String,
    pub kind: MediaKind,
    /// The device clock at intake, RFC 3339 UTC with milliseconds. Recorded as claimed: device clocks lie.
    pub captured_at: String,
    pub device_id: String,
    /// Certificate number of the officer who captured it, once officer certificates exist.
    pub officer: Option<String>,
    /// The name the file had when imported, for the officer's eyes only.
    pub original_name: String,
    /// For photos, EXIF DateTimeOriginal as written by the camera (local time, no zone).
    pub exif_time: Option<String>,
    /// Where: the device's position at capture if the app gave one, else the photo's EXIF GPS.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The device's position at capture, or why there is none (REC-1, REC-2). `None` only in evidence taken
    /// before positions were recorded; its signature then keeps the layout it was made with.
    #[serde(default)]
    pub position: Option<Position>,
    /// EXIF orientation (1–8) of photos.
    pub orientation: Option<u16>,
    /// Duration of audio and video when the container states it.
    #[ts(type = "number | null")]
    pub duration_ms: Option<u64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Ed25519 public key of the device (hex) that signed [`Evidence::signing_payload`].
    pub device_public_key: String,
    /// Ed25519 signature (hex) by the device key over [`Evidence::signing_payload`].
    pub device_signature: String,
    /// Ed25519 signature (hex) by the officer's certified key over the same payload. Empty until officer
    /// certificates land (CERT-1); the device signature stands in meanwhile.
    pub officer_signature: Option<String>,
}

/// Domain tag of the signed payload; a new layout gets a new tag so old signatures keep their meaning.
const PAYLOAD_TAG: &[u8] = b"fieldtrail-evidence/1";
/// Layout 2 appends the capture's [`Position`] (fix or reason for none) to layout 1.
const PAYLOAD_TAG_POSITION: &[u8] = b"fieldtrail-evidence/2";

impl Evidence {
    /// The canonical bytes that the device (and later the officer) signs: hash, size, media type, capture time,
    /// GPS, device, officer and the capture's position, each length-prefixed so no two field lists encode alike.
    /// Evidence from before positions keeps layout 1, so its signatures still verify.
    pub fn signing_payload(&self) -> Vec<u8> {
        fn field(out: &mut Vec<u8>, bytes: &[u8]) {
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        fn coord(v: Option<f64>) -> Vec<u8> {
            v.map(|v| v.to_bits().to_be_bytes().to_vec()).unwrap_or_default()
        }
        let mut out = Vec::with_capacity(256);
        field(&mut out, if self.position.is_some() { PAYLOAD_TAG_POSITION } else { PAYLOAD_TAG });
        field(&mut out, self.sha256.as_bytes());
        field(&mut out, &self.size.to_be_bytes());
        field(&mut out, self.media_type.as_bytes());
        field(&mut out, self.kind.as_str().as_bytes());
        field(&mut out, self.captured_at.as_bytes());
        field(&mut out, &coord(self.latitude));
        field(&mut out, &coord(self.longitude));
        field(&mut out, self.device_id.as_bytes());
        field(&mut out, self.officer.as_deref().unwrap_or_default().as_bytes());
        if let Some(position) = &self.position {
            field(&mut out, &position.signing_bytes());
        }
        out
    }

    /// Checks the device's signature, and the officer's when the officer's certified key (the certificate's
    /// `holder_key`) is given: who, when, where and which device, bound to the file's hash (REC-2).
    pub fn verify_signatures(&self, officer_key: Option<&[u8]>) -> Result<(), Error> {
        let payload = self.signing_payload();
        let check = |key: &[u8], sig_hex: &str| {
            let sig = hex::decode(sig_hex).map_err(|_| Error::Invalid("a signature is not hex".into()))?;
            ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, key)
                .verify(&payload, &sig)
                .map_err(|_| Error::Invalid(format!("a signature over evidence {} does not verify", self.sha256)))
        };
        let device_key =
            hex::decode(&self.device_public_key).map_err(|_| Error::Invalid("the device key is not hex".into()))?;
        check(&device_key, &self.device_signature)?;
        match (officer_key, &self.officer_signature) {
            (Some(key), Some(sig)) => check(key, sig),
            (Some(_), None) => Err(Error::Invalid(format!("evidence {} is not signed by its officer", self.sha256))),
            (None, _) => Ok(()),
        }
    }

    /// Checks what the document can check without keys: a well-formed hash and the basic fields.
    pub fn validate(&self) -> Result<(), Error> {
        if !is_sha256_hex(&self.sha256) {
            return Err(Error::Invalid(format!("'{}' is not a SHA-256 in lowercase hex", self.sha256)));
        }
        if self.size == 0 {
            return Err(Error::Invalid("an evidence file cannot be empty".into()));
        }
        if self.media_type.trim().is_empty() || self.device_id.trim().is_empty() {
            return Err(Error::Invalid("evidence needs a media type and a device".into()));
        }
        for (value, name) in [(self.latitude, "latitude"), (self.longitude, "longitude")] {
            if value.is_some_and(|v| !v.is_finite()) {
                return Err(Error::Invalid(format!("{name} must be a finite number")));
            }
        }
        if let Some(position) = &self.position {
            position.validate()?;
        }
        if self.device_signature.is_empty() {
            return Err(Error::Invalid("evidence must be signed by the device".into()));
        }
        Ok(())
    }
}

/// Whether `s` is a SHA-256 digest written as 64 lowercase hex digits (the form used in paths and documents).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What re-hashing a store of evidence files found: the terminal's and the server's `verify` both report it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct VerifyReport {
    /// Files checked.
    pub checked: u32,
    /// Files whose bytes are gone.
    pub missing: Vec<String>,
    /// Files whose bytes no longer hash to their name.
    pub changed: Vec<String>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty()
    }

    /// One line per bad file, then the count, as the `verify` commands print it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for sha in &self.missing {
            out.push_str(&format!("missing  {sha}\n"));
        }
        for sha in &self.changed {
            out.push_str(&format!("changed  {sha}\n"));
        }
        out.push_str(&format!(
            "{} evidence file(s) checked: {} missing, {} changed\n",
            self.checked,
            self.missing.len(),
            self.changed.len()
        ));
        out
    }
}

/// The content address of some bytes: SHA-256 in lowercase hex, and the length, read in 1 MiB pieces so any
/// size hashes in flat memory. The terminal names evidence files by it and the server checks uploads against it.
pub fn sha256_of(mut reader: impl std::io::Read) -> std::io::Result<(String, u64)> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 1024 * 1024];
    let mut size = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(ctx.finish().as_ref()), size))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Evidence {
        Evidence {
            sha256: "ab".repeat(32),
            size: 10,
            media_type: "image/jpeg".into(),
            kind: MediaKind::Photo,
            captured_at: "2026-11-21T10:00:00.000Z".into(),
            device_id: "dev".into(),
            officer: None,
            original_name: "a.jpg".into(),
            exif_time: None,
            latitude: Some(40.0),
            longitude: Some(107.0),
            position: None,
            orientation: None,
            duration_ms: None,
            width: None,
            height: None,
            device_public_key: String::new(),
            device_signature: "00".into(),
            officer_signature: None,
        }
    }

    /// REC-2: the signed payload changes with every bound field (hash, time, place, device).
    #[test]
    fn rec2_payload_binds_hash_time_place_device() {
        let base = sample().signing_payload();
        let mut e = sample();
        e.sha256 = "cd".repeat(32);
        assert_ne!(e.signing_payload(), base);
        let mut e = sample();
        e.captured_at = "2026-11-21T10:00:00.001Z".into();
        assert_ne!(e.signing_payload(), base);
        let mut e = sample();
        e.latitude = None;
        assert_ne!(e.signing_payload(), base);
        let mut e = sample();
        e.device_id = "other".into();
        assert_ne!(e.signing_payload(), base);
        // Fields outside the signature (the display name) do not change it.
        let mut e = sample();
        e.original_name = "b.jpg".into();
        assert_eq!(e.signing_payload(), base);
    }

    fn signed(mut e: Evidence) -> Evidence {
        let key = ring::signature::Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).unwrap();
        use ring::signature::KeyPair;
        e.device_public_key = hex::encode(key.public_key().as_ref());
        e.device_signature = hex::encode(key.sign(&e.signing_payload()).as_ref());
        e
    }

    fn fix() -> crate::Position {
        let at = chrono::DateTime::from_timestamp_millis(1_795_000_000_000).unwrap();
        crate::Position::Fix(crate::Fix::new(40.7574, 107.394, 12.0, at, crate::PositionSource::Device).unwrap())
    }

    /// REC-1, REC-2: the device signature covers the capture's position; moving it, blurring its accuracy,
    /// changing its time or source, or claiming it was absent, all fail verification.
    #[test]
    fn rec2_signature_covers_the_position_and_tampering_fails() {
        let e = signed(Evidence { position: Some(fix()), ..sample() });
        e.verify_signatures(None).unwrap();
        let crate::Position::Fix(f) = fix() else { unreachable!() };
        let tampered = [
            crate::Fix { latitude: 40.7575, ..f.clone() },
            crate::Fix { longitude: 107.3941, ..f.clone() },
            crate::Fix { accuracy_m: 3.0, ..f.clone() },
            crate::Fix { at: "2026-11-18T08:00:00.000Z".into(), ..f.clone() },
            crate::Fix { source: crate::PositionSource::Entered, ..f.clone() },
        ];
        for t in tampered {
            let bad = Evidence { position: Some(crate::Position::Fix(t.clone())), ..e.clone() };
            assert!(bad.verify_signatures(None).is_err(), "tampered {t:?} still verifies");
        }
        for reason in crate::AbsenceReason::ALL {
            let bad = Evidence { position: Some(crate::Position::absent(*reason)), ..e.clone() };
            assert!(bad.verify_signatures(None).is_err(), "a fix rewritten as absent ({reason:?}) verifies");
        }
        let dropped = Evidence { position: None, ..e.clone() };
        assert!(dropped.verify_signatures(None).is_err(), "a removed position still verifies");

        // An absence is signed too: nobody can add a position afterwards.
        let absent =
            signed(Evidence { position: Some(crate::Position::absent(crate::AbsenceReason::NoFix)), ..sample() });
        absent.verify_signatures(None).unwrap();
        assert!(Evidence { position: Some(fix()), ..absent.clone() }.verify_signatures(None).is_err());
        let other =
            Evidence { position: Some(crate::Position::absent(crate::AbsenceReason::PermissionRefused)), ..absent };
        assert!(other.verify_signatures(None).is_err());
    }

    /// REC-2: evidence signed before positions existed (layout 1, no position) still verifies, and a position
    /// added to it later does not.
    #[test]
    fn rec2_evidence_from_before_positions_still_verifies() {
        let old = signed(sample());
        assert!(old.position.is_none());
        old.verify_signatures(None).unwrap();
        assert!(Evidence { position: Some(fix()), ..old.clone() }.verify_signatures(None).is_err());
        // Its stored JSON, without the key, still reads.
        let mut json = serde_json::to_value(&old).unwrap();
        json.as_object_mut().unwrap().remove("position");
        assert_eq!(serde_json::from_value::<Evidence>(json).unwrap(), old);
    }

    #[test]
    fn validate_refuses_an_impossible_position() {
        let crate::Position::Fix(f) = fix() else { unreachable!() };
        let e = Evidence { position: Some(crate::Position::Fix(crate::Fix { latitude: 95.0, ..f })), ..sample() };
        assert!(e.validate().is_err());
    }

    #[test]
    fn validate_refuses_bad_hash_and_empty_files() {
        let mut e = sample();
        e.sha256 = "AB".repeat(32);
        assert!(e.validate().is_err());
        let mut e = sample();
        e.size = 0;
        assert!(e.validate().is_err());
        assert!(sample().validate().is_ok());
    }

    fn new_doc(actor: u8) -> crate::InspectionDoc {
        let new = crate::NewInspection {
            agency: "agency".into(),
            kind: crate::Kind::Inspection,
            item_code: "SC-0101".into(),
            item_name: "item".into(),
            legal_basis: vec![],
            party: Default::default(),
            location: Default::default(),
            officers: vec![],
            started_at: chrono::DateTime::UNIX_EPOCH,
            position: crate::Position::default(),
            checklist: vec![],
        };
        crate::InspectionDoc::create("case-1", &new, automerge::ActorId::from([actor; 16].as_slice())).unwrap()
    }

    fn with_hash(hex_byte: &str) -> Evidence {
        Evidence { sha256: hex_byte.repeat(32), ..sample() }
    }

    /// REC-2: evidence entries round-trip through the document; the same hash twice is listed once; two
    /// devices adding evidence offline both keep theirs after a merge.
    #[test]
    fn rec2_evidence_in_the_document_merges() {
        use crate::Edit;
        let at = chrono::DateTime::UNIX_EPOCH;
        let mut a = new_doc(1);
        let mut full = with_hash("ab");
        full.orientation = Some(6);
        full.duration_ms = Some(1500);
        full.width = Some(640);
        full.height = Some(480);
        full.exif_time = Some("2026:11:20 09:30:15".into());
        full.officer = Some("15080001".into());
        a.apply(&Edit::AddEvidence(Box::new(full.clone())), at).unwrap();
        assert_eq!(a.evidence().unwrap(), vec![full.clone()]);
        assert_eq!(a.apply(&Edit::AddEvidence(Box::new(full.clone())), at).unwrap(), None, "same hash: no change");

        let mut b = crate::InspectionDoc::load(&a.save(), automerge::ActorId::from([2u8; 16].as_slice())).unwrap();
        a.apply(&Edit::AddEvidence(Box::new(with_hash("cd"))), at).unwrap();
        b.apply(&Edit::AddEvidence(Box::new(with_hash("ef"))), at).unwrap();
        let b_changes = b.automerge().save();
        a.automerge().load_incremental(&b_changes).unwrap();
        let mut hashes: Vec<String> = a.evidence().unwrap().into_iter().map(|e| e.sha256).collect();
        hashes.sort();
        assert_eq!(hashes, vec!["ab".repeat(32), "cd".repeat(32), "ef".repeat(32)]);

        let mut bad = with_hash("12");
        bad.size = 0;
        assert!(a.apply(&Edit::AddEvidence(Box::new(bad)), at).is_err());
        assert_eq!(a.evidence().unwrap().len(), 3, "a refused edit leaves nothing");
    }
}
