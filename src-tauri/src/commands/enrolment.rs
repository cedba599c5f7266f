//! Setting the tablet up: its registration QR for the administrator, and enrolling an officer from the
//! administrator's package with the one-time code typed or scanned. Both run off the window's thread: enrolling
//! derives two Argon2id keys (19 MiB each, one from the code and one from the PIN), and the window must not
//! freeze meanwhile.

use tauri::AppHandle;

use crate::AppError;
use crate::blocking::blocking;
use crate::views::{Officer, RegistrationView};

/// This tablet's registration, as text and QR code, for the administrator's `register-device --qr`.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn device_registration(app: AppHandle) -> Result<RegistrationView, AppError> {
    blocking(app, |t| RegistrationView::new(&t.registration()?)).await
}

/// Enrols an officer from the bytes of the package file, the one-time code as typed or scanned, and a new PIN.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub async fn enrol_officer(app: AppHandle, package: Vec<u8>, code: String, pin: String) -> Result<Officer, AppError> {
    blocking(app, move |t| Ok(Officer::new(t.enrol(&package, &code, &pin)?, &[]))).await
}
