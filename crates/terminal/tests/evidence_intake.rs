//! Evidence intake on real media made by real tools (scripts/test-media.sh: ImageMagick, exiftool, ffmpeg,
//! sox): REC-2 (hashed at capture, content-addressed, who/when/where/device, signed) and the bad cases.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use fieldtrail_core::MediaKind;
use fieldtrail_terminal::{Capture, Terminal};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use tempfile::TempDir;
mod common;

use common::{inspection, sha256sum};

/// The generated media, made once per test binary (the script itself skips files that exist).
fn media() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join("fieldtrail-test-media");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-media.sh");
        let status = Command::new("bash").arg(&script).arg(&dir).stdout(std::process::Stdio::null()).status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "{} failed: install the packages of scripts/apt-test-packages.txt",
            script.display()
        );
        dir
    })
}

/// Every regular file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(files(&p)) } else { out.push(p) }
        }
    }
    out
}

fn add(t: &Terminal, id: &str, name: &str) -> fieldtrail_terminal::Result<fieldtrail_core::Evidence> {
    t.add_evidence_file(id, &media().join(name), &Capture::default())
}

/// REC-2: a JPEG with EXIF GPS and rotation: hash, content address, EXIF time, place, orientation, an upright
/// thumbnail, a device signature over hash/time/place/device, and an entry in the inspection document.
#[test]
fn rec2_jpeg_with_exif_gps_and_rotation() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = inspection(&t);
    let e = add(&t, &id, "photo_gps_rot.jpg").unwrap();

    assert_eq!(e.sha256, sha256sum(&media().join("photo_gps_rot.jpg")));
    let blob = dir.path().join("blobs").join(&e.sha256[0..2]).join(&e.sha256[2..4]).join(&e.sha256);
    assert_eq!(t.evidence_path(&e.sha256).unwrap(), blob);
    assert_eq!(sha256sum(&blob), e.sha256);
    assert_eq!(std::fs::metadata(&blob).unwrap().len(), e.size);
    assert_eq!((e.kind, e.media_type.as_str()), (MediaKind::Photo, "image/jpeg"));
    assert_eq!(e.exif_time.as_deref(), Some("2026:11:20 09:30:15"));
    assert!((e.latitude.unwrap() - 40.7574).abs() < 1e-4, "{:?}", e.latitude);
    assert!((e.longitude.unwrap() - 107.3877).abs() < 1e-4, "{:?}", e.longitude);
    assert_eq!(e.orientation, Some(6));
    assert_eq!((e.width, e.height), (Some(640), Some(480)));
    assert_eq!(e.device_id, t.device_id());
    assert_eq!(e.original_name, "photo_gps_rot.jpg");
    assert!(e.officer_signature.is_none(), "officer keys come with certificates");
    assert!(Terminal::verify_evidence_signature(&e));

    // Orientation 6 turns the 640×480 landscape upright: the thumbnail is portrait.
    let thumb = t.evidence_thumbnail(&e.sha256).unwrap().expect("a photo has a thumbnail");
    let out = Command::new("identify").args(["-format", "%w %h"]).arg(&thumb).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "240 320");

    // The document holds the entry, not the bytes.
    assert_eq!(t.list_evidence(&id).unwrap(), vec![e.clone()]);
    let saved = t.document(&id).unwrap().save();
    assert!(saved.len() < 4096, "document is {} bytes: evidence bytes must stay out", saved.len());

    // A changed place or time breaks the signature.
    let mut forged = e.clone();
    forged.latitude = Some(41.0);
    assert!(!Terminal::verify_evidence_signature(&forged));
    let mut forged = e;
    forged.captured_at = "2020-01-01T00:00:00.000Z".into();
    assert!(!Terminal::verify_evidence_signature(&forged));
}

/// REC-2: the app's GPS fix at capture wins over the file's EXIF; the officer is recorded and signed over.
#[test]
fn rec2_capture_position_and_officer_are_signed() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = inspection(&t);
    let capture = Capture {
        position: fieldtrail_core::Position::Fix(
            fieldtrail_core::Fix::parse("40.75,107.39,8", chrono::Utc::now(), fieldtrail_core::PositionSource::Entered)
                .unwrap(),
        ),
        officer: Some("15080001".into()),
        signer: None,
        original_name: "现场照片.jpg".into(),
    };
    let e = t.add_evidence_file(&id, &media().join("photo_gps_rot.jpg"), &capture).unwrap();
    assert_eq!((e.latitude, e.longitude), (Some(40.75), Some(107.39)));
    assert_eq!(e.officer.as_deref(), Some("15080001"));
    assert_eq!(e.original_name, "现场照片.jpg");
    assert!(Terminal::verify_evidence_signature(&e));
    let mut forged = e;
    forged.officer = Some("15080002".into());
    assert!(!Terminal::verify_evidence_signature(&forged));
}

/// REC-2: PNG, H.264 MP4, AAC M4A and WAV, each typed from its bytes, with durations from the container.
#[test]
fn rec2_png_mp4_m4a_wav() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = inspection(&t);

    let png = add(&t, &id, "photo.png").unwrap();
    assert_eq!((png.kind, png.media_type.as_str()), (MediaKind::Photo, "image/png"));
    assert_eq!((png.width, png.height, png.latitude), (Some(300), Some(200), None));
    assert!(t.evidence_thumbnail(&png.sha256).unwrap().unwrap().exists());

    let mp4 = add(&t, &id, "video.mp4").unwrap();
    assert_eq!((mp4.kind, mp4.media_type.as_str()), (MediaKind::Video, "video/mp4"));
    let ms = mp4.duration_ms.expect("mp4 duration");
    assert!((1900..=2200).contains(&ms), "mp4 lasts 2 s, read {ms} ms");
    assert_eq!(t.evidence_thumbnail(&mp4.sha256).unwrap(), None);

    let m4a = add(&t, &id, "audio.m4a").unwrap();
    assert_eq!(m4a.kind, MediaKind::Audio, "{}", m4a.media_type);
    let ms = m4a.duration_ms.expect("m4a duration");
    assert!((2900..=3200).contains(&ms), "m4a lasts 3 s, read {ms} ms");

    let wav = add(&t, &id, "audio.wav").unwrap();
    assert_eq!((wav.kind, wav.media_type.as_str()), (MediaKind::Audio, "audio/x-wav"));
    assert_eq!(wav.duration_ms, Some(2500));

    let listed: Vec<_> = t.list_evidence(&id).unwrap().into_iter().map(|e| e.sha256).collect();
    assert_eq!(listed, vec![png.sha256, mp4.sha256, m4a.sha256, wav.sha256]);
}

/// REC-2: content addressing: the same bytes twice are stored once, and listed once per inspection.
#[test]
fn rec2_same_file_twice_is_stored_once() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let a = inspection(&t);
    let b = inspection(&t);
    let first = add(&t, &a, "video.mp4").unwrap();
    let again = add(&t, &a, "video.mp4").unwrap();
    assert_eq!(first, again, "the first record stands");
    add(&t, &b, "video.mp4").unwrap();
    assert_eq!(t.list_evidence(&a).unwrap().len(), 1);
    assert_eq!(t.list_evidence(&b).unwrap().len(), 1);
    assert_eq!(files(&dir.path().join("blobs")).len(), 1);
    assert!(files(&dir.path().join("tmp")).is_empty(), "no intake leftovers");
}

/// REC-2 bad cases: each refused with a stable code and a clear message, leaving nothing behind; a file whose
/// extension lies is typed by its bytes.
#[test]
fn rec2_bad_files_are_refused_cleanly() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = inspection(&t);

    let err = add(&t, &id, "truncated.jpg").unwrap_err();
    assert_eq!(err.code(), "image_refused", "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");

    let err = add(&t, &id, "empty.jpg").unwrap_err();
    assert_eq!(err.code(), "evidence_empty", "{err}");

    let err = add(&t, &id, "bomb.png").unwrap_err();
    assert_eq!(err.code(), "image_refused", "{err}");
    assert!(err.to_string().contains("60000"), "{err}");

    let err = add(&t, &id, "notes.mp4").unwrap_err();
    assert_eq!(err.code(), "evidence_unsupported", "{err}");

    let err = t.add_evidence_file(&id, Path::new("/nonexistent/x.jpg"), &Capture::default()).unwrap_err();
    assert_eq!(err.code(), "evidence_io", "{err}");
    let err = add(&t, "no-such-inspection", "photo.png").unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");

    assert!(files(&dir.path().join("blobs")).is_empty(), "nothing refused is kept");
    assert!(files(&dir.path().join("tmp")).is_empty(), "no intake leftovers");
    assert!(t.list_evidence(&id).unwrap().is_empty());

    // lying.jpg is a WAV: the name is not trusted.
    let e = add(&t, &id, "lying.jpg").unwrap();
    assert_eq!((e.kind, e.media_type.as_str()), (MediaKind::Audio, "audio/x-wav"));
    assert_eq!(e.original_name, "lying.jpg");
}

/// REC-2 / SYNC-4: `verify` re-hashes every file and reports exactly the one with a changed byte, and a
/// missing one; the CLI exits non-zero.
#[test]
fn rec2_verify_reports_exactly_the_changed_file() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = inspection(&t);
    let photo = add(&t, &id, "photo_gps_rot.jpg").unwrap();
    let video = add(&t, &id, "video.mp4").unwrap();
    let wav = add(&t, &id, "audio.wav").unwrap();
    assert!(t.verify_evidence().unwrap().is_clean());

    let cli = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_fieldtrail-terminal"))
            .arg("--data")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    assert!(cli(&["verify"]).status.success());

    // Change one byte in the middle of the video.
    let path = t.evidence_path(&video.sha256).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    assert!(perms.readonly(), "stored evidence is read-only");
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();

    let report = t.verify_evidence().unwrap();
    assert_eq!(report.checked, 3);
    assert_eq!(report.changed, vec![video.sha256.clone()]);
    assert!(report.missing.is_empty());

    std::fs::remove_file(t.evidence_path(&wav.sha256).unwrap()).unwrap();
    let report = t.verify_evidence().unwrap();
    assert_eq!(report.changed, vec![video.sha256.clone()]);
    assert_eq!(report.missing, vec![wav.sha256.clone()]);

    let out = cli(&["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("changed  {}", video.sha256)), "{stdout}");
    assert!(stdout.contains(&format!("missing  {}", wav.sha256)), "{stdout}");
    assert!(!stdout.contains(&photo.sha256), "{stdout}");
}

/// The CLI takes a file into an inspection and lists it.
#[test]
fn cli_evidence_add_and_list() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = inspection(&t);
    drop(t);
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_fieldtrail-terminal"))
            .arg("--data")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let photo = media().join("photo_gps_rot.jpg");
    let sha = cli(&["evidence", "add", &id, photo.to_str().unwrap()]);
    assert_eq!(sha.trim(), sha256sum(&photo));
    let list = cli(&["evidence", "list", &id]);
    assert!(list.contains(sha.trim()) && list.contains("signed") && list.contains("40.75740"), "{list}");
}

/// REC-2: garbage behind a JPEG or PNG signature, or a real header followed by noise, is refused with a clear
/// error; the decoders never take the terminal down.
#[test]
fn rec2_corrupt_images_are_refused_not_fatal() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let id = inspection(&t);
    let real = std::fs::read(media().join("photo_gps_rot.jpg")).unwrap();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    };
    let mut cases: Vec<Vec<u8>> = Vec::new();
    for cut in [600, 2000, real.len() / 3] {
        let mut v = real[..cut].to_vec();
        v.extend(noise(4000));
        v.extend_from_slice(&[0xFF, 0xD9]); // an end marker, so only the decoder can tell
        cases.push(v);
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(noise(3000));
    cases.push(png);
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend(noise(3000));
    cases.push(jpeg);
    for (i, bytes) in cases.iter().enumerate() {
        match t.add_evidence(&id, bytes.as_slice(), &Capture::default()) {
            Err(e) => assert_eq!(e.code(), "image_refused", "case {i}: {e}"),
            // A decoder may accept noise after a valid header as (garbled) pixels; then it is kept as bytes.
            Ok(e) => assert_eq!(e.kind, MediaKind::Photo, "case {i}"),
        }
    }
    assert!(files(&dir.path().join("tmp")).is_empty(), "no intake leftovers");
}

/// SEC-8 (issue 9): a 40-byte MP4 whose second box's 64-bit size overflows the reading position made the real
/// `evidence add` spin forever in release builds and panic in debug builds. The box reader now calls the size an
/// error; the file is still taken as video evidence (hashed and signed), its duration unknown. The crasher is kept
/// in tests/fuzz-crashers/mp4/, which the fuzz harness's tests replay too.
#[test]
fn sec_8_mp4_with_an_overflowing_box_size_neither_hangs_nor_panics() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fuzz-crashers/mp4/15b8323aad7abb6215505a4c310a9de438d861c6e3654292f45b62763fbce243.bin");
    let bytes = std::fs::read(&fixture).unwrap();
    assert_eq!(bytes.len(), 40);
    let err = fieldtrail_terminal::evidence::media::mp4_duration_ms(&mut std::io::Cursor::new(&bytes)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{err}");
    assert!(err.to_string().contains("box"), "{err}");

    let dir = TempDir::new().unwrap();
    let data = dir.path().join("terminal");
    let id = inspection(&Terminal::open(&data).unwrap());
    let clip = dir.path().join("clip.mp4");
    std::fs::write(&clip, &bytes).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldtrail-terminal"))
        .arg("--data")
        .arg(&data)
        .args(["evidence", "add", &id])
        .arg(&clip)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A watchdog, not a timing claim: a minute is far beyond any answer and far short of "forever".
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("evidence add still runs after a minute on a 40-byte MP4: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), sha256sum(&clip));
    let evidence = Terminal::open(&data).unwrap().list_evidence(&id).unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!((evidence[0].kind, evidence[0].media_type.as_str()), (MediaKind::Video, "video/mp4"));
    assert_eq!(evidence[0].duration_ms, None, "the duration the file does not state is unknown, not invented");
}
