//! Real case bundles to start from: a terminal, provisioned with the server's authority key, enrols two officers
//! from packages the server's authority code issued; they present, take a recording as evidence and lock the
//! case, and the terminal exports it. The authority's key is what the bundle target trusts.

use crate::context::{AUTHORITY, new_inspection};
use crate::media::wav;
use fieldtrail_core::Edit;
use fieldtrail_core::identity::CertificateKind;
use fieldtrail_server::SqliteStore;
use fieldtrail_server::authority::{self, IssueRequest};
use fieldtrail_terminal::{Capture, Terminal};
use std::sync::OnceLock;

/// The bundles and the key that signed their certificates.
#[derive(Debug)]
pub struct Bundles {
    pub authority_key: Vec<u8>,
    pub locked: Vec<u8>,
    pub open: Vec<u8>,
}

/// The holder's photo, which the server thumbnails.
fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(60, 80, |x, y| image::Rgb([x as u8 * 4, y as u8 * 3, 90]));
    let mut out = Vec::new();
    // Encoding into memory cannot fail for an RGB image.
    let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img);
    out
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn make() -> Result<Bundles, String> {
    let dir = tempfile::TempDir::new().map_err(err)?;
    let store = SqliteStore::open(&dir.path().join("server")).map_err(err)?;
    let key_path = dir.path().join("authority.key");
    authority::init(&store, &key_path, AUTHORITY).map_err(err)?;
    let key = authority::load(&store, &key_path).map_err(err)?;
    let t = Terminal::open(dir.path().join("terminal")).map_err(err)?;
    t.provision_authority(&key.name, &key.public_key()).map_err(err)?;
    let now = chrono::Utc::now().timestamp();
    let mut officers = Vec::new();
    for (number, name, pin) in [("15080001", "张三", "482913"), ("15080002", "李四", "739251")] {
        let request = IssueRequest {
            number: number.into(),
            name: name.into(),
            agency: "巴彦淖尔市市场监督管理局".into(),
            categories: vec!["食品安全".into()],
            regions: vec!["1508".into()],
            valid_from: now - 86_400,
            valid_to: now + 365 * 86_400,
            kind: CertificateKind::Officer,
            photo: photo(),
            actor: "fuzz".into(),
        };
        let issued = authority::issue(&store, &key, &request).map_err(err)?;
        t.enrol(&issued.package.to_bytes(), &issued.code, pin).map_err(err)?;
        officers.push(t.unlock(number, pin).map_err(err)?);
    }
    let scope = Edit::SetScope { category: "食品安全".into(), region: "150802".into() };
    let export = |id: &str, name: &str| -> Result<Vec<u8>, String> {
        let path = dir.path().join(name);
        t.export_bundle(id, &path).map_err(err)?;
        std::fs::read(&path).map_err(err)
    };
    let open = t.create_inspection(&new_inspection()).map_err(err)?;
    t.edit(&open, std::slice::from_ref(&scope)).map_err(err)?;
    t.add_evidence(&open, wav().as_slice(), &Capture::default()).map_err(err)?;
    let open_bundle = export(&open, "open.tar")?;
    let locked = t.create_inspection(&new_inspection()).map_err(err)?;
    t.edit(&locked, &[scope]).map_err(err)?;
    for officer in &officers {
        t.present(&locked, officer).map_err(err)?;
    }
    let signer = std::sync::Arc::new(t.unlock("15080001", "482913").map_err(err)?);
    let at = chrono::DateTime::from_timestamp(crate::context::NOW, 0).unwrap_or_default();
    let position =
        fieldtrail_core::Fix::new(40.75, 107.39, 8.0, at, fieldtrail_core::PositionSource::Entered).map_err(err)?;
    let capture =
        Capture { signer: Some(signer), position: fieldtrail_core::Position::Fix(position), ..Capture::default() };
    t.add_evidence(&locked, wav().as_slice(), &capture).map_err(err)?;
    t.lock(&locked, &officers[0]).map_err(err)?;
    let locked_bundle = export(&locked, "locked.tar")?;
    Ok(Bundles { authority_key: key.public_key(), locked: locked_bundle, open: open_bundle })
}

/// The bundles, made on first use.
#[allow(clippy::expect_used)] // the harness cannot run without it; the message says why
pub fn bundles() -> &'static Bundles {
    static BUNDLES: OnceLock<Bundles> = OnceLock::new();
    BUNDLES.get_or_init(|| make().expect("making the seed bundles with the real terminal"))
}
