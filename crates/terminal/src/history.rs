//! The terminal's hash-linked history (TRAIL-1): every change stored is also appended to `change_log`, whose
//! rows are chained by SHA-256. `verify_history` walks the chain and compares it with the documents, so a row
//! edited, deleted or moved, a change slipped into a document behind the log's back, or a lock signature that
//! no longer verifies is found and named. (The server's receipts anchor the chain's content from outside.)

use crate::error::Result;
use crate::{Terminal, store};
use automerge::{AutoCommit, Change, ChangeHash};
use fieldtrail_core::InspectionDoc;
use ring::digest::{Context, SHA256};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What `verify_history` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HistoryReport {
    /// Rows of the change log checked.
    pub rows: u32,
    /// Inspections checked.
    pub documents: u32,
    /// Every problem, as a sentence naming the row or the inspection.
    pub problems: Vec<String>,
}

impl HistoryReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The link of a row: it covers the previous link, the row's place and its whole content.
pub fn link(previous: &[u8], seq: i64, doc_id: &str, hash: &[u8], bytes: &[u8]) -> Vec<u8> {
    let mut ctx = Context::new(&SHA256);
    for part in [previous, &seq.to_be_bytes(), doc_id.as_bytes(), hash, bytes] {
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part);
    }
    ctx.finish().as_ref().to_vec()
}

/// Appends the changes `doc` has beyond `before` to the log.
pub(crate) fn append(c: &Connection, doc_id: &str, doc: &mut AutoCommit, before: &[ChangeHash]) -> Result<()> {
    let changes = doc.get_changes(before);
    append_changes(c, doc_id, &changes)
}

fn append_changes(c: &Connection, doc_id: &str, changes: &[Change]) -> Result<()> {
    let last: Option<(i64, Vec<u8>)> = c
        .query_row("SELECT seq, link FROM change_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (mut seq, mut previous) = last.unwrap_or((0, vec![0; 32]));
    for change in changes {
        let hash = change.hash();
        let known: bool = c.query_row(
            "SELECT EXISTS (SELECT 1 FROM change_log WHERE doc_id = ?1 AND hash = ?2)",
            params![doc_id, hash.0.as_slice()],
            |r| r.get(0),
        )?;
        if known {
            continue;
        }
        seq += 1;
        let link = link(&previous, seq, doc_id, &hash.0, change.raw_bytes());
        c.execute(
            "INSERT INTO change_log (seq, doc_id, hash, bytes, link) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![seq, doc_id, hash.0.as_slice(), change.raw_bytes(), link],
        )?;
        previous = link;
    }
    Ok(())
}

/// A terminal from before the log existed gets its documents' changes logged once, at open.
pub(crate) fn backfill(c: &Connection) -> Result<()> {
    let empty: bool = c.query_row("SELECT NOT EXISTS (SELECT 1 FROM change_log)", [], |r| r.get(0))?;
    if !empty {
        return Ok(());
    }
    let ids: Vec<String> = c
        .prepare("SELECT id FROM documents ORDER BY created_at")?
        .query_map([], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    for id in ids {
        if let Some(mut doc) = store::load_raw(c, &id)? {
            append(c, &id, &mut doc, &[])?;
        }
    }
    Ok(())
}

impl Terminal {
    /// Checks the change log's chain, each change against its hash, the log against the stored inspections,
    /// and every lock's signature (TRAIL-1).
    pub fn verify_history(&self) -> Result<HistoryReport> {
        self.with_conn(|c| {
            let mut report = HistoryReport::default();
            let mut logged: BTreeMap<String, BTreeSet<Vec<u8>>> = BTreeMap::new();
            let mut stmt = c.prepare("SELECT seq, doc_id, hash, bytes, link FROM change_log ORDER BY seq")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                ))
            })?;
            let (mut expected_seq, mut previous) = (1_i64, vec![0u8; 32]);
            for row in rows {
                let (seq, doc_id, hash, bytes, stored_link) = row?;
                report.rows += 1;
                if seq != expected_seq {
                    report
                        .problems
                        .push(format!("change log rows {expected_seq} to {} are missing (deleted)", seq - 1));
                }
                if link(&previous, seq, &doc_id, &hash, &bytes) != stored_link {
                    report.problems.push(format!(
                        "change log row {seq} was edited or moved: its link does not follow from the row before"
                    ));
                }
                match Change::from_bytes(bytes) {
                    Ok(change) if change.hash().0.as_slice() == hash.as_slice() => {}
                    _ => {
                        report.problems.push(format!("change log row {seq}: its bytes do not hash to its change hash"))
                    }
                }
                logged.entry(doc_id).or_default().insert(hash);
                previous = stored_link;
                expected_seq = seq + 1;
            }
            let ids: Vec<String> = c
                .prepare("SELECT id FROM documents ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            for id in ids {
                report.documents += 1;
                check_document(c, &id, logged.remove(&id).unwrap_or_default(), &mut report);
            }
            for (id, _) in logged {
                report.problems.push(format!("inspection {id} is in the change log but no longer stored (deleted)"));
            }
            Ok(report)
        })
    }
}

fn check_document(c: &Connection, id: &str, logged: BTreeSet<Vec<u8>>, report: &mut HistoryReport) {
    let mut doc = match store::load_raw(c, id) {
        Ok(Some(doc)) => doc,
        Ok(None) => return,
        Err(e) => {
            report.problems.push(format!("inspection {id} cannot be read: {e}"));
            return;
        }
    };
    let held: BTreeSet<Vec<u8>> = doc.get_changes(&[]).iter().map(|ch| ch.hash().0.to_vec()).collect();
    for missing in logged.difference(&held) {
        report.problems.push(format!("inspection {id} lost change {} that the log recorded", hex::encode(missing)));
    }
    for extra in held.difference(&logged) {
        report
            .problems
            .push(format!("inspection {id} holds change {} that the log never recorded", hex::encode(extra)));
    }
    let Ok(inspection) = InspectionDoc::from_automerge(doc) else {
        report.problems.push(format!("inspection {id} is not a readable inspection"));
        return;
    };
    match inspection.read() {
        Ok(view) => {
            if let Some(lock) = &view.inspection.lock
                && let Err(e) = inspection.check_lock(lock)
            {
                report.problems.push(format!("inspection {id}: the lock's signature does not hold: {e}"));
            }
            // Each evidence entry's signatures: the device's, and the officer's with the key of the
            // certificate that officer presented for this inspection.
            let keys: BTreeMap<String, Vec<u8>> = view
                .inspection
                .presentations
                .iter()
                .filter_map(|p| {
                    fieldtrail_core::identity::Presentation::from_qr_text(&p.qr)
                        .ok()
                        .map(|pr| (p.certificate_number.clone(), pr.certificate().body().holder_key.clone()))
                })
                .collect();
            for evidence in inspection.evidence().unwrap_or_default() {
                let officer_key = evidence
                    .officer_signature
                    .as_ref()
                    .and(evidence.officer.as_ref())
                    .and_then(|o| keys.get(o))
                    .map(Vec::as_slice);
                if let Err(e) = evidence.verify_signatures(officer_key) {
                    report.problems.push(format!("inspection {id}: {e}"));
                }
            }
        }
        Err(e) => report.problems.push(format!("inspection {id} cannot be read: {e}")),
    }
}
