//! The presentation QR a party's phone scans (CERT-3): a URL of the server's verify page that stays at QR
//! version 15 or below at error correction M with a real certificate (a photo thumbnail made by the server,
//! Chinese names), and that a real decoder (zbarimg, Debian's zbar-tools) reads back exactly from an image
//! rendered from the app's QR crate, shrunk to a quarter of its size and blurred, as a phone camera sees it at
//! arm's length. Bad URLs (cut short, altered, wrong prefix, huge) get a verdict, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use chrono::Utc;
use fieldtrail_core::identity::{
    Authority, Certificate, CertificateKind, EnrolmentPackage, Presentation, TrustList, Verdict, open_sealed,
    presentation_url, verify_presentation,
};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::authority::{self, IssueRequest};
use image::{GrayImage, Luma, imageops};
use qrcode::{EcLevel, QrCode, Version};
use ring::signature::Ed25519KeyPair;
use tempfile::TempDir;

const INSPECTION: &str = "0b9f8a52-8c4e-4f0e-9d7e-3c1f2a6b5d10";
const BASE: &str = "https://zfjd.bynr.gov.cn";

/// A photograph-like JPEG: a gradient with noise, so the thumbnail is as large as a real face's.
fn photo() -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let img = image::RgbImage::from_fn(300, 400, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        image::Rgb([(x / 2) as u8 ^ (seed % 32) as u8, (y / 2) as u8, 140])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

struct Issued {
    trust: TrustList,
    certificate: Certificate,
    holder: Ed25519KeyPair,
    thumbnail: Vec<u8>,
}

/// A certificate issued the way `fieldtrail-server admin issue` does, with long real-world names.
fn issued() -> (TempDir, Issued) {
    let dir = TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let key_path = dir.path().join("authority.key");
    authority::init(&store, &key_path, "内蒙古自治区巴彦淖尔市司法局").unwrap();
    let key = authority::load(&store, &key_path).unwrap();
    let now = Utc::now().timestamp();
    let request = IssueRequest {
        number: "15080200123".into(),
        name: "乌力吉巴雅尔".into(),
        agency: "巴彦淖尔市临河区市场监督管理局".into(),
        categories: vec!["市场监管".into(), "食品安全".into()],
        regions: vec!["150802".into()],
        valid_from: now - 86_400,
        valid_to: now + 5 * 365 * 86_400,
        kind: CertificateKind::Officer,
        photo: photo(),
        actor: "test".into(),
    };
    let issued = authority::issue(&store, &key, &request).unwrap();
    let package = EnrolmentPackage::from_bytes(&issued.package.to_bytes()).unwrap();
    let pkcs8 = open_sealed(&package.key, &issued.code).unwrap().unwrap();
    let trust = TrustList::new(vec![Authority { name: key.name.clone(), public_key: key.public_key() }]);
    let issued = Issued {
        trust,
        certificate: issued.certificate,
        holder: Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap(),
        thumbnail: package.photo,
    };
    (dir, issued)
}

fn url(i: &Issued) -> String {
    let p = Presentation::create_for_item(
        &i.certificate,
        &i.holder,
        INSPECTION,
        Some("SC-0101"),
        Utc::now().timestamp(),
        &[0xa5; 8],
    )
    .unwrap();
    p.to_url(BASE).unwrap()
}

/// The QR code as a greyscale image, `scale` pixels a module, with its 4-module quiet zone: the modules the
/// app's QR crate computed, drawn as its SVG renderer draws them.
fn render(code: &QrCode, scale: u32) -> GrayImage {
    let width = code.width() as u32;
    let colors = code.to_colors();
    let side = (width + 8) * scale;
    GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / scale) as i64 - 4, (y / scale) as i64 - 4);
        let inside = (0..width as i64).contains(&mx) && (0..width as i64).contains(&my);
        let dark = inside && colors[(my * width as i64 + mx) as usize] == qrcode::Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    })
}

/// Reads the QR code in `img` with zbarimg (Debian's zbar-tools, the ZBar decoder), from a PNG file.
fn decode(img: &GrayImage) -> Result<String, String> {
    let dir = TempDir::new().map_err(|e| e.to_string())?;
    let path = dir.path().join("qr.png");
    img.save(&path).map_err(|e| e.to_string())?;
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable"])
        .arg(&path)
        .output()
        .map_err(|e| format!("zbarimg (apt: zbar-tools): {e}"))?;
    if !out.status.success() {
        return Err(format!("zbarimg found no QR code (exit {:?})", out.status.code()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim_end_matches('\n').to_owned())
}

#[test]
fn cert_3_presentation_qr_is_a_url_at_version_15_or_below_at_level_m() {
    let (_dir, i) = issued();
    assert!(i.certificate.body().photo.is_empty(), "a new certificate carries its photo beside it, by hash");
    assert!(i.certificate.photo_matches(&i.thumbnail), "the enrolment package's thumbnail is the one signed");
    let url = url(&i);
    assert!(url.starts_with("HTTPS://ZFJD.BYNR.GOV.CN/V#"), "{url}");
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).unwrap();
    let Version::Normal(version) = code.version() else { panic!("a micro QR code") };
    println!("presentation URL: {} characters, QR version {version} at M", url.len());
    assert!(version <= 15, "version {version} at M is too dense for a phone at arm's length");
}

#[test]
fn cert_3_presentation_qr_decodes_at_a_quarter_size_and_blurred() {
    let (_dir, i) = issued();
    // Every presentation's code differs (time, nonce, signatures): twenty of them, all read.
    for n in 0..20u8 {
        let p = Presentation::create_for_item(
            &i.certificate,
            &i.holder,
            INSPECTION,
            Some("SC-0101"),
            Utc::now().timestamp() - i64::from(n),
            &[n; 8],
        )
        .unwrap();
        let url = p.to_url(BASE).unwrap();
        let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).unwrap();
        // 16 pixels a module, about as the tablet shows it; a quarter of that size (4 pixels a module, module
        // edges between pixels after the filter), then a blur, as a phone camera at arm's length sees it.
        let sharp = render(&code, 16);
        let small = imageops::resize(&sharp, sharp.width() / 4, sharp.height() / 4, imageops::FilterType::Triangle);
        let blurred = imageops::blur(&small, 0.8);
        assert_ne!(blurred, small, "the blur changed the image");
        let read = decode(&blurred).unwrap_or_else(|e| panic!("presentation {n}: the decoder fails: {e}"));
        assert_eq!(read, url, "the decoder reads back the exact URL");
        let p = Presentation::from_url_or_text(&read).unwrap();
        let v = verify_presentation(p.bytes(), &i.trust, None, Utc::now().timestamp(), Some(INSPECTION), Some(1800));
        assert_eq!(v.verdict, Verdict::Valid, "{}", v.detail);
        assert_eq!(p.item_code(), Some("SC-0101"));
    }
}

#[test]
fn cert_3_the_decoder_fails_on_a_qr_blurred_beyond_reading() {
    // The decode test above can fail: the same code, blurred until its modules merge, is not read.
    let (_dir, i) = issued();
    let code = QrCode::with_error_correction_level(url(&i).as_bytes(), EcLevel::M).unwrap();
    let small = imageops::resize(
        &render(&code, 8),
        code.width() as u32 * 2,
        code.width() as u32 * 2,
        imageops::FilterType::Triangle,
    );
    assert!(decode(&imageops::blur(&small, 3.0)).is_err());
}

#[test]
fn cert_3_a_url_verifies_and_so_does_the_old_ftp1_text() {
    let (_dir, i) = issued();
    let p = Presentation::create(&i.certificate, &i.holder, INSPECTION, Utc::now().timestamp(), [1; 16]).unwrap();
    for text in [p.to_url(BASE).unwrap(), p.to_url("http://127.0.0.1:8787/").unwrap(), p.to_qr_text()] {
        let read = Presentation::from_url_or_text(&text).unwrap();
        assert_eq!(read.bytes(), p.bytes(), "{text} rebuilds the signed bytes");
    }
}

/// A bad URL: what the verifier answers for it.
fn verdict_of(i: &Issued, text: &str) -> Verification2 {
    match Presentation::from_url_or_text(text) {
        Ok(p) => Verification2::Verdict(
            verify_presentation(p.bytes(), &i.trust, None, Utc::now().timestamp(), None, Some(1800)).verdict,
        ),
        Err(e) => Verification2::Refused(e.to_string()),
    }
}

#[derive(Debug)]
enum Verification2 {
    Verdict(Verdict),
    Refused(String),
}

#[test]
fn cert_3_bad_urls_get_a_clear_answer_never_a_panic() {
    let (_dir, i) = issued();
    let url = url(&i);
    let (page, digits) = url.split_once('#').unwrap();
    // Cut short: the digits no longer make whole groups, or the CBOR ends early.
    for cut in [1, 5, 17, 40, digits.len() - 3] {
        let text = format!("{page}#{}", &digits[..digits.len() - cut]);
        assert!(matches!(verdict_of(&i, &text), Verification2::Refused(_)), "cut by {cut}");
    }
    // Altered: one digit inside the holder's signature (the last 64 bytes) goes down to 0, so its group stays a
    // number of 7 bytes: the signature fails (forged).
    let mut altered = digits.as_bytes().to_vec();
    let at = (0..altered.len() - 40).rev().find(|&k| altered[k] != b'0').unwrap();
    altered[at] = b'0';
    let altered = format!("{page}#{}", String::from_utf8(altered).unwrap());
    match verdict_of(&i, &altered) {
        Verification2::Verdict(v) => assert_eq!(v, Verdict::BadSignature),
        Verification2::Refused(why) => panic!("an altered signature is a forgery, not unreadable: {why}"),
    }
    // Wrong prefix or page, letters in the fragment, and a huge fragment.
    for text in [
        format!("https://zfjd.bynr.gov.cn/other#{digits}"),
        format!("ftp://zfjd.bynr.gov.cn/V#{digits}"),
        format!("{page}#{digits}x"),
        format!("{page}#{}", "9".repeat(100_000)),
        "FTP1:NOT-BASE45!".into(),
        String::new(),
    ] {
        match verdict_of(&i, &text) {
            Verification2::Refused(why) => assert!(!why.is_empty()),
            other => panic!("{} gave {other:?}", &text[..text.len().min(60)]),
        }
    }
    // Each group is checked: 17 nines exceed seven bytes.
    assert!(presentation_url::from_digits(&"9".repeat(17)).is_err());
}

fn version(text: &str) -> i16 {
    match QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map(|c| c.version()) {
        Ok(Version::Normal(v)) => v,
        _ => i16::MAX,
    }
}

/// RFC 4648 base32 without padding, upper case: the URL-safe alphanumeric-mode candidate.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0);
    for b in bytes {
        acc = acc << 8 | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[(acc >> bits) as usize & 31] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[(acc << (5 - bits)) as usize & 31] as char);
    }
    out
}

#[test]
fn cert_3_decimal_digits_make_the_smallest_qr_of_the_url_safe_encodings() {
    // The same presentation parts in the three URL-safe forms: decimal (numeric mode, chosen), base32 upper case
    // (alphanumeric mode) and base64url (byte mode). Printed for docs/identity.md.
    let (_dir, i) = issued();
    let url = url(&i);
    let (page, digits) = url.split_once('#').unwrap();
    let bytes = presentation_url::from_digits(digits).unwrap();
    let decimal = version(&url);
    let base32 = version(&format!("{page}#{}", base32(&bytes)));
    let base64url = version(&format!("{}#{}", page.to_lowercase(), base64_url(&bytes)));
    let old = version(
        &Presentation::create(&i.certificate, &i.holder, INSPECTION, Utc::now().timestamp(), [1; 16])
            .unwrap()
            .to_qr_text(),
    );
    println!(
        "presentation parts {} bytes; QR version at M: decimal {decimal}, base32 {base32}, base64url {base64url}; FTP1 text of the same certificate {old}",
        bytes.len()
    );
    assert!(decimal <= base32 && decimal <= base64url, "decimal {decimal}, base32 {base32}, base64url {base64url}");
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
