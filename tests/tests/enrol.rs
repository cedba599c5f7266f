//! Setting a tablet up with the two QR texts (issue 10, item 6), through the real command lines: the tablet's
//! registration text (`FTR1:`, printed by `fieldtrail-terminal device`, shown as a QR by the app) registers it with
//! `fieldtrail-server admin register-device --qr`, after which the server accepts its signed requests; the
//! enrolment code's QR text (`FTE1:`, printed by `admin issue`) enrols the officer as the typed code does (CERT-7).
//! Bad texts get a clear error and register or enrol nothing. No camera here: the texts are what a scan reads.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_tests::{InProcessServer, binary, run, signed_get};
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

const AGENCY: &str = "巴彦淖尔市市场监督管理局";

/// Runs a binary that must fail; returns what it said on stderr.
fn refused(package: &str, name: &str, args: &[&str]) -> String {
    let out = Command::new(binary(package, name).unwrap()).args(args).output().unwrap();
    assert!(!out.status.success(), "{name} {args:?} succeeded: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn server_args<'a>(data: &'a Path, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--data", data.to_str().unwrap(), "admin", "--by", "王管理员"];
    all.extend_from_slice(args);
    all
}

fn admin(data: &Path, args: &[&str]) -> String {
    run("fieldtrail-server", "fieldtrail-server", &server_args(data, args)).unwrap()
}

fn terminal(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["--data", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    run("fieldtrail-terminal", "fieldtrail-terminal", &all).unwrap()
}

fn line<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines().find_map(|l| l.strip_prefix(label)).unwrap_or_else(|| panic!("no {label:?} in {out}")).trim()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tablet_registered_from_its_qr_text_may_sync_and_bad_texts_register_nothing() {
    let dir = TempDir::new().unwrap();
    let (data, tablet) = (dir.path().join("server"), dir.path().join("tablet"));
    let device = terminal(&tablet, &["device"]);
    let (id, key, qr) = (line(&device, "device id"), line(&device, "public key"), line(&device, "registration"));
    assert_eq!(qr, format!("FTR1:{id}:{key}"));

    // Bad texts first: each is refused with what is wrong, and no device is registered.
    let cut = &qr[..qr.len() - 10];
    for (text, says) in [
        (cut, "64 hex digits"),
        (&qr.replacen("FTR1:", "FTE1:", 1)[..], "wrong prefix"),
        ("ABCDE-FGHJK", "wrong prefix"),
        ("FTR1:", "no public key"),
    ] {
        let err = refused(
            "fieldtrail-server",
            "fieldtrail-server",
            &server_args(&data, &["register-device", "--qr", text, "--agency", AGENCY]),
        );
        assert!(err.contains("not a device registration") && err.contains(says), "{text:?}: {err}");
    }
    let both = ["register-device", "--qr", qr, "--device", id, "--public-key", key, "--agency", AGENCY];
    assert!(
        refused("fieldtrail-server", "fieldtrail-server", &server_args(&data, &both)).contains("cannot be used with")
    );
    assert_eq!(admin(&data, &["devices"]).trim(), "", "a refused text registered a device");

    assert_eq!(
        admin(&data, &["register-device", "--qr", qr, "--agency", AGENCY]).trim(),
        format!("device {id} registered for {AGENCY}")
    );
    assert!(admin(&data, &["devices"]).starts_with(&format!("{id}  {AGENCY}  active")));

    // The registered key is the tablet's own: the server answers its signed request.
    let server = InProcessServer::start(&data).await.unwrap();
    let t = fieldtrail_terminal::Terminal::open(&tablet).unwrap();
    signed_get(&format!("{}/v1/documents", server.url), &t).await.unwrap();
    server.stop().await.unwrap();
}

#[test]
fn cert_7_an_officer_enrols_with_the_scanned_code_and_bad_codes_enrol_nothing() {
    let dir = TempDir::new().unwrap();
    let (data, tablet) = (dir.path().join("server"), dir.path().join("tablet"));
    admin(&data, &["init-authority", "--name", "内蒙古自治区司法厅"]);
    let authority = admin(&data, &["authority"]);
    terminal(
        &tablet,
        &["trust", "add-authority", line(&authority, "public key"), "--name", line(&authority, "authority")],
    );
    let photo = dir.path().join("photo.png");
    image::RgbImage::from_fn(480, 640, |x, y| image::Rgb([(x / 2) as u8, (y / 3) as u8, 128])).save(&photo).unwrap();
    let package = dir.path().join("15080003.ftenrol");
    let issued = admin(
        &data,
        &[
            "issue",
            "--number",
            "15080003",
            "--name",
            "赵六",
            "--agency",
            AGENCY,
            "--category",
            "食品安全",
            "--region",
            "1508",
            "--valid-from",
            "2026-01-01",
            "--valid-to",
            "2030-12-31",
            "--photo",
            photo.to_str().unwrap(),
            "--out",
            package.to_str().unwrap(),
        ],
    );
    let code = line(&issued, "enrolment code:");
    let scanned = format!("FTE1:{code}");
    // The administrator's terminal shows the code as a QR (unicode blocks) under its text.
    assert!(issued.contains(&format!("enrolment code QR ({scanned}):")), "{issued}");
    assert!(issued.contains('█') || issued.contains('▀'), "no QR drawn: {issued}");

    let pkg = package.to_str().unwrap();
    let tablet_dir = tablet.to_str().unwrap();
    fn enrol<'a>(tablet: &'a str, pkg: &'a str, code: &'a str) -> [&'a str; 10] {
        ["--data", tablet, "officer", "enrol", "--package", pkg, "--code", code, "--pin", "615083"]
    }
    let wrong = if code == "22222-22222" { "33333-33333" } else { "22222-22222" };
    for (code, says) in [
        (&code[..code.len() - 2], "10 characters, not 8"),
        ("FTR1:ABCDE-FGHJK", "starts with FTE1:"),
        ("ABCDE-FGHJ0", "no character '0'"),
        (wrong, "code"),
    ] {
        let err = refused("fieldtrail-terminal", "fieldtrail-terminal", &enrol(tablet_dir, pkg, code));
        assert!(err.contains(says), "{code:?}: {err}");
    }
    assert_eq!(terminal(&tablet, &["officer", "list"]).trim(), "", "a refused code enrolled someone");

    run("fieldtrail-terminal", "fieldtrail-terminal", &enrol(tablet_dir, pkg, &scanned)).unwrap();
    assert!(terminal(&tablet, &["officer", "list"]).contains("15080003"));
    let t = fieldtrail_terminal::Terminal::open(&tablet).unwrap();
    assert_eq!(t.unlock("15080003", "615083").unwrap().certificate().body().name, "赵六");
}
