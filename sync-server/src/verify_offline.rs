//! The verify page a presentation QR opens (CERT-3, CERT-8): `GET /V#<digits>`. The page ships this server's
//! authority keys and newest revocation list and verifies the presentation in the browser (WebCrypto Ed25519),
//! so it needs no server once loaded; a service worker (`/V-sw.js`) keeps it for when the server cannot be
//! reached. Online, it also posts the fragment to `POST /v1/verify/presentation`, which verifies it here and,
//! for a valid live presentation, answers what a party on site may see: the item, its legal basis, the officers
//! who presented, and the holder's photo ([`fieldtrail_core::on_site`], SEC-1, SEC-8).

use crate::routes::AppState;
use crate::store::Store;
use crate::verify_page::PublicVerification;
use crate::{ApiError, authority};
use axum::Json;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{Html, IntoResponse};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fieldtrail_core::InspectionDoc;
use fieldtrail_core::identity::{
    LIVE_PRESENTATION_SECS, Presentation, RevocationList, RevocationStatus, Verification, verify_presentation,
};
use fieldtrail_core::on_site::{OnSiteView, on_site_view};
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;

const PAGE: &str = include_str!("../assets/verify.html");
const SCRIPT: &str = include_str!("../assets/verify.js");
const WORKER: &str = include_str!("../assets/verify-sw.js");
/// Longer than any presentation URL (about 1,000 characters): more is refused unread.
const MAX_TEXT: usize = 8 * 1024;

/// What the page knows offline: the authorities (name, public key) and the newest revocation list.
fn trust_json<S: Store>(state: &AppState<S>) -> Result<String, ApiError> {
    let (trust, list) = state.store.transact(|tx| Ok((authority::trust_list(tx)?, tx.latest_revocation_list()?)))?;
    let revocations = list.and_then(|(_, bytes)| RevocationList::verify(&bytes, &trust).ok());
    let authorities: Vec<_> =
        trust.authorities.iter().map(|a| json!({"name": a.name, "key": STANDARD.encode(&a.public_key)})).collect();
    let list = revocations.map(|l| {
        let entries: Vec<_> = l
            .entries
            .iter()
            .map(|e| json!({"number": e.number, "revoked": e.status == RevocationStatus::Revoked, "since": e.since}))
            .collect();
        json!({"version": l.version, "issued_at": l.issued_at, "entries": entries})
    });
    let data = json!({"authorities": authorities, "revocations": list, "live_secs": LIVE_PRESENTATION_SECS});
    // Inside a <script> element: no "</script>" may appear, so every '<' is escaped.
    Ok(data.to_string().replace('<', "\\u003c"))
}

/// `GET /V` (and `/v`): the page, with what it verifies against inside it.
pub async fn page<S: Store>(State(state): State<Arc<AppState<S>>>) -> Result<impl IntoResponse, ApiError> {
    let trust = crate::routes::blocking(state, |s| trust_json(s)).await?;
    // The script first: the trust data holds names an administrator typed, which must not be read as markers.
    let html = PAGE.replace("__SCRIPT__", SCRIPT).replace("__TRUST__", &trust);
    // Revalidate each time online: the revocation list in it must be the newest the server has.
    Ok(([(CACHE_CONTROL, "no-cache")], Html(html)))
}

/// `GET /V-sw.js`: the service worker that keeps the page for offline use.
pub async fn worker() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "no-cache")], WORKER)
}

/// The server's answer to the page: its verdict, and for a valid live presentation what the party may see.
#[derive(Debug, Clone, Serialize)]
pub struct OnlineCheck {
    #[serde(flatten)]
    pub check: PublicVerification,
    pub item_code: Option<String>,
    pub on_site: Option<OnSiteView>,
    /// The holder's thumbnail as a `data:` URL, when the certificate signs its hash.
    pub photo: Option<String>,
}

/// `POST /v1/verify/presentation` with the page's URL (or its fragment) as the body.
pub async fn online<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    body: String,
) -> Result<Json<OnlineCheck>, ApiError> {
    if body.len() > MAX_TEXT {
        return Err(ApiError::bad("qr_too_long", "longer than any presentation"));
    }
    Ok(Json(crate::routes::blocking(state, move |s| check(s, &body)).await?))
}

fn check<S: Store>(state: &AppState<S>, text: &str) -> Result<OnlineCheck, ApiError> {
    let text = text.trim();
    // The page may send the fragment alone.
    let text = if text.bytes().all(|b| b.is_ascii_digit()) { format!("http://page/V#{text}") } else { text.into() };
    let now = chrono::Utc::now().timestamp();
    let (trust, list) = state.store.transact(|tx| Ok((authority::trust_list(tx)?, tx.latest_revocation_list()?)))?;
    let revocations = list.and_then(|(_, bytes)| RevocationList::verify(&bytes, &trust).ok());
    let (verification, presentation) = match Presentation::from_url_or_text(&text) {
        Ok(p) => (
            verify_presentation(p.bytes(), &trust, revocations.as_ref(), now, None, Some(LIVE_PRESENTATION_SECS)),
            Some(p),
        ),
        Err(e) => (verify_presentation(e.to_string().as_bytes(), &trust, None, now, None, None), None),
    };
    let valid = verification.is_valid();
    let verification: Verification = verification.public();
    let presented_age = verification.presented_at.map(|at| now.saturating_sub(at));
    let mut out = OnlineCheck {
        check: PublicVerification { verification, presented_age },
        item_code: presentation.as_ref().and_then(|p| p.item_code().map(str::to_owned)),
        on_site: None,
        photo: None,
    };
    let Some(p) = presentation.filter(|_| valid) else {
        return Ok(out);
    };
    let number = p.certificate().body().number.clone();
    let (doc, photo) =
        state.store.transact(|tx| Ok((tx.load_document(p.inspection_id())?, tx.certificate_photo(&number)?)))?;
    out.photo = photo
        .filter(|jpeg| p.certificate().photo_matches(jpeg))
        .map(|jpeg| format!("data:image/jpeg;base64,{}", STANDARD.encode(jpeg)));
    if let Some(doc) = doc
        && let Ok(view) = InspectionDoc::from_automerge(doc).and_then(|d| d.read())
    {
        out.on_site = on_site_view(&view.inspection, &number);
    }
    Ok(out)
}
