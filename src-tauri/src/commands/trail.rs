//! The full-process record (REC-3 to REC-6): the party's signature or refusal, amendments after lock, recorded
//! interference, and the case's timeline. Thin: every rule stays in the terminal crate.

use fieldtrail_core::{Edit, TimelineEntry};
use fieldtrail_terminal::Terminal;
use tauri::State;
use tauri::ipc::{InvokeBody, Request};

use crate::AppError;
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
    terminal: State<'_, Terminal>,
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
    Ok(terminal.party_signed(header("inspection-id"), bytes.as_slice(), officer, position)?)
}

/// The party refused to sign; `reason` is what they said.
#[tauri::command]
#[tracing::instrument(skip(terminal), err)]
pub fn signature_refused(terminal: State<'_, Terminal>, id: String, reason: String) -> Result<(), AppError> {
    Ok(terminal.signature_refused(&id, &reason)?)
}

/// Unlocked officer `number` amends locked inspection `id`: the change and why.
#[tauri::command]
#[tracing::instrument(skip(terminal, unlocked), err)]
pub fn amend_inspection(
    terminal: State<'_, Terminal>,
    unlocked: State<'_, Unlocked>,
    id: String,
    edit: InspectionEdit,
    reason: String,
    number: String,
) -> Result<(), AppError> {
    Ok(terminal.amend(&id, Edit::from(edit), &reason, &*unlocked.get(&number)?)?)
}

/// Unlocked officer `number` records an attempt to interfere with the inspection.
#[tauri::command]
#[tracing::instrument(skip(terminal, unlocked), err)]
pub fn record_interference(
    terminal: State<'_, Terminal>,
    unlocked: State<'_, Unlocked>,
    id: String,
    description: String,
    number: String,
) -> Result<(), AppError> {
    Ok(terminal.record_interference(&id, &description, &*unlocked.get(&number)?)?)
}

/// The case replayed step by step, in causal order.
#[tauri::command]
#[tracing::instrument(skip(terminal), err)]
pub fn inspection_timeline(terminal: State<'_, Terminal>, id: String) -> Result<Vec<TimelineEntry>, AppError> {
    Ok(terminal.timeline(&id)?)
}
