//! The walking skeleton end to end: a real fieldtrail-server process on 127.0.0.1 and three terminals with
//! their own data directories (REC-1, SYNC-1, SYNC-2, SYNC-4).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::{CheckResult, Edit, InspectionView};
use fieldtrail_terminal::{Error, Terminal};
use fieldtrail_tests::{ServerProcess, register, sample_inspection, server_document, signed_get};
use tempfile::TempDir;

struct World {
    _dirs: TempDir,
    server: ServerProcess,
    a: Terminal,
    b: Terminal,
    c: Terminal,
}

fn world() -> World {
    let dirs = TempDir::new().unwrap();
    let server = ServerProcess::start(&dirs.path().join("server")).unwrap();
    let open = |name: &str| Terminal::open(dirs.path().join(name)).unwrap();
    let (a, b, c) = (open("a"), open("b"), open("c"));
    for t in [&a, &b, &c] {
        register(server.data(), t).unwrap();
    }
    World { server, a, b, c, _dirs: dirs }
}

fn heads(t: &Terminal, id: &str) -> Vec<String> {
    let mut heads: Vec<String> = t.document(id).unwrap().heads().iter().map(|h| h.to_string()).collect();
    heads.sort();
    heads
}

/// SYNC-1, SYNC-2, SYNC-4: A and B edit the same inspection offline; whichever syncs first, every terminal and
/// the server end identical, the different fields merged and the result a conflict with both values; the
/// server restarts between syncs and loses nothing.
fn scenario(a_first: bool) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut w = world();
    let url = w.server.url();

    // C opens the case (a dispatcher's terminal); A and B receive it.
    let id = w.c.create_inspection(&sample_inspection("临河区某超市")).unwrap();
    rt.block_on(w.c.sync(&url)).unwrap();
    rt.block_on(w.a.sync(&url)).unwrap();
    rt.block_on(w.b.sync(&url)).unwrap();
    assert_eq!(heads(&w.a, &id), heads(&w.c, &id));
    let item = w.b.show(&id).unwrap().inspection.checklist[1].id.clone();

    // Offline: the server is down while both officers work.
    w.server.stop().unwrap();
    w.a.edit(&id, &[Edit::SetFindings("冷柜温度 9℃，超过标准。".into()), Edit::SetResult("责令改正".into())]).unwrap();
    w.b.edit(&id, &[Edit::SetChecklistResult { item_id: item.clone(), result: CheckResult::Fail }]).unwrap();
    w.b.edit(&id, &[Edit::SetResult("合格".into())]).unwrap();
    let err = rt.block_on(w.a.sync(&url)).unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err}");
    assert_eq!(w.a.show(&id).unwrap().inspection.result, "责令改正", "a failed sync loses nothing");
    assert_eq!(w.a.unsynced().unwrap(), vec![id.clone()]);

    w.server.restart().unwrap();
    let (first, second) = if a_first { (&w.a, &w.b) } else { (&w.b, &w.a) };
    rt.block_on(first.sync(&url)).unwrap();
    w.server.restart().unwrap();
    rt.block_on(second.sync(&url)).unwrap();
    w.server.restart().unwrap();
    for t in [&w.a, &w.b, &w.c] {
        rt.block_on(t.sync(&url)).unwrap();
    }

    // Identical documents everywhere: same heads on the three terminals and the server.
    let server_view = rt.block_on(server_document(&url, &id, &w.c)).unwrap();
    let mut server_heads: Vec<String> =
        server_view["heads"].as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_owned()).collect();
    server_heads.sort();
    assert_eq!(server_heads.len(), 2, "two concurrent branches: {server_heads:?}");
    for t in [&w.a, &w.b, &w.c] {
        assert_eq!(heads(t, &id), server_heads);
        assert!(t.unsynced().unwrap().is_empty());
    }
    let view: InspectionView = w.c.show(&id).unwrap();
    assert_eq!(view, w.a.show(&id).unwrap());
    assert_eq!(view, w.b.show(&id).unwrap());
    assert_eq!(serde_json::to_value(&view.inspection).unwrap(), server_view["inspection"]);

    // Non-conflicting edits merged; the result is a conflict with both values.
    assert_eq!(view.inspection.findings, "冷柜温度 9℃，超过标准。");
    assert_eq!(view.inspection.checklist[1].result, CheckResult::Fail);
    assert_eq!(view.conflicts.len(), 1, "{:?}", view.conflicts);
    assert_eq!(view.conflicts[0].field, "result");
    let mut values: Vec<String> = view.conflicts[0].values.iter().map(|v| v.value.clone()).collect();
    values.sort();
    assert_eq!(values, ["合格", "责令改正"]);
    assert_eq!(w.c.list_inspections().unwrap()[0].conflicts, 1);

    // SYNC-4 (history): the server kept every change, with the device that delivered it.
    let history = rt.block_on(signed_get(&format!("{url}/v1/documents/{id}/history"), &w.a)).unwrap();
    let history = history.as_array().unwrap();
    let messages: Vec<&str> = history.iter().map(|h| h["message"].as_str().unwrap()).collect();
    assert_eq!(messages.iter().filter(|m| **m == "set result").count(), 2, "{messages:?}");
    assert!(messages.contains(&"create inspection") && messages.contains(&"set findings"));
    let devices: std::collections::HashSet<&str> = history.iter().map(|h| h["device"].as_str().unwrap()).collect();
    assert_eq!(devices, [w.a.device_id(), w.b.device_id(), w.c.device_id()].into_iter().collect());

    // Resolving is an ordinary edit; it reaches everyone.
    w.c.edit(&id, &[Edit::SetResult("责令改正".into())]).unwrap();
    for t in [&w.c, &w.a, &w.b] {
        rt.block_on(t.sync(&url)).unwrap();
    }
    for t in [&w.a, &w.b, &w.c] {
        let v = t.show(&id).unwrap();
        assert!(v.conflicts.is_empty(), "{:?}", v.conflicts);
        assert_eq!(v.inspection.result, "责令改正");
    }
}

#[test]
fn sync_2_offline_edits_converge_when_a_syncs_first() {
    scenario(true);
}

#[test]
fn sync_2_offline_edits_converge_when_b_syncs_first() {
    scenario(false);
}

/// SYNC-1: a sync with nothing new is one small round trip.
#[test]
fn sync_with_nothing_new_is_one_small_request() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = world();
    let url = w.server.url();
    for n in 0..3 {
        w.a.create_inspection(&sample_inspection(&format!("商户{n}"))).unwrap();
    }
    rt.block_on(w.a.sync(&url)).unwrap();
    let idle = rt.block_on(w.a.sync(&url)).unwrap();
    assert_eq!(idle.rounds, 1);
    assert_eq!((idle.sent_docs, idle.received_docs), (0, 0));
    assert!(idle.bytes_sent < 128 && idle.bytes_received < 64, "{idle:?}");
}

/// Issue 10 "nothing freezes": a sync of more documents than one request carries reports its progress after every
/// round, never going back, and its last report agrees with what the sync says it did; the terminal that pulls
/// them hears what it received.
#[test]
fn a_long_sync_reports_its_progress_round_by_round() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = world();
    let url = w.server.url();
    let count = fieldtrail_core::protocol::MAX_DOCS_PER_REQUEST + 20;
    for n in 0..count {
        w.a.create_inspection(&sample_inspection(&format!("商户{n}"))).unwrap();
    }
    let mut heard = Vec::new();
    let report = rt.block_on(w.a.sync_reporting(&url, |p| heard.push(p))).unwrap();
    assert!(heard.len() >= 2, "one report per round, and this sync needs two sending rounds: {heard:?}");
    assert_eq!(heard.len(), report.rounds as usize);
    assert!(heard.windows(2).all(|p| p[0].sent_docs <= p[1].sent_docs && p[0].rounds < p[1].rounds), "{heard:?}");
    assert!(heard.iter().all(|p| p.to_send as usize == count), "{heard:?}");
    assert!(heard[0].sent_docs > 0 && (heard[0].sent_docs as usize) < count, "the first round sends a part: {heard:?}");
    let last = heard.last().unwrap();
    assert_eq!((last.sent_docs, last.received_docs), (report.sent_docs, report.received_docs));
    assert_eq!(last.sent_docs as usize, count);

    let mut pulled = Vec::new();
    rt.block_on(w.b.sync_reporting(&url, |p| pulled.push(p))).unwrap();
    assert_eq!(pulled.last().unwrap().received_docs as usize, count, "{pulled:?}");
    assert!(pulled.windows(2).all(|p| p[0].received_docs <= p[1].received_docs), "{pulled:?}");
}
