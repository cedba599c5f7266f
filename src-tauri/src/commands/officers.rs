//! Officers: who is enrolled, PIN unlock and sign-out, presenting a certificate (亮证), verifying another's QR.

use tauri::{AppHandle, State};

use crate::AppError;
use crate::Settings;
use crate::blocking::blocking;
use crate::state::Unlocked;
use crate::views::{CertificateCard, Officer, PresentationView, VerificationView};

/// The officers enrolled on this tablet, with whether each is unlocked now.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn list_officers(app: AppHandle, unlocked: State<'_, Unlocked>) -> Result<Vec<Officer>, AppError> {
    let numbers = unlocked.numbers();
    blocking(app, move |terminal| Ok(terminal.officers()?.into_iter().map(|o| Officer::new(o, &numbers)).collect()))
        .await
}

/// Unlocks officer `number` with their PIN (Argon2: the slow part, on the blocking pool); the key stays in this
/// process until [`sign_out_officer`].
#[tauri::command]
#[tracing::instrument(skip(app, unlocked, pin), err)]
pub async fn unlock_officer(
    app: AppHandle,
    unlocked: State<'_, Unlocked>,
    number: String,
    pin: String,
) -> Result<CertificateCard, AppError> {
    let officer = unlocked.insert(blocking(app, move |terminal| Ok(terminal.unlock(&number, &pin)?)).await?);
    Ok(officer.certificate().body().into())
}

/// Signs officer `number` out: their key is forgotten. True if they were unlocked. Stays synchronous: it only
/// touches the in-memory map.
#[tauri::command]
#[tracing::instrument(skip(unlocked))]
pub fn sign_out_officer(unlocked: State<'_, Unlocked>, number: String) -> bool {
    unlocked.remove(&number)
}

/// Officer `number` presents their certificate for inspection `inspection_id`; returns the QR to show.
#[tauri::command]
#[tracing::instrument(skip(app, unlocked), err)]
pub async fn present_certificate(
    app: AppHandle,
    unlocked: State<'_, Unlocked>,
    settings: State<'_, Settings>,
    inspection_id: String,
    number: String,
) -> Result<PresentationView, AppError> {
    let (officer, verify_url) = (unlocked.get(&number)?, settings.verify_url.clone());
    blocking(app, move |terminal| {
        let presentation = terminal.present(&inspection_id, &officer)?;
        PresentationView::new(&presentation, &verify_url, terminal.officer_photo(presentation.certificate()))
    })
    .await
}

/// Verifies a certificate or presentation QR text offline; `inspection_id` also checks a presentation's case.
#[tauri::command]
#[tracing::instrument(skip(app, text), err)]
pub async fn verify_qr(
    app: AppHandle,
    text: String,
    inspection_id: Option<String>,
) -> Result<VerificationView, AppError> {
    blocking(app, move |terminal| Ok(terminal.verify_qr(&text, inspection_id.as_deref())?.into())).await
}
