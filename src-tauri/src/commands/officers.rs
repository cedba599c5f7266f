//! Officers: who is enrolled, PIN unlock and sign-out, presenting a certificate (亮证), verifying another's QR.

use fieldtrail_terminal::Terminal;
use tauri::State;

use crate::AppError;
use crate::Settings;
use crate::state::Unlocked;
use crate::views::{CertificateCard, Officer, PresentationView, VerificationView};

/// The officers enrolled on this tablet, with whether each is unlocked now.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub fn list_officers(terminal: State<'_, Terminal>, unlocked: State<'_, Unlocked>) -> Result<Vec<Officer>, AppError> {
    let numbers = unlocked.numbers();
    Ok(terminal.officers()?.into_iter().map(|o| Officer::new(o, &numbers)).collect())
}

/// Unlocks officer `number` with their PIN; the key stays in this process until [`sign_out_officer`].
#[tauri::command]
#[tracing::instrument(skip(terminal, unlocked, pin), err)]
pub fn unlock_officer(
    terminal: State<'_, Terminal>,
    unlocked: State<'_, Unlocked>,
    number: String,
    pin: String,
) -> Result<CertificateCard, AppError> {
    let officer = unlocked.insert(terminal.unlock(&number, &pin)?);
    Ok(officer.certificate().body().into())
}

/// Signs officer `number` out: their key is forgotten. True if they were unlocked.
#[tauri::command]
#[tracing::instrument(skip(unlocked))]
pub fn sign_out_officer(unlocked: State<'_, Unlocked>, number: String) -> bool {
    unlocked.remove(&number)
}

/// Officer `number` presents their certificate for inspection `inspection_id`; returns the QR to show.
#[tauri::command]
#[tracing::instrument(skip(terminal, unlocked), err)]
pub fn present_certificate(
    terminal: State<'_, Terminal>,
    unlocked: State<'_, Unlocked>,
    settings: State<'_, Settings>,
    inspection_id: String,
    number: String,
) -> Result<PresentationView, AppError> {
    let presentation = terminal.present(&inspection_id, &*unlocked.get(&number)?)?;
    PresentationView::new(&presentation, &settings.verify_url, terminal.officer_photo(presentation.certificate()))
}

/// Verifies a certificate or presentation QR text offline; `inspection_id` also checks a presentation's case.
#[tauri::command]
#[tracing::instrument(skip(terminal, text), err)]
pub fn verify_qr(
    terminal: State<'_, Terminal>,
    text: String,
    inspection_id: Option<String>,
) -> Result<VerificationView, AppError> {
    Ok(terminal.verify_qr(&text, inspection_id.as_deref())?.into())
}
