//! The list of inspections the home screen pages through (issue 10, item 8: a usable list within 1.5 s of a cold
//! start with 10,000 inspections). `inspection_list` holds one summary row per document, written by the store in
//! the same transaction as the document; a page is a few rows of its index, newest start first, never the
//! documents themselves. A row missing (a document written without it, a database restored from before the
//! table existed) is rebuilt from its document when the terminal opens.

use crate::error::{Error, Result};
use crate::{Terminal, store};
use fieldtrail_core::{InspectionDoc, InspectionSummary};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The most rows one page returns, however many are asked for.
pub const MAX_PAGE: u32 = 200;

/// Where the next page starts: just after this inspection in the list's order (newest start first, then id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ListCursor {
    /// When the inspection started, ms since 1970.
    #[ts(type = "number")]
    pub started_ms: i64,
    pub id: String,
}

/// One page of the list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct InspectionPage {
    pub items: Vec<InspectionSummary>,
    /// The cursor of the page after this one; `None`: this is the last.
    pub next: Option<ListCursor>,
}

/// SQL for an RFC 3339 time as ms since 1970, the same in the migration that filled the table.
const STARTED_MS: &str = "coalesce(CAST(round((julianday(?2) - 2440587.5) * 86400000) AS INTEGER), 0)";

/// Writes the row of document `id` (after the document itself: changing its heads removes the row).
pub(crate) fn put(c: &Connection, id: &str, summary: &InspectionSummary) -> Result<()> {
    let json = serde_json::to_string(summary).map_err(|e| Error::Invalid(format!("summary: {e}")))?;
    c.prepare_cached(&format!(
        "INSERT INTO inspection_list (id, started_ms, summary) VALUES (?1, {STARTED_MS}, ?3)
         ON CONFLICT (id) DO UPDATE SET started_ms = excluded.started_ms, summary = excluded.summary"
    ))?
    .execute(params![id, summary.started_at, json])?;
    Ok(())
}

/// Rebuilds the rows of documents that have none, from the documents; returns how many. A document that does not
/// read as an inspection gets no row (and is tried again at the next open) rather than stopping the terminal.
pub(crate) fn rebuild_missing(c: &Connection) -> Result<u32> {
    let missing: Vec<(String, String)> = c
        .prepare(
            "SELECT id, updated_at FROM documents d
             WHERE NOT EXISTS (SELECT 1 FROM inspection_list l WHERE l.id = d.id)",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    let mut rebuilt = 0;
    for (id, updated_at) in missing {
        let summary = store::load_raw(c, &id)
            .and_then(|doc| doc.ok_or_else(|| Error::NotFound(id.clone())))
            .and_then(|doc| Ok(InspectionDoc::from_automerge(doc)?.read()?.summary(&updated_at)));
        match summary {
            Ok(summary) => {
                put(c, &id, &summary)?;
                rebuilt += 1;
            }
            Err(e) => tracing::warn!(%id, error = %e, "inspection not listed: it does not read"),
        }
    }
    Ok(rebuilt)
}

fn summary_of(json: &str) -> Result<InspectionSummary> {
    serde_json::from_str(json).map_err(|e| Error::Invalid(format!("stored summary: {e}")))
}

impl Terminal {
    /// Every inspection on this terminal, newest start first.
    pub fn list_inspections(&self) -> Result<Vec<InspectionSummary>> {
        self.with_conn(|c| {
            let mut stmt = c.prepare("SELECT summary FROM inspection_list ORDER BY started_ms DESC, id DESC")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|json| summary_of(&json?)).collect()
        })
    }

    /// Up to `limit` inspections (at most [`MAX_PAGE`], at least one) after `after`, newest start first; from the
    /// newest when `after` is `None`.
    pub fn inspection_page(&self, after: Option<&ListCursor>, limit: u32) -> Result<InspectionPage> {
        let limit = limit.clamp(1, MAX_PAGE);
        self.with_conn(|c| {
            let (started_ms, id) = after.map_or((i64::MAX, ""), |a| (a.started_ms, a.id.as_str()));
            // With no cursor, every row is before (i64::MAX, ""): ids are never empty.
            let mut stmt = c.prepare_cached(
                "SELECT summary, started_ms, id FROM inspection_list WHERE (started_ms, id) < (?1, ?2)
                 ORDER BY started_ms DESC, id DESC LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![started_ms, id, limit + 1], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
            })?;
            let mut items = Vec::new();
            let mut last = None;
            let mut more = false;
            for row in rows {
                let (json, started_ms, id) = row?;
                if items.len() == limit as usize {
                    more = true;
                    break;
                }
                items.push(summary_of(&json)?);
                last = Some(ListCursor { started_ms, id });
            }
            Ok(InspectionPage { items, next: if more { last } else { None } })
        })
    }
}
