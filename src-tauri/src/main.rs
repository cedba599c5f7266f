//! The FieldTrail officer's app; see the library crate.
// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    fieldtrail_app::run();
}
