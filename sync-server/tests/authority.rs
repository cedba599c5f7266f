//! The issuing authority's registry (CERT-1, CERT-2): issuing, suspending, reinstating and revoking are recorded
//! with who, when and why; each change signs a new version of the revocation list; impossible changes are
//! refused and change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::identity::{CertificateKind, RevocationList, RevocationStatus};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::authority::{self, IssueRequest, StatusChange};
use fieldtrail_server::store::Store;
use tempfile::TempDir;

fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(120, 160, |x, y| image::Rgb([(x * 2) as u8, (y + 40) as u8, 90]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img).unwrap();
    out
}

fn request(number: &str) -> IssueRequest {
    IssueRequest {
        number: number.into(),
        name: "张三".into(),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec!["食品安全".into()],
        regions: vec!["1508".into()],
        valid_from: 1_767_225_600,
        valid_to: 1_924_991_999,
        kind: CertificateKind::Officer,
        photo: photo(),
        actor: "王管理员".into(),
    }
}

fn latest_list(store: &SqliteStore) -> RevocationList {
    let trust = store.transact(|tx| authority::trust_list(tx)).unwrap();
    let (_, bytes) = store.transact(|tx| tx.latest_revocation_list()).unwrap().unwrap();
    RevocationList::verify(&bytes, &trust).unwrap()
}

#[test]
fn cert_2_status_changes_are_recorded_and_re_sign_the_list() {
    let dir = TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let key_path = dir.path().join("authority.key");
    authority::init(&store, &key_path, "内蒙古自治区司法厅").unwrap();
    assert!(authority::init(&store, &key_path, "again").unwrap_err().to_string().contains("already"));
    let key = authority::load(&store, &key_path).unwrap();
    assert_eq!(latest_list(&store).version, 1, "an empty list from the start");

    let issued = authority::issue(&store, &key, &request("15080001")).unwrap();
    // CERT-3: a version 2 certificate signs its thumbnail by hash and the thumbnail travels beside it.
    assert_eq!(issued.certificate.body().photo_sha256.len(), 16);
    assert!(issued.certificate.body().photo.is_empty(), "the photo is not packed into the certificate");
    assert!(issued.package.photo.len() < 2_000, "a thumbnail, not the photo");
    assert!(issued.certificate.photo_matches(&issued.package.photo));
    assert!(authority::issue(&store, &key, &request("15080001")).is_err(), "numbers are unique");
    let mut no_scope = request("15080009");
    no_scope.categories.clear();
    assert!(authority::issue(&store, &key, &no_scope).is_err());
    let mut bad_photo = request("15080010");
    bad_photo.photo = b"not an image".to_vec();
    assert!(authority::issue(&store, &key, &bad_photo).unwrap_err().to_string().contains("photo"));

    let v = authority::change_status(&store, &key, "15080001", StatusChange::Suspend, "李科长", "涉嫌违纪").unwrap();
    assert_eq!(v, 2);
    assert_eq!(latest_list(&store).entries[0].status, RevocationStatus::Suspended);
    assert!(authority::change_status(&store, &key, "15080001", StatusChange::Suspend, "x", "again").is_err());
    assert_eq!(
        authority::change_status(&store, &key, "15080001", StatusChange::Reinstate, "李科长", "调查结束").unwrap(),
        3
    );
    assert!(latest_list(&store).entries.is_empty(), "reinstated: off the list");
    assert!(authority::change_status(&store, &key, "15080001", StatusChange::Reinstate, "x", "not suspended").is_err());
    assert_eq!(
        authority::change_status(&store, &key, "15080001", StatusChange::Revoke, "王管理员", "调离").unwrap(),
        4
    );
    let list = latest_list(&store);
    assert_eq!((list.version, list.entries[0].status), (4, RevocationStatus::Revoked));
    let refused = authority::change_status(&store, &key, "15080001", StatusChange::Reinstate, "x", "undo");
    assert!(refused.unwrap_err().to_string().contains("for good"));
    assert!(authority::change_status(&store, &key, "99999999", StatusChange::Revoke, "x", "?").is_err());
    assert_eq!(latest_list(&store).version, 4, "refused changes sign nothing");

    let events = store.transact(|tx| tx.certificate_events("15080001")).unwrap();
    let summary: Vec<(&str, &str, &str)> =
        events.iter().map(|e| (e.event.as_str(), e.actor.as_str(), e.reason.as_str())).collect();
    assert_eq!(
        summary,
        [
            ("issued", "王管理员", ""),
            ("suspended", "李科长", "涉嫌违纪"),
            ("reinstated", "李科长", "调查结束"),
            ("revoked", "王管理员", "调离")
        ]
    );
    assert!(events.iter().all(|e| !e.at.is_empty()));

    // The key file is the authority's alone, and a foreign key file is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let other = TempDir::new().unwrap();
    let other_store = SqliteStore::open(other.path()).unwrap();
    authority::init(&other_store, &other.path().join("authority.key"), "别的机关").unwrap();
    assert!(authority::load(&store, &other.path().join("authority.key")).is_err());
}
