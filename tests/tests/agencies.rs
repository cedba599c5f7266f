//! SEC-1 and PRIV-1 end to end, with the real server binary and terminals of two agencies: each tablet sees
//! only its agency's cases, in sync and in `GET /v1/documents*`; a case claiming another agency and a change
//! to another agency's case are refused with the store unchanged while the other tablets keep syncing; a joint
//! inspection (联合检查) shared by one agency is seen and edited by both, and the share is in the document's
//! history and in the server's log, where an auditor can prove it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use automerge::sync::SyncDoc;
use automerge::{ActorId, AutoCommit};
use fieldtrail_core::protocol::ErrorBody;
use fieldtrail_core::share::{ShareAction, ShareEvent};
use fieldtrail_core::sync::seed_state;
use fieldtrail_core::trail::{hash_from_hex, hashes_from_hex, verify_inclusion};
use fieldtrail_core::{Edit, NewInspection};
use fieldtrail_terminal::{Capture, Terminal, UploadOptions, UploadOutcome};
use fieldtrail_tests::{AGENCY as A, ServerProcess, register_for, run, sample_inspection, signed_get, write_noise_wav};
use std::collections::BTreeSet;
use std::path::Path;
use tempfile::TempDir;

const B: &str = "乌拉特前旗应急管理局";

fn case(agency: &str, party: &str) -> NewInspection {
    NewInspection { agency: agency.into(), ..sample_inspection(party) }
}

fn ids(t: &Terminal) -> BTreeSet<String> {
    t.list_inspections().unwrap().into_iter().map(|s| s.id).collect()
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Every stored row but the replay counters, as an operator would compare the store before and after.
/// A signed GET's status and error code.
async fn get_status(url: &str, via: &Terminal) -> (u16, String) {
    let resp = via.signed(reqwest::Method::GET, url, None).unwrap().send().await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    let err: Option<ErrorBody> = serde_json::from_slice(&body).ok();
    (status, err.map(|e| format!("{}: {}", e.code, e.message)).unwrap_or_default())
}

fn admin(data: &Path, args: &[&str]) -> anyhow::Result<String> {
    let mut all = vec!["--data", data.to_str().unwrap(), "admin", "--by", "王管理员"];
    all.extend_from_slice(args);
    run("fieldtrail-server", "fieldtrail-server", &all)
}

fn terminal_cli(t: &Terminal, args: &[&str]) -> anyhow::Result<String> {
    let mut all = vec!["--data", t.data_dir().to_str().unwrap()];
    all.extend_from_slice(args);
    run("fieldtrail-terminal", "fieldtrail-terminal", &all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_1_priv_1_each_agency_sees_its_own_cases_and_a_joint_inspection_is_shared_on_the_record() {
    let dirs = TempDir::new().unwrap();
    let server = ServerProcess::start(&dirs.path().join("server")).unwrap();
    let (url, data) = (server.url(), server.data().to_path_buf());
    let a1 = Terminal::open(dirs.path().join("a1")).unwrap();
    let a2 = Terminal::open(dirs.path().join("a2")).unwrap();
    let b1 = Terminal::open(dirs.path().join("b1")).unwrap();
    let rogue = Terminal::open(dirs.path().join("rogue")).unwrap();
    for (t, agency) in [(&a1, A), (&a2, A), (&b1, B), (&rogue, B)] {
        register_for(&data, t, agency).unwrap();
    }

    let a_case = a1.create_inspection(&case(A, "临河区某超市")).unwrap();
    let a_case2 = a2.create_inspection(&case(A, "临河区某饭店")).unwrap();
    let b_case = b1.create_inspection(&case(B, "某石料厂")).unwrap();
    for t in [&a1, &a2, &b1, &a1] {
        t.sync(&url).await.unwrap();
    }

    // Each tablet holds exactly its agency's cases, and the server lists and shows only those.
    assert_eq!(ids(&a1), set(&[&a_case, &a_case2]));
    assert_eq!(ids(&a2), set(&[&a_case, &a_case2]));
    assert_eq!(ids(&b1), set(&[&b_case]), "agency B never receives A's cases (nor the parties' data in them)");
    let listed = |v: serde_json::Value| -> BTreeSet<String> {
        v.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(listed(signed_get(&format!("{url}/v1/documents"), &a2).await.unwrap()), set(&[&a_case, &a_case2]));
    assert_eq!(listed(signed_get(&format!("{url}/v1/documents"), &b1).await.unwrap()), set(&[&b_case]));
    // PRIV-1: another agency's case by id is answered exactly like a case that does not exist.
    let unknown = uuid_like();
    for path in ["", "/history"] {
        let (status, said) = get_status(&format!("{url}/v1/documents/{a_case}{path}"), &b1).await;
        assert_eq!((status, said.clone()), (404, format!("not_found: no document {a_case}")));
        let (status, none) = get_status(&format!("{url}/v1/documents/{unknown}{path}"), &b1).await;
        assert_eq!((status, none.replace(&unknown, &a_case)), (404, said));
    }
    assert_eq!(get_status(&format!("{url}/v1/documents/{b_case}"), &b1).await.0, 200);

    // A case that claims another agency is refused, and the store is unchanged (SEC-1). The tablet is not stuck
    // on it (SEC-3): the refused case is held back with the server's reason, and its own agency's cases still go.
    rogue.sync(&url).await.unwrap();
    let before = fieldtrail_tests::dump_server_store(&data);
    let claim = rogue.create_inspection(&case(A, "冒名案件")).unwrap();
    assert_eq!(rogue.sync(&url).await.unwrap().refused_docs, 1);
    assert_eq!(fieldtrail_tests::dump_server_store(&data), before, "a refused claim left the store as it was");
    let own = rogue.create_inspection(&case(B, "乌拉特前旗某店")).unwrap();
    assert_eq!(rogue.sync(&url).await.unwrap().refused_docs, 1, "the claim is tried again and refused again");
    let refused = rogue.status(&url).unwrap().refused;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(
        (refused[0].id.as_str(), refused[0].status, refused[0].code.as_str()),
        (claim.as_str(), 403, "agency_mismatch")
    );
    assert_eq!(get_status(&format!("{url}/v1/documents/{own}"), &b1).await.0, 200, "its own case went");
    let before = fieldtrail_tests::dump_server_store(&data);

    // A change to another agency's case (a copy taken off a stolen tablet, edited and pushed) is refused, and so
    // is a bare sync message about it, which would draw the case into the reply.
    let stolen = a1.document(&a_case).unwrap().automerge().save();
    let mut forged = AutoCommit::load(&stolen).unwrap().with_actor(ActorId::random());
    automerge::transaction::Transactable::put(&mut forged, automerge::ROOT, "result", "篡改的结论").unwrap();
    forged.commit();
    let with_changes = forged.sync().generate_sync_message(&mut seed_state(vec![])).unwrap().encode();
    let bare = AutoCommit::new().sync().generate_sync_message(&mut automerge::sync::State::new()).unwrap().encode();
    for msg in [with_changes, bare] {
        let (status, code) = push_raw(&rogue, &url, &a_case, msg).await;
        assert_eq!((status, code.as_str()), (403, "other_agency"));
        assert_eq!(fieldtrail_tests::dump_server_store(&data), before, "a refused change left the store as it was");
    }

    // The legitimate tablets keep syncing.
    a1.edit(&a_case, &[Edit::SetResult("合格".into())]).unwrap();
    for t in [&a1, &a2, &b1] {
        t.sync(&url).await.unwrap();
    }
    assert_eq!(a2.show(&a_case).unwrap().inspection.result, "合格");

    // Joint inspection: A's officer shares the case with B from the terminal's CLI, with a reason.
    let out = terminal_cli(
        &a1,
        &["inspection", "share", &a_case, "--agency", B, "--reason", "联合检查：食品安全与安全生产", "--server", &url],
    )
    .unwrap();
    assert!(out.contains("shared"), "{out}");
    b1.sync(&url).await.unwrap();
    assert_eq!(ids(&b1), set(&[&b_case, &own, &a_case]), "the shared case reaches B although it has not changed since");
    assert_eq!(b1.show(&a_case).unwrap().inspection.result, "合格");
    b1.edit(&a_case, &[Edit::SetFindings("现场发现灭火器过期".into())]).unwrap();
    b1.sync(&url).await.unwrap();
    a1.sync(&url).await.unwrap();
    assert_eq!(a1.show(&a_case).unwrap().inspection.findings, "现场发现灭火器过期", "both agencies edit it");
    assert_eq!(listed(signed_get(&format!("{url}/v1/documents"), &b1).await.unwrap()), set(&[&b_case, &own, &a_case]));

    // The share is in the case's history: who, when, why.
    let history = signed_get(&format!("{url}/v1/documents/{a_case}/history"), &b1).await.unwrap();
    let shares: Vec<&serde_json::Value> = history.as_array().unwrap().iter().filter(|h| h["kind"] == "share").collect();
    assert_eq!(shares.len(), 1, "{history:#}");
    let share = shares[0];
    assert_eq!(share["action"], "shared");
    assert_eq!(share["agency"], B);
    assert_eq!(share["by"], format!("device {}", a1.device_id()));
    assert_eq!(share["reason"], "联合检查：食品安全与安全生产");
    // ... and in the server's log: an auditor recomputes the leaf from the history entry alone and checks its
    // inclusion against the signed tree head, with the public log endpoints.
    let event: ShareEvent = serde_json::from_value(share.clone()).unwrap();
    assert_eq!(event.action, ShareAction::Shared);
    let sth: serde_json::Value = reqwest::get(format!("{url}/v1/log/sth")).await.unwrap().json().await.unwrap();
    let size = sth["size"].as_u64().unwrap();
    let leaf_hash = event.leaf().leaf_hash();
    let proof: serde_json::Value =
        reqwest::get(format!("{url}/v1/log/inclusion?leaf={}&size={size}", hex::encode(leaf_hash)))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(proof["index"], share["log_index"]);
    let path: Vec<String> = serde_json::from_value(proof["proof"].clone()).unwrap();
    let root = hash_from_hex(sth["root"].as_str().unwrap()).unwrap();
    verify_inclusion(&leaf_hash, proof["index"].as_u64().unwrap(), size, &hashes_from_hex(&path).unwrap(), &root)
        .unwrap();

    // Only the owning agency shares: B may not pass A's case on.
    let onward = terminal_cli(
        &b1,
        &["inspection", "share", &a_case, "--agency", "临河区交通运输局", "--reason", "转交", "--server", &url],
    );
    assert!(onward.unwrap_err().to_string().contains("not_owner"));

    // The administrator shares and withdraws on the record too; a withdrawn case is hidden again.
    admin(&data, &["share", "--document", &a_case2, "--agency", B, "--reason", "联合检查"]).unwrap();
    b1.sync(&url).await.unwrap();
    assert!(ids(&b1).contains(&a_case2));
    admin(&data, &["unshare", "--document", &a_case2, "--agency", B, "--reason", "检查结束"]).unwrap();
    assert_eq!(get_status(&format!("{url}/v1/documents/{a_case2}"), &b1).await.0, 404);
    let history = signed_get(&format!("{url}/v1/documents/{a_case2}/history"), &a1).await.unwrap();
    let by: Vec<(String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == "share")
        .map(|h| (h["action"].as_str().unwrap().to_owned(), h["by"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(by, [("shared".to_owned(), "王管理员".to_owned()), ("unshared".to_owned(), "王管理员".to_owned())]);
    for t in [&a1, &a2, &b1] {
        t.sync(&url).await.unwrap();
    }

    // The log, shares included, verifies.
    let out = run("fieldtrail-server", "fieldtrail-server", &["--data", data.to_str().unwrap(), "verify"]).unwrap();
    assert!(out.contains("0 problem(s)"), "{out}");
}

/// PRIV-1: a tablet learns that the server already holds an evidence file only if its own agency delivered it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priv_1_a_tablet_learns_only_of_its_own_agency_s_evidence() {
    let dirs = TempDir::new().unwrap();
    let server = ServerProcess::start(&dirs.path().join("server")).unwrap();
    let (url, data) = (server.url(), server.data().to_path_buf());
    let wav = dirs.path().join("recording.wav");
    write_noise_wav(&wav, 64 * 1024, 42).unwrap();
    let mut outcomes = Vec::new();
    for (name, agency) in [("a1", A), ("a2", A), ("b1", B)] {
        let t = Terminal::open(dirs.path().join(name)).unwrap();
        register_for(&data, &t, agency).unwrap();
        let id = t.create_inspection(&case(agency, "某商户")).unwrap();
        let e = t.add_evidence_file(&id, &wav, &Capture::default()).unwrap();
        let outcome = t.upload_evidence(&url, &e.sha256, &UploadOptions::default(), |_, _| {}).await.unwrap();
        outcomes.push((name, matches!(outcome, UploadOutcome::AlreadyOnServer)));
    }
    assert_eq!(outcomes, [("a1", false), ("a2", true), ("b1", false)], "B is not told that A holds the file");
}

async fn push_raw(t: &Terminal, url: &str, id: &str, msg: Vec<u8>) -> (u16, String) {
    let (status, error) = fieldtrail_tests::push_raw(url, t, id, msg).await;
    (status, error.code)
}

fn uuid_like() -> String {
    let bytes: [u8; 16] = rand_bytes();
    let h = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn rand_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).unwrap();
    b
}
