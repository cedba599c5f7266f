//! What the commands return and take, shaped for the ui and exported to TypeScript (ts-rs). Conversions only:
//! every rule stays in the terminal and core crates.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use fieldtrail_core::identity::{CertificateBody, DeviceRegistration, Presentation, Verification};
use fieldtrail_core::{
    CheckResult, Edit, Evidence, Kind, LegalBasis, Location, NewInspection, OfficerRef, Party, Position, Status,
};
use fieldtrail_terminal::{OfficerSummary, UploadOutcome};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::AppError;

/// An enrolled officer on the selection screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Officer {
    pub certificate_number: String,
    pub name: String,
    pub agency: String,
    pub kind: String,
    /// Seconds since 1970.
    #[ts(type = "number")]
    pub valid_to: i64,
    pub failed_attempts: u32,
    /// Seconds since 1970; PIN entry is refused until then.
    #[ts(type = "number | null")]
    pub locked_until: Option<i64>,
    /// Whether the officer's PIN was entered in this session.
    pub unlocked: bool,
}

impl Officer {
    pub fn new(summary: OfficerSummary, unlocked: &[String]) -> Self {
        Self {
            unlocked: unlocked.contains(&summary.certificate_number),
            certificate_number: summary.certificate_number,
            name: summary.name,
            agency: summary.agency,
            kind: summary.kind,
            valid_to: summary.valid_to,
            failed_attempts: summary.failed_attempts,
            locked_until: summary.locked_until,
        }
    }
}

/// The certificate as the presentation screen and the verifier show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CertificateCard {
    pub number: String,
    pub name: String,
    pub agency: String,
    /// `officer`, `supervisor`, `invited_supervisor`.
    pub kind: String,
    pub categories: Vec<String>,
    pub regions: Vec<String>,
    /// Seconds since 1970.
    #[ts(type = "number")]
    pub valid_from: i64,
    #[ts(type = "number")]
    pub valid_to: i64,
    pub issuer: String,
    /// The holder's photo from the certificate, as a `data:` URL; `None` when the certificate has none.
    pub photo: Option<String>,
}

impl From<&CertificateBody> for CertificateCard {
    fn from(body: &CertificateBody) -> Self {
        Self {
            number: body.number.clone(),
            name: body.name.clone(),
            agency: body.agency.clone(),
            kind: body.kind.as_str().to_owned(),
            categories: body.categories.clone(),
            regions: body.regions.clone(),
            valid_from: body.valid_from,
            valid_to: body.valid_to,
            issuer: body.issuer.clone(),
            photo: (!body.photo.is_empty()).then(|| image_data_url(&body.photo)),
        }
    }
}

/// `bytes` of a JPEG or PNG as a `data:` URL.
pub fn image_data_url(bytes: &[u8]) -> String {
    let media_type = if bytes.starts_with(b"\x89PNG") { "image/png" } else { "image/jpeg" };
    format!("data:{media_type};base64,{}", STANDARD.encode(bytes))
}

/// A certificate presented for an inspection: what the full-screen presentation shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PresentationView {
    pub certificate: CertificateCard,
    pub inspection_id: String,
    /// RFC 3339.
    pub presented_at: String,
    /// The verify page's URL with the presentation in its fragment (CERT-3): what the QR code carries.
    pub qr: String,
    /// The QR code as an SVG document (black on white, with its quiet zone).
    pub qr_svg: String,
}

impl PresentationView {
    /// `photo` is the holder's thumbnail the terminal holds for the certificate: shown beside the QR, not in it.
    pub fn new(presentation: &Presentation, verify_url: &str, photo: Option<Vec<u8>>) -> Result<Self, AppError> {
        let qr = presentation.to_url(verify_url).map_err(|e| AppError::new("verify_url", e.to_string()))?;
        let mut certificate: CertificateCard = presentation.certificate().body().into();
        certificate.photo = photo.map(|p| image_data_url(&p));
        Ok(Self {
            certificate,
            inspection_id: presentation.inspection_id().to_owned(),
            presented_at: DateTime::from_timestamp(presentation.presented_at(), 0)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            qr_svg: qr_svg(&qr)?,
            qr,
        })
    }
}

/// `text` as a QR code in SVG, with error correction level M: a presentation URL stays at version 15 or below
/// (CERT-3, docs/identity.md), so modules stay large enough for a phone at arm's length.
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::new("qr_too_long", format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// This tablet as the administrator registers it: the text its registration QR carries, and the QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RegistrationView {
    pub device_id: String,
    /// The device's Ed25519 public key, hex.
    pub public_key: String,
    /// `FTR1:…`, the text the QR code carries.
    pub qr: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

impl RegistrationView {
    pub fn new(registration: &DeviceRegistration) -> Result<Self, AppError> {
        let qr = registration.to_qr_text();
        Ok(Self {
            device_id: registration.device_id.clone(),
            public_key: hex::encode(registration.public_key),
            qr_svg: qr_svg(&qr)?,
            qr,
        })
    }
}

/// The verdict on another officer's QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct VerificationView {
    /// `valid`, `expired`, `revoked`, `suspended`, `bad_signature`, `unknown_issuer`, `malformed`, `stale`, ….
    pub verdict: String,
    /// English detail, for the log.
    pub detail: String,
    pub certificate: Option<CertificateCard>,
    #[ts(type = "number | null")]
    pub revocation_version: Option<u64>,
    /// Age in seconds of the revocation list used.
    #[ts(type = "number | null")]
    pub revocation_age: Option<i64>,
    pub inspection_id: Option<String>,
    #[ts(type = "number | null")]
    pub presented_at: Option<i64>,
}

impl From<Verification> for VerificationView {
    fn from(v: Verification) -> Self {
        Self {
            verdict: v.verdict.as_str().to_owned(),
            detail: v.detail,
            certificate: v.certificate.as_ref().map(CertificateCard::from),
            revocation_version: v.revocation_version,
            revocation_age: v.revocation_age,
            inspection_id: v.inspection_id,
            presented_at: v.presented_at,
        }
    }
}

/// What the officer fills in to open an inspection.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct InspectionDraft {
    pub agency: String,
    pub kind: Kind,
    pub item_code: String,
    pub item_name: String,
    /// 执法类别 of the item, e.g. `食品安全`.
    pub category: String,
    /// Region code of the place, e.g. `150802`.
    pub region: String,
    pub legal_basis: Vec<LegalBasis>,
    pub party: Party,
    pub location: Location,
    pub officers: Vec<OfficerRef>,
    pub checklist: Vec<String>,
}

impl InspectionDraft {
    /// The inspection to create, started now at `position` (REC-1).
    pub fn new_inspection(&self, position: Position) -> NewInspection {
        NewInspection {
            agency: self.agency.clone(),
            kind: self.kind,
            item_code: self.item_code.clone(),
            item_name: self.item_name.clone(),
            legal_basis: self.legal_basis.clone(),
            party: self.party.clone(),
            location: self.location.clone(),
            officers: self.officers.clone(),
            started_at: Utc::now(),
            position,
            checklist: self.checklist.clone(),
        }
    }

    /// The edit that records the scope certificates are checked against.
    pub fn scope(&self) -> Edit {
        Edit::SetScope { category: self.category.clone(), region: self.region.clone() }
    }
}

/// One change the officer makes to an open inspection.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum InspectionEdit {
    Findings {
        text: String,
    },
    Result {
        text: String,
    },
    Status {
        status: Status,
    },
    ChecklistResult {
        item_id: String,
        result: CheckResult,
    },
    ChecklistNote {
        item_id: String,
        note: String,
    },
    /// Ends the inspection now.
    End,
}

impl From<InspectionEdit> for Edit {
    fn from(edit: InspectionEdit) -> Self {
        match edit {
            InspectionEdit::Findings { text } => Edit::SetFindings(text),
            InspectionEdit::Result { text } => Edit::SetResult(text),
            InspectionEdit::Status { status } => Edit::SetStatus(status),
            InspectionEdit::ChecklistResult { item_id, result } => Edit::SetChecklistResult { item_id, result },
            InspectionEdit::ChecklistNote { item_id, note } => Edit::SetChecklistNote { item_id, note },
            InspectionEdit::End => Edit::SetEndedAt(Utc::now()),
        }
    }
}

/// An evidence item with its thumbnail.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct EvidenceItem {
    pub evidence: Evidence,
    /// The photo's thumbnail as a `data:` URL (a JPEG of at most 320 px); `None` for audio, video and photos of
    /// other devices this terminal does not hold.
    pub thumbnail: Option<String>,
}

/// An evidence file waiting to go to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PendingUpload {
    pub sha256: String,
    #[ts(type = "number")]
    pub size: u64,
}

/// Progress of one upload, sent on the upload command's channel after every chunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct UploadProgress {
    pub sha256: String,
    /// Bytes the server holds.
    #[ts(type = "number")]
    pub sent: u64,
    #[ts(type = "number")]
    pub total: u64,
}

/// How far a file's intake (hashing and copying into the evidence store) has gone, sent on the command's channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct IntakeProgress {
    /// Bytes hashed and stored so far.
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

impl IntakeProgress {
    /// A progress callback for the terminal that sends each report on `channel`; a report the ui can no longer
    /// receive (the screen was left) is dropped, the intake goes on.
    pub fn to(channel: &tauri::ipc::Channel<IntakeProgress>) -> impl FnMut(u64, u64) + '_ {
        move |done, total| drop(channel.send(IntakeProgress { done, total }))
    }
}

/// What one upload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct UploadResult {
    pub sha256: String,
    /// The server already held these bytes; nothing was sent.
    pub already_on_server: bool,
    #[ts(type = "number")]
    pub bytes_sent: u64,
    /// Where the upload resumed an earlier, interrupted one (0: from the start).
    #[ts(type = "number")]
    pub resumed_from: u64,
    pub retries: u32,
}

impl UploadResult {
    pub fn new(sha256: &str, outcome: UploadOutcome) -> Self {
        let (already_on_server, bytes_sent, resumed_from, retries) = match outcome {
            UploadOutcome::AlreadyOnServer => (true, 0, 0, 0),
            UploadOutcome::Uploaded { bytes_sent, resumed_from, retries } => (false, bytes_sent, resumed_from, retries),
        };
        Self { sha256: sha256.to_owned(), already_on_server, bytes_sent, resumed_from, retries }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_arrive_tagged_by_type() -> Result<(), serde_json::Error> {
        let edit: InspectionEdit =
            serde_json::from_value(serde_json::json!({"type": "checklist_result", "item_id": "c1", "result": "fail"}))?;
        assert_eq!(Edit::from(edit), Edit::SetChecklistResult { item_id: "c1".into(), result: CheckResult::Fail });
        let edit: InspectionEdit =
            serde_json::from_value(serde_json::json!({"type": "status", "status": "completed"}))?;
        assert_eq!(Edit::from(edit), Edit::SetStatus(Status::Completed));
        Ok(())
    }

    #[test]
    fn a_qr_code_renders_as_svg() -> Result<(), AppError> {
        let svg = qr_svg("FTP1:HELLO")?;
        assert!(svg.contains("<svg"), "{svg}");
        Ok(())
    }

    #[test]
    fn photos_become_data_urls_of_their_type() {
        assert!(image_data_url(b"\x89PNG\r\n").starts_with("data:image/png;base64,"));
        assert!(image_data_url(b"\xff\xd8\xff").starts_with("data:image/jpeg;base64,"));
    }

    #[test]
    fn an_upload_outcome_flattens() {
        let r = UploadResult::new("ab", UploadOutcome::Uploaded { bytes_sent: 10, resumed_from: 4, retries: 1 });
        assert_eq!((r.already_on_server, r.bytes_sent, r.resumed_from, r.retries), (false, 10, 4, 1));
        assert!(UploadResult::new("ab", UploadOutcome::AlreadyOnServer).already_on_server);
    }
}
