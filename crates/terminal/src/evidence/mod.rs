//! Evidence on the terminal (REC-2, SYNC-3): intake of photo, audio and video files into a content-addressed
//! store, signed metadata in the inspection document, thumbnails, the integrity check and resumable upload.
//!
//! Layout of the data directory: `blobs/ab/cd/<sha256>` (the files, never modified), `thumbs/<sha256>.jpg`,
//! `tmp/` (intake in progress; anything there after a crash is garbage). See docs/evidence.md.

pub mod incoming;
pub mod intake;
pub mod media;
pub mod upload;

use crate::device_key::{self, DeviceKey};
use crate::error::{Error, Result};
use crate::{Terminal, store};
use fieldtrail_core::{Edit, Evidence, MediaKind, Position};
use rusqlite::{OptionalExtension, params};
use std::io::Read;
use std::path::{Path, PathBuf};

pub use upload::{UploadOptions, UploadOutcome};

/// What the app or CLI knows about a capture beyond the bytes.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    /// The device's position when the photo or recording was taken, or why there is none (REC-1, REC-2);
    /// signed with the evidence. The default is absent, no source: what a caller without one can truthfully say.
    pub position: Position,
    /// The capturing officer's certificate number, recorded as claimed when no `signer` is given.
    pub officer: Option<String>,
    /// The capturing officer, unlocked: their certificate number is recorded and their certified key signs
    /// the evidence beside the device (REC-2).
    pub signer: Option<std::sync::Arc<crate::UnlockedOfficer>>,
    /// The file's name, shown to the officer; not trusted for anything.
    pub original_name: String,
}

pub use fieldtrail_core::evidence::VerifyReport;

/// Evidence services, in their own `impl` so the terminal's core stays small.
impl Terminal {
    /// Takes the file at `path` into inspection `inspection_id` (REC-2).
    pub fn add_evidence_file(&self, inspection_id: &str, path: &Path, capture: &Capture) -> Result<Evidence> {
        self.add_evidence_file_reporting(inspection_id, path, capture, |_, _| ())
    }

    /// Takes the file at `path` into inspection `inspection_id` (REC-2), telling `progress(bytes done, total)` how
    /// far the hashing and copying has gone, so that the app can show it for a large video.
    pub fn add_evidence_file_reporting(
        &self,
        inspection_id: &str,
        path: &Path,
        capture: &Capture,
        progress: impl FnMut(u64, u64),
    ) -> Result<Evidence> {
        let io = |source| Error::EvidenceIo { path: path.display().to_string(), source };
        let file = std::fs::File::open(path).map_err(io)?;
        let total = file.metadata().map_err(io)?.len();
        let mut capture = capture.clone();
        if capture.original_name.is_empty() {
            capture.original_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        }
        self.add_evidence(inspection_id, incoming::Reporting::new(file, total, progress), &capture)
    }

    /// Takes the bytes of `reader` into inspection `inspection_id`: streamed once into the store, probed,
    /// thumbnailed if a photo, signed by the device and recorded in the document and the database.
    pub fn add_evidence(&self, inspection_id: &str, reader: impl Read, capture: &Capture) -> Result<Evidence> {
        // Fail before copying a gigabyte if the inspection does not exist.
        self.with_conn(|c| {
            let n: i64 = c.query_row("SELECT count(*) FROM documents WHERE id = ?1", [inspection_id], |r| r.get(0))?;
            if n == 0 { Err(Error::NotFound(inspection_id.to_owned())) } else { Ok(()) }
        })?;
        let captured_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let staged = intake::stage(self.data_dir(), reader)?;
        // Decoders and parsers of untrusted files: a panic in one is a refused file, never a dead app.
        let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if staged.size == 0 {
                return Err(Error::EvidenceEmpty);
            }
            let (media_type, kind) = media::sniff(&staged.head)?;
            let probe = media::probe(&staged.temp, &media_type, kind)?;
            let thumbnail = if kind == MediaKind::Photo && media::decodable(&media_type) {
                if media_type == "image/jpeg" {
                    media::check_jpeg_complete(&staged.temp)?;
                }
                let rel = format!("thumbs/{}.jpg", staged.sha256);
                media::thumbnail(&staged.temp, &self.data_dir().join(&rel))?;
                Some(rel)
            } else {
                None
            };
            Ok((media_type, kind, probe, thumbnail))
        }))
        .unwrap_or_else(|_| Err(Error::ImageRefused("the file made its decoder fail".into())));
        let (media_type, kind, probe, thumbnail) = match checked {
            Ok(v) => v,
            Err(e) => {
                intake::discard(&staged);
                return Err(e);
            }
        };
        intake::commit(self.data_dir(), &staged)?;

        let key = self.with_conn(DeviceKey::load_or_create)?;
        let mut evidence = Evidence {
            sha256: staged.sha256.clone(),
            size: staged.size,
            media_type: media_type.clone(),
            kind,
            captured_at,
            device_id: self.device_id().to_owned(),
            officer: capture.signer.as_ref().map(|o| o.certificate().body().number.clone()).or(capture.officer.clone()),
            original_name: capture.original_name.clone(),
            exif_time: probe.exif_time,
            // The device's fix when there is one, else what the photo's own EXIF GPS says.
            latitude: capture.position.fix().map(|f| f.latitude).or(probe.latitude),
            longitude: capture.position.fix().map(|f| f.longitude).or(probe.longitude),
            position: Some(capture.position.clone()),
            orientation: probe.orientation,
            duration_ms: probe.duration_ms,
            width: probe.width,
            height: probe.height,
            device_public_key: key.public_key_hex(),
            device_signature: String::new(),
            officer_signature: None,
        };
        evidence.device_signature = key.sign_hex(&evidence.signing_payload());
        evidence.officer_signature = capture.signer.as_ref().map(|o| hex::encode(o.sign(&evidence.signing_payload())));
        let metadata = serde_json::to_string(&evidence).map_err(|e| Error::Invalid(format!("evidence: {e}")))?;
        self.write(|c| {
            c.execute(
                "INSERT OR IGNORE INTO evidence_files (sha256, size, media_type, kind, thumbnail, stored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![evidence.sha256, evidence.size as i64, media_type, kind.as_str(), thumbnail, store::now()],
            )?;
            let known: Option<String> = c
                .query_row(
                    "SELECT metadata FROM evidence WHERE inspection_id = ?1 AND sha256 = ?2",
                    params![inspection_id, evidence.sha256],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(known) = known {
                // The same file twice in one inspection is one evidence item: return the first record.
                evidence = serde_json::from_str(&known).map_err(|e| Error::Invalid(format!("stored evidence: {e}")))?;
                return Ok(());
            }
            c.execute(
                "INSERT INTO evidence (inspection_id, sha256, metadata, added_at) VALUES (?1, ?2, ?3, ?4)",
                params![inspection_id, evidence.sha256, metadata, store::now()],
            )?;
            let mut doc =
                store::load(c, inspection_id, &self.actor)?.ok_or_else(|| Error::NotFound(inspection_id.to_owned()))?;
            let before = doc.heads();
            doc.apply(&Edit::AddEvidence(Box::new(evidence.clone())), chrono::Utc::now())?;
            store::update(c, inspection_id, &mut doc, &before)
        })?;
        Ok(evidence)
    }

    /// The evidence items of an inspection, as its document lists them (including those other devices added).
    pub fn list_evidence(&self, inspection_id: &str) -> Result<Vec<Evidence>> {
        Ok(self.document(inspection_id)?.evidence()?)
    }

    /// Where the bytes with this hash live, if this terminal holds them.
    pub fn evidence_path(&self, sha256: &str) -> Result<PathBuf> {
        if !fieldtrail_core::evidence::is_sha256_hex(sha256) {
            return Err(Error::Invalid(format!("'{sha256}' is not a SHA-256")));
        }
        let path = intake::blob_path(self.data_dir(), sha256);
        if path.exists() { Ok(path) } else { Err(Error::EvidenceNotFound(sha256.to_owned())) }
    }

    /// The thumbnail of a photo, if one was made.
    pub fn evidence_thumbnail(&self, sha256: &str) -> Result<Option<PathBuf>> {
        let rel: Option<Option<String>> = self.with_conn(|c| {
            Ok(c.query_row("SELECT thumbnail FROM evidence_files WHERE sha256 = ?1", [sha256], |r| r.get(0))
                .optional()?)
        })?;
        match rel {
            None => Err(Error::EvidenceNotFound(sha256.to_owned())),
            Some(rel) => Ok(rel.map(|r| self.data_dir().join(r))),
        }
    }

    /// Whether an evidence entry's device signature holds over its hash, time, place, position and device.
    pub fn verify_evidence_signature(evidence: &Evidence) -> bool {
        device_key::verify_hex(&evidence.device_public_key, &evidence.signing_payload(), &evidence.device_signature)
    }

    /// Re-hashes every evidence file this terminal holds and lists those missing or changed since intake.
    pub fn verify_evidence(&self) -> Result<VerifyReport> {
        let files: Vec<(String, i64)> = self.with_conn(|c| {
            let mut stmt = c.prepare("SELECT sha256, size FROM evidence_files ORDER BY sha256")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<std::result::Result<_, _>>()?)
        })?;
        let mut report = VerifyReport::default();
        for (sha256, size) in files {
            report.checked += 1;
            let path = intake::blob_path(self.data_dir(), &sha256);
            match intake::hash_file(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => report.missing.push(sha256),
                Err(source) => return Err(Error::EvidenceIo { path: path.display().to_string(), source }),
                Ok((actual, actual_size)) if actual != sha256 || actual_size != size as u64 => {
                    report.changed.push(sha256)
                }
                Ok(_) => {}
            }
        }
        Ok(report)
    }

    /// Hashes of the evidence files not yet confirmed stored by `server`.
    pub fn evidence_to_upload(&self, server: &str) -> Result<Vec<String>> {
        let server = server.trim_end_matches('/');
        self.with_conn(|c| {
            let mut stmt = c.prepare(
                "SELECT f.sha256 FROM evidence_files f
                 WHERE NOT EXISTS (SELECT 1 FROM evidence_uploads u WHERE u.sha256 = f.sha256 AND u.server = ?1
                                   AND u.status = 'done')
                 ORDER BY f.stored_at, f.sha256",
            )?;
            let rows = stmt.query_map([server], |r| r.get(0))?;
            Ok(rows.collect::<std::result::Result<_, _>>()?)
        })
    }

    /// Uploads one evidence file to `server`, resuming where any earlier attempt stopped (SYNC-3).
    /// `progress` is called with (bytes the server has, total) after every chunk.
    pub async fn upload_evidence(
        &self,
        server: &str,
        sha256: &str,
        options: &UploadOptions,
        progress: impl FnMut(u64, u64),
    ) -> Result<UploadOutcome> {
        upload::run(self, server, sha256, options, progress).await
    }
}
