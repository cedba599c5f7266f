//! fieldtrail-app: the officer's app, a thin Tauri 2 shell over [`fieldtrail_terminal`].
//!
//! This file only wires things up: it resolves the [`Settings`], opens the [`Terminal`] in the data directory,
//! puts both in Tauri's managed state and registers the commands of [`commands`]. Each command is a few lines
//! that call the terminal crate; an error crosses into the ui as [`AppError`], `{code, message}`.

pub mod blocking;
pub mod commands;
pub mod error;
pub mod permissions;
pub mod position;
pub mod settings;
pub mod state;
pub mod views;

pub use error::AppError;
pub use settings::Settings;

use fieldtrail_terminal::Terminal;
use tauri::Manager;
use tracing_subscriber::EnvFilter;

/// Starts the app; returns when its last window closes.
///
/// # Panics
///
/// When the window system or the webview cannot start (Tauri's own startup error).
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();

    tauri::Builder::default()
        .setup(|app| {
            let settings = Settings::from_env(app.path().app_data_dir()?);
            std::fs::create_dir_all(&settings.data_dir)?;
            let terminal = Terminal::open(&settings.data_dir)?;
            tracing::info!(data_dir = %settings.data_dir.display(), server = %settings.server, "terminal opened");
            app.manage(position::PositionSource::from_settings(settings.fixed_position.as_deref())?);
            app.manage(terminal);
            app.manage(settings);
            app.manage(state::Unlocked::default());
            if let Some(window) = app.get_webview_window("main") {
                permissions::enable_media_capture(&window)?;
            }
            Ok(())
        })
        .on_permission_request(|_, kind| permissions::answer(kind))
        .invoke_handler(tauri::generate_handler![
            commands::catalogue::catalogue_search,
            commands::conflicts::resolve_conflict,
            commands::enrolment::device_registration,
            commands::enrolment::enrol_officer,
            commands::evidence::add_evidence_bytes,
            commands::evidence::add_evidence_incoming,
            commands::evidence::append_incoming,
            commands::evidence::begin_incoming,
            commands::evidence::discard_incoming,
            commands::evidence::import_evidence,
            commands::evidence::list_evidence,
            commands::inspections::create_inspection,
            commands::inspections::edit_inspection,
            commands::inspections::list_inspections,
            commands::inspections::lock_inspection,
            commands::inspections::show_inspection,
            commands::officers::list_officers,
            commands::officers::present_certificate,
            commands::officers::sign_out_officer,
            commands::officers::unlock_officer,
            commands::officers::verify_qr,
            commands::settings::get_settings,
            commands::sync::pending_uploads,
            commands::sync::sync_documents,
            commands::sync::terminal_status,
            commands::sync::upload_evidence,
            commands::trail::amend_inspection,
            commands::trail::inspection_timeline,
            commands::trail::party_signed,
            commands::trail::record_interference,
            commands::trail::signature_refused,
        ])
        .run(tauri::generate_context!())
        .expect("the FieldTrail window failed to start");
}
