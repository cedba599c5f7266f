//! The app's Tauri commands, one module per area; each calls the terminal crate and nothing else.

pub mod inspections;
pub mod settings;
