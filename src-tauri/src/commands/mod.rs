//! The app's Tauri commands, one module per area; each calls the terminal crate and nothing else.

pub mod catalogue;
pub mod conflicts;
pub mod enrolment;
pub mod evidence;
pub mod inspections;
pub mod officers;
pub mod settings;
pub mod sync;
pub mod trail;
