//! The full-process record (REC-3 to REC-6): the party's signature or refusal, amendments after lock, recorded
//! interference, and the case's timeline. Thin: every rule stays in the terminal crate.

use fieldtrail_core::{Edit, TimelineEntry};
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, State};

use crate::AppError;
use crate::blocking::blocking;
use crate::position::{POSITION_TIMEOUT, PositionSource};
use crate::state::Unlocked;
use crate::views::InspectionEdit;

/// The party signed on the pad: the PNG arrives as the raw request body (no JSON, no base64); the headers
/// `inspection-id` and `officer` (the unlocked officer holding the tablet, who signs the evidence) say where it
/// goes; the tablet's position is signed with the image. Resolves to the SHA-256 of the signature image, kept as evidence.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn party_signed(
    request: Request<'_>,
    app: AppHandle,
    unlocked: State<'_, Unlocked>,
    source: State<'_, PositionSource>,
) -> Result<String, AppError> {
    let position = source.current(POSITION_TIMEOUT).await;
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(AppError::new("invalid_input", "party_signed takes the signature's PNG as the raw body"));
    };
    let officer = match header("officer") {
        "" => None,
        number => Some(unlocked.get(number)?),
    };
    let (id, png) = (header("inspection-id").to_owned(), bytes.clone());
    blocking(app, move |terminal| Ok(terminal.party_signed(&id, png.as_slice(), officer, position)?)).await
}

/// The party refused to sign; `reason` is what they said.
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn signature_refused(app: AppHandle, id: String, reason: String) -> Result<(), AppError> {
    blocking(app, move |terminal| Ok(terminal.signature_refused(&id, &reason)?)).await
}

/// Unlocked officer `number` amends locked inspection `id`: the change and why.
#[tauri::command]
#[tracing::instrument(skip(app, unlocked), err)]
pub async fn amend_inspection(
    app: AppHandle,
    unlocked: State<'_, Unlocked>,
    id: String,
    edit: InspectionEdit,
    reason: String,
    number: String,
) -> Result<(), AppError> {
    let officer = unlocked.get(&number)?;
    blocking(app, move |terminal| Ok(terminal.amend(&id, Edit::from(edit), &reason, &officer)?)).await
}

/// Unlocked officer `number` records an attempt to interfere with the inspection.
#[tauri::command]
#[tracing::instrument(skip(app, unlocked), err)]
pub async fn record_interference(
    app: AppHandle,
    unlocked: State<'_, Unlocked>,
    id: String,
    description: String,
    number: String,
) -> Result<(), AppError> {
    let officer = unlocked.get(&number)?;
    blocking(app, move |terminal| Ok(terminal.record_interference(&id, &description, &officer)?)).await
}

/// The case replayed step by step, in causal order.
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn inspection_timeline(app: AppHandle, id: String) -> Result<Vec<TimelineEntry>, AppError> {
    blocking(app, move |terminal| Ok(terminal.timeline(&id)?)).await
}
