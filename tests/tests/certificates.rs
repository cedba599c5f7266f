//! Certificates end to end (CERT-1 to CERT-5, CERT-7): the administrator issues two certificates and registers
//! two terminals with the real `fieldtrail-server admin` commands; the terminals are provisioned with the
//! authority's key (`admin authority`, `fieldtrail-terminal trust add-authority`); both officers enrol on one
//! terminal (one of them with the real `fieldtrail-terminal officer enrol`), present, lock and sync; the administrator revokes
//! one; a second terminal that syncs then refuses that officer's next presentation with no network at all.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::identity::Verdict;
use fieldtrail_core::{Edit, Status};
use fieldtrail_terminal::Terminal;
use fieldtrail_tests::{ServerProcess, run, sample_inspection, signed_get};
use std::path::Path;
use tempfile::TempDir;

const PIN_A: &str = "482913";
const PIN_B: &str = "739251";
const PIN_C: &str = "615083";

fn admin(data: &Path, args: &[&str]) -> String {
    let mut all = vec!["--data", data.to_str().unwrap(), "admin", "--by", "王管理员"];
    all.extend_from_slice(args);
    run("fieldtrail-server", "fieldtrail-server", &all).unwrap()
}

/// Issues a certificate with the admin command; returns (package path, code).
fn issue(data: &Path, dir: &Path, number: &str, name: &str) -> (std::path::PathBuf, String) {
    let photo = dir.join(format!("{number}.jpg"));
    let img = image::RgbImage::from_fn(480, 640, |x, y| image::Rgb([(x / 2) as u8, (y / 3) as u8, 128]));
    img.save(&photo).unwrap();
    let package = dir.join(format!("{number}.ftenrol"));
    let out = admin(
        data,
        &[
            "issue",
            "--number",
            number,
            "--name",
            name,
            "--agency",
            "巴彦淖尔市市场监督管理局",
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
    let code = out.lines().find_map(|l| l.strip_prefix("enrolment code:")).unwrap().trim().to_owned();
    (package, code)
}

/// Provisions the terminal in `terminal_dir` with the server's authority key, with the real commands (SEC-8).
fn provision(data: &Path, terminal_dir: &Path) {
    let out = admin(data, &["authority"]);
    let line = |label: &str| out.lines().find_map(|l| l.strip_prefix(label)).unwrap().trim().to_owned();
    let (name, key) = (line("authority"), line("public key"));
    let dir = terminal_dir.to_str().unwrap();
    let args = ["--data", dir, "trust", "add-authority", &key, "--name", &name];
    assert!(run("fieldtrail-terminal", "fieldtrail-terminal", &args).unwrap().contains("trusting"));
}

fn register(data: &Path, t: &Terminal) {
    let key = t.device_public_key().unwrap();
    admin(
        data,
        &["register-device", "--device", t.device_id(), "--public-key", &key, "--agency", "巴彦淖尔市市场监督管理局"],
    );
}

fn new_case(t: &Terminal) -> String {
    let id = t.create_inspection(&sample_inspection("临河区某超市")).unwrap();
    t.edit(&id, &[Edit::SetScope { category: "食品安全".into(), region: "150802".into() }]).unwrap();
    id
}

#[test]
fn cert_2_revoked_officer_is_refused_offline_after_the_next_sync() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let mut server = ServerProcess::start(&data).unwrap();
    let url = server.url();
    assert!(admin(&data, &["init-authority", "--name", "内蒙古自治区司法厅"]).contains("created"));
    let (pkg_a, code_a) = issue(&data, dir.path(), "15080001", "张三");
    let (pkg_b, code_b) = issue(&data, dir.path(), "15080002", "李四");
    let (pkg_c, code_c) = issue(&data, dir.path(), "15080003", "王五");
    assert!(admin(&data, &["certificates"]).contains("15080002  李四"));

    // Terminal 1: both officers, one enrolled with the CLI as the README shows.
    let t1_dir = dir.path().join("t1");
    provision(&data, &t1_dir);
    let out = run(
        "fieldtrail-terminal",
        "fieldtrail-terminal",
        &[
            "--data",
            t1_dir.to_str().unwrap(),
            "officer",
            "enrol",
            "--package",
            pkg_a.to_str().unwrap(),
            "--code",
            &code_a,
            "--pin",
            PIN_A,
        ],
    )
    .unwrap();
    assert!(out.contains("enrolled 张三"), "{out}");
    let t1 = Terminal::open(&t1_dir).unwrap();
    t1.enrol(&std::fs::read(&pkg_b).unwrap(), &code_b, PIN_B).unwrap();
    register(&data, &t1);
    // Terminal 2: another officer; and officer B also works on this tablet.
    provision(&data, &dir.path().join("t2"));
    let t2 = Terminal::open(dir.path().join("t2")).unwrap();
    t2.enrol(&std::fs::read(&pkg_c).unwrap(), &code_c, PIN_C).unwrap();
    t2.enrol(&std::fs::read(&pkg_b).unwrap(), &code_b, PIN_B).unwrap();
    register(&data, &t2);

    // Both officers present on terminal 1; the case locks and reaches the server.
    let a = t1.unlock("15080001", PIN_A).unwrap();
    let b = t1.unlock("15080002", PIN_B).unwrap();
    let case = new_case(&t1);
    let shown_a = t1.present(&case, &a).unwrap();
    assert_eq!(t1.lock(&case, &a).unwrap_err().code(), "not_enough_officers");
    t1.present(&case, &b).unwrap();
    t1.lock(&case, &a).unwrap();
    rt.block_on(t1.sync(&url)).unwrap();
    let on_server = rt.block_on(signed_get(&format!("{url}/v1/documents/{case}"), &t1)).unwrap();
    assert_eq!(on_server["inspection"]["status"], "locked");
    assert_eq!(on_server["inspection"]["presentations"].as_array().unwrap().len(), 2);

    // The party's phone checks the QR on the public page.
    let qr = shown_a.to_qr_text();
    let check: serde_json::Value = rt
        .block_on(async { reqwest::get(format!("{url}/v1/verify?qr={}", urlencode(&qr))).await?.json().await })
        .unwrap();
    assert_eq!(check["verdict"], "valid", "{check}");
    assert_eq!(check["certificate"]["name"], "张三");

    // The administrator revokes B. Terminal 2 syncs and learns it; terminal 1 stays offline.
    assert!(admin(&data, &["revoke", "--number", "15080002", "--reason", "调离执法岗位"]).contains("version 2"));
    let report = rt.block_on(t2.sync(&url)).unwrap();
    assert_eq!(report.revocation_version, 2);
    let page = rt
        .block_on(async {
            reqwest::get(format!("{url}/verify?qr={}", urlencode(&b_presentation(&t1, &b)))).await?.text().await
        })
        .unwrap();
    assert!(page.contains("已缴销"), "the public page says revoked");
    server.stop().unwrap();

    // No network from here on. B presents on terminal 1, which has not heard of the revocation...
    let next = new_case(&t1);
    let shown_b = t1.present(&next, &b).unwrap();
    // ...and terminal 2 refuses it, offline, saying how old its list is.
    let v = t2.verify_qr(&shown_b.to_qr_text(), Some(&next)).unwrap();
    assert_eq!(v.verdict, Verdict::Revoked, "{}", v.detail);
    assert_eq!(v.revocation_version, Some(2));
    assert!(v.revocation_age.unwrap() < 600);
    assert_eq!(v.certificate.unwrap().name, "李四");
    // A is still fine; B cannot present on terminal 2 at all.
    let shown_a2 = t1.present(&next, &a).unwrap();
    assert_eq!(t2.verify_qr(&shown_a2.to_qr_text(), Some(&next)).unwrap().verdict, Verdict::Valid);
    let b_on_t2 = t2.unlock("15080002", PIN_B).unwrap();
    let err = t2.present(&new_case(&t2), &b_on_t2).unwrap_err();
    assert_eq!(err.code(), "certificate_not_valid", "{err}");
    assert!(err.to_string().contains("revoked"), "{err}");
    // The locked case stays locked.
    assert_eq!(t1.show(&case).unwrap().inspection.status, Status::Locked);
}

fn b_presentation(t: &Terminal, b: &fieldtrail_terminal::UnlockedOfficer) -> String {
    t.present(&new_case(t), b).unwrap().to_qr_text()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
