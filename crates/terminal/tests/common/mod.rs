//! What the terminal's integration tests share: an inspection to put evidence in, and the file hash a user
//! would compute with coreutils. Each test file uses a part of it.
#![allow(dead_code)]

use fieldtrail_core::{Kind, NewInspection, Position};
use fieldtrail_terminal::Terminal;
use std::path::Path;
use std::process::Command;

pub const AGENCY: &str = "巴彦淖尔市市场监督管理局";

/// A food-business inspection opened now, with no party details, started at `position`.
pub fn new_inspection(position: Position) -> NewInspection {
    NewInspection {
        agency: AGENCY.into(),
        kind: Kind::Inspection,
        item_code: "SC-0101".into(),
        item_name: "食品经营许可事项检查".into(),
        legal_basis: vec![],
        party: Default::default(),
        location: Default::default(),
        officers: vec![],
        started_at: chrono::Utc::now(),
        position,
        checklist: vec![],
    }
}

/// Opens [`new_inspection`] on `t` (no position recorded); returns its id.
pub fn inspection(t: &Terminal) -> String {
    t.create_inspection(&new_inspection(Position::default())).expect("the inspection is stored")
}

/// The SHA-256 of the file at `path` as `sha256sum` prints it: the hash an officer or auditor checks by hand.
pub fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    String::from_utf8(out.stdout).expect("hex").split_whitespace().next().expect("a hash").to_owned()
}
