//! Public verification of a certificate or presentation QR (CERT-3): what a party's phone opens. JSON at
//! `GET /v1/verify?qr=…`, a page in Chinese at `GET /verify?qr=…`. No authentication: it reveals only what the
//! officer shows on site anyway, and it answers with this server's trust list and newest revocation list.
//! The holder's name and photo appear only for a valid certificate (SEC-8, [`Verification::public`]); for a
//! presentation the answer says which inspection it was made for and how long ago, and one older than
//! [`LIVE_PRESENTATION_SECS`] is `stale`.

use crate::routes::AppState;
use crate::store::Store;
use crate::{ApiError, authority};
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Html;
use base64::Engine;
use fieldtrail_core::identity::{
    Certificate, LIVE_PRESENTATION_SECS, Presentation, RevocationList, Verdict, Verification, verify_certificate,
    verify_presentation,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    qr: String,
}

/// The public answer: the verification as [`Verification::public`] allows, and for a presentation how many
/// seconds before this check it was made (negative when the presenting tablet's clock is ahead).
#[derive(Debug, Clone, Serialize)]
pub struct PublicVerification {
    #[serde(flatten)]
    pub verification: Verification,
    pub presented_age: Option<i64>,
}

fn verify<S: Store>(state: &AppState<S>, text: &str) -> Result<PublicVerification, ApiError> {
    let (trust, list) = state.store.transact(|tx| Ok((authority::trust_list(tx)?, tx.latest_revocation_list()?)))?;
    let revocations = list.and_then(|(_, bytes)| RevocationList::verify(&bytes, &trust).ok());
    let now = chrono::Utc::now().timestamp();
    let mut verification = check(text.trim(), &trust, revocations.as_ref(), now).public();
    // `public()` kept the certificate only if valid: then a version 2 certificate's photo, kept beside it, is
    // shown as a version 1 certificate's is, if it is the one whose hash the authority signed.
    if let Some(body) = verification.certificate.as_mut().filter(|b| b.photo.is_empty()) {
        let photo = state.store.transact(|tx| tx.certificate_photo(&body.number))?;
        if let Some(jpeg) = photo.filter(|jpeg| Certificate::photo_hash(jpeg) == body.photo_sha256) {
            body.photo = jpeg;
        }
    }
    let presented_age = verification.presented_at.map(|at| now.saturating_sub(at));
    Ok(PublicVerification { verification, presented_age })
}

fn check(
    text: &str,
    trust: &fieldtrail_core::identity::TrustList,
    revocations: Option<&RevocationList>,
    now: i64,
) -> Verification {
    if Presentation::is_presentation_text(text) {
        match Presentation::from_url_or_text(text) {
            // A party checks an officer standing in front of them: an old presentation is not a live one.
            Ok(p) => verify_presentation(p.bytes(), trust, revocations, now, None, Some(LIVE_PRESENTATION_SECS)),
            Err(e) => verify_presentation(e.to_string().as_bytes(), trust, None, now, None, None),
        }
    } else {
        match Certificate::from_qr_text(text) {
            Ok(c) => verify_certificate(c.bytes(), trust, revocations, now),
            Err(e) => verify_certificate(e.to_string().as_bytes(), trust, None, now),
        }
    }
}

async fn run<S: Store>(state: Arc<AppState<S>>, qr: String) -> Result<PublicVerification, ApiError> {
    if qr.len() > 16 * 1024 {
        return Err(ApiError::bad("qr_too_long", "QR text is longer than any certificate"));
    }
    tokio::task::spawn_blocking(move || verify(&state, &qr))
        .await
        .map_err(|e| ApiError::Storage(format!("worker failed: {e}")))?
}

/// `GET /v1/verify?qr=…`
pub async fn json<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(q): Query<VerifyQuery>,
) -> Result<Json<PublicVerification>, ApiError> {
    Ok(Json(run(state, q.qr).await?))
}

/// `GET /verify?qr=…`
pub async fn page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(q): Query<VerifyQuery>,
) -> Result<Html<String>, ApiError> {
    Ok(Html(render(&run(state, q.qr).await?)))
}

fn verdict_zh(v: Verdict) -> (&'static str, &'static str) {
    match v {
        Verdict::Valid => ("有效", "#07c160"),
        Verdict::NotYetValid => ("尚未生效", "#ed6a0c"),
        Verdict::Expired => ("已过期", "#ee0a24"),
        Verdict::Suspended => ("已暂扣", "#ee0a24"),
        Verdict::Revoked => ("已缴销", "#ee0a24"),
        Verdict::UnknownIssuer => ("发证机关不可信", "#ee0a24"),
        Verdict::BadSignature => ("签名无效（证件可能被伪造或篡改）", "#ee0a24"),
        Verdict::Malformed => ("无法识别的二维码", "#ee0a24"),
        Verdict::WrongInspection => ("与本次检查不符", "#ee0a24"),
        Verdict::Stale => ("出示时间已过久", "#ed6a0c"),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn date(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// How long ago, in words: "12 分钟前".
fn ago(seconds: i64) -> String {
    let (n, unit) = match seconds.unsigned_abs() {
        s if s < 60 => (s, "秒"),
        s if s < 3_600 => (s / 60, "分钟"),
        s if s < 86_400 => (s / 3_600, "小时"),
        s => (s / 86_400, "天"),
    };
    if seconds < 0 { format!("{n} {unit}后（出示设备的时钟可能不准）") } else { format!("{n} {unit}前") }
}

fn render(p: &PublicVerification) -> String {
    let v = &p.verification;
    let (label, colour) = verdict_zh(v.verdict);
    let mut rows = String::new();
    // `public()` left the certificate only if it is valid: no name or photo for any other verdict.
    if let Some(c) = v.certificate.as_ref().filter(|_| v.is_valid()) {
        // A version 2 certificate's photo is not inside it: the page at /V shows it once verified.
        if !c.photo.is_empty() {
            let photo = base64::engine::general_purpose::STANDARD.encode(&c.photo);
            rows.push_str(&format!(
                "<img alt=\"照片\" src=\"data:image/jpeg;base64,{photo}\" width=\"120\" height=\"160\">"
            ));
        }
        rows.push_str(&format!(
            "<dl><dt>姓名</dt><dd>{}</dd><dt>证件编号</dt><dd>{}</dd><dt>执法主体</dt><dd>{}</dd>\
             <dt>执法类别</dt><dd>{}</dd><dt>执法区域</dt><dd>{}</dd><dt>有效期</dt><dd>{} 至 {}</dd>\
             <dt>发证机关</dt><dd>{}</dd></dl>",
            escape(&c.name),
            escape(&c.number),
            escape(&c.agency),
            escape(&c.categories.join("、")),
            escape(&c.regions.join("、")),
            date(c.valid_from),
            date(c.valid_to),
            escape(&c.issuer),
        ));
    }
    if let (Some(id), Some(at), Some(age)) = (&v.inspection_id, v.presented_at, p.presented_age) {
        let at = chrono::DateTime::from_timestamp(at, 0).map(|t| t.to_rfc3339()).unwrap_or_default();
        rows.push_str(&format!(
            "<p class=\"p\">为检查 <b>{}</b> 出示，出示于 {}（{}）</p>",
            escape(id),
            escape(&at),
            ago(age)
        ));
    }
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>执法证件核验</title>\
         <style>body{{font-family:sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem}}\
         .v{{font-size:1.6rem;font-weight:bold;color:{colour}}}dt{{color:#666}}dd{{margin:0 0 .5rem}}</style></head>\
         <body><h1>执法证件核验</h1><p class=\"v\">{label}</p><p>{}</p>{rows}</body></html>",
        escape(&v.detail)
    )
}
