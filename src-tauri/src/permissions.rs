//! What the webview may use when the app's own page asks: the camera (QR scanning, CERT-3; photo and video
//! evidence) and the microphone (audio and video evidence).
//!
//! The window loads only the app's bundled pages (the CSP allows `'self'` only), so such a request comes from our
//! own ui and is granted without a second prompt from the webview. On Android the system still asks the officer
//! once for its runtime permission. On Linux, WebKitGTK ships with media capture off (its `enable-media-stream`
//! setting), so [`enable_media_capture`] switches it on for the window; without it the page has no
//! `navigator.mediaDevices` and the scanner says there is no camera.

use tauri::webview::{PermissionKind, PermissionResponse};

/// The answer to the page's request for `kind`; anything else is left to the webview's own default.
pub fn answer(kind: PermissionKind) -> PermissionResponse {
    match kind {
        PermissionKind::Camera | PermissionKind::Microphone => PermissionResponse::Allow,
        _ => PermissionResponse::Default,
    }
}

/// Switches on WebKitGTK's media capture (getUserMedia) for `window`.
#[cfg(target_os = "linux")]
pub fn enable_media_capture<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) -> tauri::Result<()> {
    window.with_webview(|webview| {
        use webkit2gtk::{SettingsExt, WebViewExt};
        if let Some(settings) = WebViewExt::settings(&webview.inner()) {
            settings.set_enable_media_stream(true);
        }
    })
}

/// Other platforms' webviews have media capture on already.
#[cfg(not(target_os = "linux"))]
pub fn enable_media_capture<R: tauri::Runtime>(_window: &tauri::WebviewWindow<R>) -> tauri::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_camera_and_microphone_are_granted_to_the_apps_page() {
        assert!(matches!(answer(PermissionKind::Camera), PermissionResponse::Allow));
        assert!(matches!(answer(PermissionKind::Microphone), PermissionResponse::Allow));
    }

    #[test]
    fn other_permissions_keep_the_webviews_default() {
        assert!(matches!(answer(PermissionKind::Notifications), PermissionResponse::Default));
    }
}
