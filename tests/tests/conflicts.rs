//! SYNC-2 between real terminals (their own SQLite files) through a real fieldtrail-server on 127.0.0.1: a
//! result conflict names the device that wrote each value, survives a save of the findings on either terminal,
//! and is resolved by one edit that reaches the other; a bad resolution is refused and loses nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::{Edit, InspectionView};
use fieldtrail_terminal::{Error, Terminal};
use fieldtrail_tests::{ServerProcess, register, sample_inspection};
use tempfile::TempDir;

fn result_values(view: &InspectionView) -> Vec<(String, String)> {
    let mut values: Vec<(String, String)> = view
        .conflicts
        .iter()
        .filter(|c| c.field == "result")
        .flat_map(|c| c.values.iter().map(|v| (v.value.clone(), v.device.clone())))
        .collect();
    values.sort();
    values
}

#[test]
fn sync_2_a_result_conflict_survives_a_findings_save_and_one_edit_resolves_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dirs = TempDir::new().unwrap();
    let server = ServerProcess::start(&dirs.path().join("server")).unwrap();
    let url = server.url();
    let a = Terminal::open(dirs.path().join("a")).unwrap();
    let b = Terminal::open(dirs.path().join("b")).unwrap();
    for t in [&a, &b] {
        register(server.data(), t).unwrap();
    }
    let id = a.create_inspection(&sample_inspection("临河区同心粮油店")).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(b.sync(&url)).unwrap();

    // Offline from each other, both set the result.
    a.edit(&id, &[Edit::SetResult("责令改正".into())]).unwrap();
    b.edit(&id, &[Edit::SetResult("合格".into())]).unwrap();
    for t in [&a, &b, &a] {
        rt.block_on(t.sync(&url)).unwrap();
    }
    let expected =
        vec![("合格".to_owned(), b.device_id().to_owned()), ("责令改正".to_owned(), a.device_id().to_owned())];
    assert_eq!(result_values(&a.show(&id).unwrap()), expected);
    assert_eq!(result_values(&b.show(&id).unwrap()), expected);
    assert_eq!(a.list_inspections().unwrap()[0].conflicts, 1, "the list counts the conflict");

    // A save of the findings, as the app sends it (only the changed field), leaves the conflict everywhere.
    a.edit(&id, &[Edit::SetFindings("冷藏柜温度 9℃，超过标准。".into())]).unwrap();
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(b.sync(&url)).unwrap();
    let at_b = b.show(&id).unwrap();
    assert_eq!(at_b.inspection.findings, "冷藏柜温度 9℃，超过标准。");
    assert_eq!(result_values(&at_b), expected, "the save of the findings kept both results");

    // A bad resolution is refused and changes nothing.
    let heads = a.document(&id).unwrap().heads();
    let err = a.resolve_conflict(&id, "lock.by", "15080001").unwrap_err();
    assert_eq!(err.code(), "invalid_input", "{err}");
    assert!(matches!(a.resolve_conflict("no-such-case", "result", "合格"), Err(Error::NotFound(_))));
    assert_eq!(a.document(&id).unwrap().heads(), heads);

    // B's value is used on A: one `set result` step; B gets it and has no conflict.
    a.resolve_conflict(&id, "result", "合格").unwrap();
    let timeline = a.timeline(&id).unwrap();
    assert_eq!(timeline.last().map(|s| s.what.as_str()), Some("set result"));
    assert_eq!(timeline.iter().filter(|s| s.what == "set result").count(), 3);
    rt.block_on(a.sync(&url)).unwrap();
    rt.block_on(b.sync(&url)).unwrap();
    let resolved = b.show(&id).unwrap();
    assert!(resolved.conflicts.is_empty(), "{:?}", resolved.conflicts);
    assert_eq!(resolved.inspection.result, "合格");
    assert_eq!(b.list_inspections().unwrap()[0].conflicts, 0);
}
