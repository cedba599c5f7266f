//! Where (REC-1, REC-2) on a real terminal: a real SQLite file in a temporary data directory, real JPEG bytes,
//! and the real `fieldtrail-terminal` binary for `--position`, `export` and `verify-bundle`. There is no GPS
//! here: positions are typed in (`--position`, source "entered") or absent with their reason.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc, Value};
use fieldtrail_core::{AbsenceReason, Fix, Position, PositionSource};
use fieldtrail_terminal::{Capture, Terminal};
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;
mod common;

use common::new_inspection;

fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img).unwrap();
    out
}

fn fix(text: &str) -> Position {
    Position::Fix(Fix::parse(text, chrono::Utc::now(), PositionSource::Entered).unwrap())
}

/// REC-1, REC-2: the start position and each capture's position (fix or absence with its reason) are stored in
/// the SQLite file and read back by a terminal opened afresh; each capture's signature verifies with it.
#[test]
fn rec1_rec2_positions_survive_reopening_the_store() {
    let dir = TempDir::new().unwrap();
    let start = fix("40.7574,107.3940,12");
    let (id, captures) = {
        let t = Terminal::open(dir.path()).unwrap();
        let id = t.create_inspection(&new_inspection(start.clone())).unwrap();
        let mut captures = Vec::new();
        for (n, position) in [
            fix("40.7575,107.3941,8"),
            Position::absent(AbsenceReason::NoFix),
            Position::absent(AbsenceReason::PermissionRefused),
        ]
        .into_iter()
        .enumerate()
        {
            // Different bytes per capture: the same file twice is one evidence item.
            let mut bytes = photo();
            bytes.extend_from_slice(&[n as u8; 8]);
            let e =
                t.add_evidence(&id, bytes.as_slice(), &Capture { position: position.clone(), ..Default::default() });
            captures.push((e.unwrap().sha256, position));
        }
        // A caller without a position source (the default capture) records exactly that.
        let e = t.add_evidence(&id, photo().as_slice(), &Capture::default()).unwrap();
        captures.push((e.sha256, Position::absent(AbsenceReason::NoSource)));
        (id, captures)
    };
    let t = Terminal::open(dir.path()).unwrap();
    assert_eq!(t.show(&id).unwrap().inspection.position, Some(start));
    let listed = t.list_evidence(&id).unwrap();
    assert_eq!(listed.len(), captures.len());
    for (sha, position) in captures {
        let e = listed.iter().find(|e| e.sha256 == sha).unwrap();
        assert_eq!(e.position.as_ref(), Some(&position), "{sha}");
        assert_eq!(e.latitude, position.fix().map(|f| f.latitude), "the fix also fills the evidence's coordinates");
        assert!(Terminal::verify_evidence_signature(e), "{sha}");
    }
}

/// REC-2, TRAIL-1: a capture's position rewritten in the SQLite file, even by a valid automerge change, no
/// longer matches the device's signature.
#[test]
fn rec2_a_position_rewritten_in_the_store_fails_its_signature() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = t.create_inspection(&new_inspection(fix("40.7574,107.3940,12"))).unwrap();
    let e = t.add_evidence(
        &id,
        photo().as_slice(),
        &Capture { position: fix("40.7574,107.3940,12"), ..Default::default() },
    );
    assert!(Terminal::verify_evidence_signature(&e.unwrap()));
    let mut doc = t.document(&id).unwrap();
    let am = doc.automerge();
    let Some((Value::Object(ObjType::List), list)) = am.get(ROOT, "evidence").unwrap() else { panic!() };
    let (_, item) = am.get(&list, 0).unwrap().unwrap();
    let (_, pos) = am.get(&item, "position").unwrap().unwrap();
    am.put(&pos, "latitude", 41.0).unwrap();
    let moved = &doc.evidence().unwrap()[0];
    assert_eq!(moved.position.as_ref().and_then(Position::fix).map(|f| f.latitude), Some(41.0));
    assert!(!Terminal::verify_evidence_signature(moved), "a moved position still verifies");
}

fn cli(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldtrail-terminal")).arg("--data").arg(data).args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// REC-1, REC-2, TRAIL-3: `--position` on `inspection new` and `evidence add` is recorded, shown, exported and
/// verified by `verify-bundle`; the same bundle with the evidence's position moved fails; a bad `--position`
/// is refused with the expected form and records nothing.
#[test]
fn rec2_cli_position_is_verified_in_the_bundle_and_tampering_fails() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let new = [
        "inspection",
        "new",
        "--item-code",
        "SC-0101",
        "--item-name",
        "食品经营许可事项检查",
        "--party-name",
        "临河区某超市",
    ];
    let bad = cli(&data, &[&new[..], &["--position", "95,107.39,10"]].concat());
    assert!(!bad.status.success());
    assert!(text(&bad).contains("latitude 95 is not between -90 and 90"), "{}", text(&bad));
    let out = cli(&data, &[&new[..], &["--position", "40.7574,107.3940,12"]].concat());
    assert!(out.status.success(), "{}", text(&out));
    let list = cli(&data, &["inspection", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "the refused inspection was not created");
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let shown = text(&cli(&data, &["inspection", "show", &id]));
    assert!(shown.contains("40.757400,107.394000 ±12 m at") && shown.contains("(entered)"), "{shown}");

    let file = dir.path().join("photo.jpg");
    std::fs::write(&file, photo()).unwrap();
    let f = file.to_str().unwrap();
    let bad = cli(&data, &["evidence", "add", &id, f, "--position", "40.7,107.3"]);
    assert!(!bad.status.success() && text(&bad).contains("LATITUDE,LONGITUDE,ACCURACY_M"), "{}", text(&bad));
    let added = cli(&data, &["evidence", "add", &id, f, "--position", "40.7575,107.3941,8", "--json"]);
    assert!(added.status.success(), "{}", text(&added));
    let listed = text(&cli(&data, &["evidence", "list", &id]));
    assert!(listed.contains("[40.757500,107.394100 ±8 m at") && listed.contains("signed"), "{listed}");

    let bundle = dir.path().join("case.ftbundle");
    assert!(cli(&data, &["inspection", "export", &id, "--out", bundle.to_str().unwrap()]).status.success());
    let report = text(&cli(&data, &["verify-bundle", bundle.to_str().unwrap()]));
    let evidence_line = |report: &str| report.lines().find(|l| l.contains("evidence ")).unwrap_or("").to_owned();
    assert!(report.contains("40.757400,107.394000 ±12 m"), "the start position is reported: {report}");
    let line = evidence_line(&report);
    assert!(line.contains("intact; signed by device; 40.757500,107.394100 ±8 m"), "{report}");

    // Move the evidence's position inside the bundle's document by a valid change, as a forger would.
    let forged = dir.path().join("forged.ftbundle");
    rewrite_document(&bundle, &forged, |am| {
        let Some((Value::Object(ObjType::List), list)) = am.get(ROOT, "evidence").unwrap() else { panic!() };
        let (_, item) = am.get(&list, 0).unwrap().unwrap();
        let (_, pos) = am.get(&item, "position").unwrap().unwrap();
        am.put(&pos, "longitude", 107.5).unwrap();
    });
    let out = cli(&data, &["verify-bundle", forged.to_str().unwrap()]);
    let report = text(&out);
    assert!(!out.status.success(), "{report}");
    let line = evidence_line(&report);
    assert!(line.contains("does not verify") && !line.contains("intact"), "{report}");
}

/// Copies a bundle, passing its document through `change`.
fn rewrite_document(from: &Path, to: &Path, change: impl Fn(&mut automerge::AutoCommit)) {
    use std::io::Read;
    let mut archive = tar::Archive::new(std::fs::File::open(from).unwrap());
    let mut out = tar::Builder::new(std::fs::File::create(to).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "document.automerge" {
            let mut am = automerge::AutoCommit::load(&bytes).unwrap();
            change(&mut am);
            bytes = am.save();
        }
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o444);
        header.set_cksum();
        out.append_data(&mut header, &name, bytes.as_slice()).unwrap();
    }
    out.finish().unwrap();
}
