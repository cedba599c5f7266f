//! The item catalogue on a real SQLite file (REC-1, REC-8): the demo catalogue imports, searches in Chinese,
//! opens an inspection from an item, and a bad or older catalogue is refused with nothing changed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use chrono::Utc;
use fieldtrail_core::{Edit, Kind, Location, Party};
use fieldtrail_terminal::{Error, Terminal};
use tempfile::TempDir;

const DEMO: &str = include_str!("../../../scripts/demo/catalogue.json");

fn with_version(json: &str, version: u64) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["version"] = version.into();
    v.to_string()
}

/// REC-8: the demo catalogue imports, survives a reopen and is searched by code or name, Chinese included.
#[test]
fn rec8_imports_and_searches_the_catalogue() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    assert!(t.catalogue().unwrap().is_none());
    assert!(t.search_catalogue("食品").unwrap().is_empty(), "no catalogue, no items");

    let report = t.import_catalogue(DEMO).unwrap();
    assert_eq!((report.version, report.previous), (1, None));
    assert!((8..=15).contains(&report.items));
    drop(t);

    let t = Terminal::open(dir.path()).unwrap();
    assert_eq!(t.search_catalogue("").unwrap().len(), report.items);
    let grassland = t.search_catalogue("草原").unwrap();
    assert!(!grassland.is_empty() && grassland.iter().all(|i| i.name.contains("草原") || i.category.contains("草原")));
    let by_code = t.search_catalogue("yjgl-jc").unwrap();
    assert_eq!(by_code.len(), 1);
    assert_eq!(by_code[0].name, "非煤矿山安全生产监督检查");
    assert!(t.search_catalogue("不存在的事项").unwrap().is_empty());

    // The same version again is accepted (re-running the demo setup); so is a newer one.
    assert_eq!(t.import_catalogue(DEMO).unwrap().previous, Some(1));
    assert_eq!(t.import_catalogue(&with_version(DEMO, 2)).unwrap().version, 2);
}

/// REC-1: an inspection opened from a catalogue item carries the item, its kind, category, legal basis and
/// checklist.
#[test]
fn rec1_opens_an_inspection_from_a_catalogue_item() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    t.import_catalogue(DEMO).unwrap();
    let item = t.catalogue_item("YJGL-JC-001").unwrap();
    let new = item.new_inspection(
        "乌拉特前旗应急管理局",
        Party { name: "某石料厂".into(), ..Party::default() },
        Location::default(),
        vec![],
        Utc::now(),
        fieldtrail_core::Position::default(),
    );
    let id = t.create_inspection(&new).unwrap();
    t.edit(&id, &[Edit::SetScope { category: item.category.clone(), region: "150823".into() }]).unwrap();

    let i = t.show(&id).unwrap().inspection;
    assert_eq!((i.item_code.as_str(), i.item_name.as_str()), ("YJGL-JC-001", "非煤矿山安全生产监督检查"));
    assert_eq!(i.kind, Kind::Inspection);
    assert_eq!(i.category, "应急管理");
    assert_eq!(i.legal_basis, item.legal_basis);
    assert_eq!(i.legal_basis[0].law, "中华人民共和国安全生产法");
    assert_eq!(i.checklist.iter().map(|c| c.label.clone()).collect::<Vec<_>>(), item.checklist);

    assert!(t.catalogue_item("NO-SUCH-ITEM").unwrap_err().to_string().contains("NO-SUCH-ITEM"));
}

/// REC-8: a catalogue with a duplicate code, an item without legal basis, malformed JSON or an older version
/// is refused with an error that says why, and the stored catalogue stays as it was.
#[test]
fn rec8_refuses_bad_catalogues_and_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    t.import_catalogue(&with_version(DEMO, 5)).unwrap();
    let before = t.catalogue().unwrap().unwrap();

    let mut v: serde_json::Value = serde_json::from_str(DEMO).unwrap();
    v["version"] = 9.into();
    let mut duplicate = v.clone();
    let first = duplicate["items"][0].clone();
    duplicate["items"].as_array_mut().unwrap().push(first);
    let mut no_basis = v.clone();
    no_basis["items"][2]["legal_basis"] = serde_json::json!([]);

    let code = v["items"][2]["code"].as_str().unwrap().to_owned();
    let cases = [
        (duplicate.to_string(), "appears more than once".to_owned()),
        (no_basis.to_string(), format!("({code}): no legal basis")),
        (DEMO[..DEMO.find("\"items\"").unwrap()].to_owned(), "not valid JSON".to_owned()),
        (with_version(DEMO, 4), "older than the one on this terminal (version 5)".to_owned()),
    ];
    for (json, expected) in cases {
        let err = t.import_catalogue(&json).unwrap_err();
        assert!(err.to_string().contains(&expected), "{err} should say {expected}");
        assert_eq!(t.catalogue().unwrap().unwrap(), before, "a refused catalogue changes nothing");
    }
    assert!(matches!(
        t.import_catalogue(&with_version(DEMO, 1)).unwrap_err(),
        Error::CatalogueOutdated { have: 5, offered: 1 }
    ));
    assert_eq!(Error::CatalogueOutdated { have: 5, offered: 1 }.code(), "catalogue_outdated");
}
