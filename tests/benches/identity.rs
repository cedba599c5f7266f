//! Identity benchmark: certificate and presentation verifications per second beside `openssl speed ed25519`
//! (the raw signature check our verification is built on), and the QR payload: bytes, base45 characters and
//! QR version, with the holder's photo thumbnail made from a real photograph.
//!
//! `cargo bench -p fieldtrail-tests --bench identity`; `FT_PHOTO=some.jpg` to use your own photograph.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::identity::{
    Authority, Certificate, CertificateBody, CertificateKind, Presentation, TrustList, public_key_of,
    verify_certificate, verify_presentation,
};
use qrcode::{EcLevel, QrCode};
use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;
use std::time::Instant;

fn keypair() -> Ed25519KeyPair {
    Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap().as_ref()).unwrap()
}

fn photo() -> (Vec<u8>, String) {
    if let Ok(path) = std::env::var("FT_PHOTO") {
        return (std::fs::read(&path).unwrap(), path);
    }
    // Without a photograph: a face-sized oval on a gradient with sensor-like noise, closer to a photo than flat colour.
    let mut seed = 0x2545_f491_u32;
    let img = image::RgbImage::from_fn(600, 800, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed % 24) as i32 - 12;
        let (dx, dy) = (x as i32 - 300, y as i32 - 340);
        let face = dx * dx * 4 + dy * dy * 2 < 200 * 200 * 2;
        let base = if face { [210, 170, 140] } else { [(x / 4) as i32, 120, (y / 5) as i32] };
        image::Rgb(base.map(|c| (c + noise).clamp(0, 255) as u8))
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    (out, "synthetic 600x800".into())
}

fn qr(label: &str, text: &str) {
    for level in [EcLevel::L, EcLevel::M] {
        match QrCode::with_error_correction_level(text.as_bytes(), level) {
            Ok(code) => {
                println!("  {label:<28} {:>5} chars  QR version {:?} at level {level:?}", text.len(), code.version())
            }
            Err(e) => {
                println!("  {label:<28} {:>5} chars  does not fit one QR code at level {level:?}: {e}", text.len())
            }
        }
    }
}

fn rate(n: u32, f: impl Fn()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    f64::from(n) / start.elapsed().as_secs_f64()
}

fn main() {
    let authority = keypair();
    let trust = TrustList::new(vec![Authority {
        name: "内蒙古自治区司法厅".into(),
        public_key: public_key_of(&authority),
    }]);
    let holder = keypair();
    let (photo, source) = photo();
    let thumbnail = fieldtrail_server::photo::thumbnail(&photo).unwrap();
    let body = |photo: Vec<u8>| CertificateBody {
        number: "15080001".into(),
        name: "张三".into(),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec!["市场监管".into(), "食品安全".into()],
        regions: vec!["1508".into()],
        valid_from: 1_767_225_600,
        valid_to: 1_924_991_999,
        kind: CertificateKind::Officer,
        holder_key: public_key_of(&holder),
        photo_sha256: vec![0; 32],
        photo,
        issuer: "内蒙古自治区司法厅".into(),
        issued_at: 1_767_225_600,
    };
    let cert = Certificate::issue(&body(thumbnail.clone()), &authority).unwrap();
    // Version 2: the thumbnail beside the certificate, signed by its hash.
    let bare = Certificate::issue(
        &CertificateBody { photo_sha256: Certificate::photo_hash(&thumbnail), ..body(Vec::new()) },
        &authority,
    )
    .unwrap();
    let presentation =
        Presentation::create(&cert, &holder, "a7351a87-a965-4521-a96c-41accfa27bcd", 1_795_000_000, [7; 16]).unwrap();

    println!("identity benchmark");
    println!(
        "  photo: {source}, {} bytes; thumbnail {}x{} JPEG q{}: {} bytes",
        photo.len(),
        fieldtrail_server::photo::WIDTH,
        fieldtrail_server::photo::HEIGHT,
        fieldtrail_server::photo::QUALITY,
        thumbnail.len()
    );
    println!(
        "  certificate (COSE_Sign1)     {:>5} bytes with photo (v1), {} with its hash (v2)",
        cert.bytes().len(),
        bare.bytes().len()
    );
    qr("certificate QR, with photo", &cert.to_qr_text());
    qr("certificate QR, v2", &bare.to_qr_text());
    println!("  presentation (COSE_Sign1)    {:>5} bytes", presentation.bytes().len());
    qr("presentation QR", &presentation.to_qr_text());
    // The QR a party's phone opens (CERT-3): a version 2 certificate (thumbnail beside it, signed by hash) in a
    // presentation as the verify page's URL, the presentation in decimal digits in the fragment.
    let v2 = Presentation::create_for_item(
        &bare,
        &holder,
        "a7351a87-a965-4521-a96c-41accfa27bcd",
        Some("SC-0101"),
        1_795_000_000,
        &[7; 8],
    )
    .unwrap();
    qr("presentation URL (v2)", &v2.to_url("https://zfjd.bynr.gov.cn").unwrap());

    let n = fieldtrail_tests::bench::size("FT_VERIFICATIONS", 20_000, 20) as u32;
    let bytes = cert.bytes().to_vec();
    let certs = rate(n, || assert!(verify_certificate(&bytes, &trust, None, 1_795_000_000).is_valid()));
    let pbytes = presentation.bytes().to_vec();
    let presentations =
        rate(n / 2, || assert!(verify_presentation(&pbytes, &trust, None, 1_795_000_000, None, None).is_valid()));
    let qr_text = presentation.to_qr_text();
    let from_qr = rate(n / 2, || {
        let p = Presentation::from_qr_text(&qr_text).unwrap();
        assert!(verify_presentation(p.bytes(), &trust, None, 1_795_000_000, None, None).is_valid())
    });
    println!("  certificate verifications    {certs:>9.0} /s (one Ed25519 verify each)");
    println!("  presentation verifications   {presentations:>9.0} /s (two Ed25519 verifies each)");
    println!("  presentation from QR text    {from_qr:>9.0} /s (base45 + inflate + two verifies)");
    match std::process::Command::new("openssl").args(["speed", "-seconds", "2", "ed25519"]).output() {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            if let Some(line) = text.lines().find(|l| l.contains("Ed25519")) {
                let verify = line.split_whitespace().last().unwrap_or("?");
                println!("  openssl speed ed25519 verify {verify:>9} /s (same machine, same run)");
            }
        }
        Err(e) => println!("  openssl not available: {e}"),
    }
}
