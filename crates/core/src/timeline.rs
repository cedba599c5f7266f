//! The case replayed (REC-3): every change of the document in causal order, with its author's actor, the
//! author's clock, the edit it was, and what it changed. Built from automerge's own hash-linked history, so a
//! step cannot be inserted or removed without breaking the change hashes that follow it.

use crate::InspectionDoc;
use automerge::{Patch, PatchAction, Prop, Value};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One step of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimelineEntry {
    /// The change's hash (hex): its identity, which covers its content and all its ancestors.
    pub hash: String,
    /// The automerge actor (hex): a device; the terminal maps it to the device id.
    pub actor: String,
    /// The author's clock (RFC 3339): recorded as claimed, never used for order.
    pub device_time: String,
    /// The edit, e.g. `set result`, `present certificate`, `lock`, `amend`.
    pub what: String,
    /// What it changed, one line per field.
    pub changes: Vec<String>,
    /// When a receipt proves the server has it: where in the server's log, and the signed tree head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub delivered: Option<String>,
}

impl InspectionDoc {
    /// Every change in causal order, each with the difference it made.
    pub fn timeline(&mut self) -> Vec<TimelineEntry> {
        let doc = self.automerge();
        let changes = doc.get_changes(&[]);
        changes
            .iter()
            .map(|change| {
                let hash = change.hash();
                let patches = doc.diff(change.deps(), &[hash]);
                TimelineEntry {
                    hash: hash.to_string(),
                    actor: change.actor_id().to_hex_string(),
                    device_time: chrono::DateTime::from_timestamp(change.timestamp(), 0)
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default(),
                    what: change.message().unwrap_or_default().to_owned(),
                    changes: patches.iter().filter_map(describe).collect(),
                    delivered: None,
                }
            })
            .collect()
    }
}

/// Longest text shown whole: signatures and QR texts are shortened, the record keeps them whole.
const SHOWN_CHARS: usize = 64;

fn value(v: &Value<'_>) -> String {
    match v {
        Value::Scalar(s) => match s.as_ref() {
            automerge::ScalarValue::Str(text) if text.chars().count() > SHOWN_CHARS => {
                format!(
                    "\"{}…\" ({} characters)",
                    text.chars().take(SHOWN_CHARS).collect::<String>(),
                    text.chars().count()
                )
            }
            automerge::ScalarValue::Str(text) => format!("\"{text}\""),
            automerge::ScalarValue::Timestamp(ms) => {
                chrono::DateTime::from_timestamp_millis(*ms).map(|t| t.to_rfc3339()).unwrap_or_else(|| ms.to_string())
            }
            other => other.to_string(),
        },
        Value::Object(kind) => format!("({kind})"),
    }
}

/// One line for a patch; `None` for an empty container being created (its fields follow on their own lines).
fn describe(patch: &Patch) -> Option<String> {
    let path: String = patch
        .path
        .iter()
        .map(|(_, prop)| match prop {
            Prop::Map(key) => format!(".{key}"),
            Prop::Seq(i) => format!("[{i}]"),
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_owned();
    let at = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    Some(match &patch.action {
        PatchAction::PutMap { value: (Value::Object(_), _), .. }
        | PatchAction::PutSeq { value: (Value::Object(_), _), .. } => {
            return None;
        }
        PatchAction::PutMap { key, value: (v, _), conflict } => {
            format!("{} = {}{}", at(key), value(v), if *conflict { " (concurrent values kept)" } else { "" })
        }
        PatchAction::PutSeq { index, value: (v, _), .. } => format!("{path}[{index}] = {}", value(v)),
        PatchAction::Insert { index, values } => format!("{path}[{index}]: {} item(s) added", values.len()),
        PatchAction::SpliceText { index, value, .. } => {
            format!("{path}: \"{}\" inserted at {index}", value.make_string())
        }
        PatchAction::DeleteMap { key } => format!("{} removed", at(key)),
        PatchAction::DeleteSeq { index, length } => format!("{path}: {length} removed at {index}"),
        PatchAction::Conflict { prop } => format!("{path}.{prop}: concurrent values"),
        other => format!("{path}: {other:?}"),
    })
}
