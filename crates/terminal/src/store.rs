//! The terminal's SQLite file: opening it, its identity, and reading and writing inspection documents.

use crate::error::{Error, Result};
use automerge::{ActorId, AutoCommit, ChangeHash};
use fieldtrail_core::sync::{decode_heads, encode_heads};
use fieldtrail_core::{InspectionDoc, InspectionView};
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use std::path::Path;

/// After this many appended chunks a document is compacted into one save.
const COMPACT_AFTER: i64 = 64;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../../migrations/terminal/0001_init.sql")),
        M::up(include_str!("../../../migrations/terminal/0002_evidence.sql")),
        M::up(include_str!("../../../migrations/terminal/0003_identity.sql")),
        M::up(include_str!("../../../migrations/terminal/0004_receipts.sql")),
        M::up(include_str!("../../../migrations/terminal/0005_change_log.sql")),
        M::up(include_str!("../../../migrations/terminal/0006_catalogue.sql")),
        M::up(include_str!("../../../migrations/terminal/0007_resync.sql")),
        M::up(include_str!("../../../migrations/terminal/0010_restores_quarantine.sql")),
        M::up(include_str!("../../../migrations/terminal/0011_provisioned_authorities.sql")),
        M::up(include_str!("../../../migrations/terminal/0012_refused.sql")),
        M::up(include_str!("../../../migrations/terminal/0014_inspection_list.sql")),
    ])
}

/// Opens `terminal.db` in `dir`, WAL and foreign keys on, migrations applied.
pub fn open(dir: &Path) -> Result<Connection> {
    std::fs::create_dir_all(dir).map_err(|source| Error::DataDir { path: dir.display().to_string(), source })?;
    let mut conn = Connection::open(dir.join("terminal.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    migrations().to_latest(&mut conn)?;
    crate::history::backfill(&conn)?;
    let tx = conn.transaction()?;
    let rebuilt = crate::inspection_list::rebuild_missing(&tx)?;
    tx.commit()?;
    if rebuilt > 0 {
        tracing::info!(rebuilt, "inspection list rows rebuilt from their documents");
    }
    Ok(conn)
}

/// The device's id and automerge actor, created on first open.
pub fn identity(conn: &Connection) -> Result<(String, ActorId)> {
    let row: Option<(String, Vec<u8>)> =
        conn.query_row("SELECT device_id, actor FROM device", [], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    if let Some((id, actor)) = row {
        return Ok((id, ActorId::from(actor)));
    }
    let id = uuid::Uuid::new_v4();
    conn.execute(
        "INSERT INTO device (singleton, device_id, actor, created_at) VALUES (1, ?1, ?2, ?3)",
        params![id.to_string(), id.as_bytes().as_slice(), now()],
    )?;
    Ok((id.to_string(), ActorId::from(id.as_bytes().as_slice())))
}

/// The actor this opening of the terminal writes with: the device's actor (its UUID's bytes) followed by eight
/// random bytes. A fresh one at every open, so a terminal restored from a backup never writes a change under an
/// actor and sequence number that its pre-restore self already delivered (the server could not apply it: SEC-6);
/// the first 16 bytes still name the device.
pub fn session_actor(device: &ActorId) -> ActorId {
    let random = uuid::Uuid::new_v4();
    ActorId::from([device.to_bytes(), &random.as_bytes()[..8]].concat())
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// Loads a document: its save, then every chunk appended since.
pub fn load(conn: &Connection, id: &str, actor: &ActorId) -> Result<Option<InspectionDoc>> {
    let Some(doc) = load_raw(conn, id)? else { return Ok(None) };
    Ok(Some(InspectionDoc::from_automerge(doc.with_actor(actor.clone()))?))
}

pub fn load_raw(conn: &Connection, id: &str) -> Result<Option<AutoCommit>> {
    let saved: Option<Vec<u8>> =
        conn.query_row("SELECT saved FROM documents WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    let Some(saved) = saved else { return Ok(None) };
    let mut doc = AutoCommit::load(&saved).map_err(fieldtrail_core::Error::from)?;
    let mut stmt = conn.prepare_cached("SELECT bytes FROM document_chunks WHERE doc_id = ?1 ORDER BY id")?;
    let chunks = stmt.query_map([id], |r| r.get::<_, Vec<u8>>(0))?;
    for chunk in chunks {
        doc.load_incremental(&chunk?).map_err(fieldtrail_core::Error::from)?;
    }
    Ok(Some(doc))
}

/// Inserts a new document.
pub fn insert(conn: &Connection, id: &str, doc: &mut InspectionDoc) -> Result<()> {
    let view = doc.read()?;
    insert_read(conn, id, doc, &view)
}

/// Inserts a new document already read as `view` (a sync checks every arriving document by reading it).
pub fn insert_read(conn: &Connection, id: &str, doc: &mut InspectionDoc, view: &InspectionView) -> Result<()> {
    let at = now();
    conn.execute(
        "INSERT INTO documents (id, saved, heads, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![id, doc.save(), encode_heads(&doc.heads()), at],
    )?;
    crate::inspection_list::put(conn, id, &view.summary(&at))?;
    crate::history::append(conn, id, doc.automerge(), &[])
}

/// Records what changed in `doc` since `before`, as one appended chunk.
pub fn update(conn: &Connection, id: &str, doc: &mut InspectionDoc, before: &[ChangeHash]) -> Result<()> {
    update_with(conn, id, doc, before, None)
}

/// [`update`] for a document already read as `view`.
pub fn update_read(
    conn: &Connection,
    id: &str,
    doc: &mut InspectionDoc,
    before: &[ChangeHash],
    view: &InspectionView,
) -> Result<()> {
    update_with(conn, id, doc, before, Some(view))
}

fn update_with(
    conn: &Connection,
    id: &str,
    doc: &mut InspectionDoc,
    before: &[ChangeHash],
    view: Option<&InspectionView>,
) -> Result<()> {
    let heads = doc.heads();
    if heads == before {
        return Ok(());
    }
    let at = now();
    let chunk = doc.automerge().save_after(before);
    conn.execute("INSERT INTO document_chunks (doc_id, bytes) VALUES (?1, ?2)", params![id, chunk])?;
    crate::history::append(conn, id, doc.automerge(), before)?;
    let summary = match view {
        Some(view) => view.summary(&at),
        None => doc.read()?.summary(&at),
    };
    conn.execute(
        "UPDATE documents SET heads = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, encode_heads(&heads), at],
    )?;
    // After the document: changing its heads removes the row (migration 0014), so it is written again here.
    crate::inspection_list::put(conn, id, &summary)?;
    let chunks: i64 = conn.query_row("SELECT count(*) FROM document_chunks WHERE doc_id = ?1", [id], |r| r.get(0))?;
    if chunks >= COMPACT_AFTER {
        conn.execute("UPDATE documents SET saved = ?2 WHERE id = ?1", params![id, doc.save()])?;
        conn.execute("DELETE FROM document_chunks WHERE doc_id = ?1", [id])?;
    }
    Ok(())
}

pub fn server_heads(conn: &Connection, id: &str) -> Result<Vec<ChangeHash>> {
    let bytes: Option<Vec<u8>> =
        conn.query_row("SELECT server_heads FROM documents WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    Ok(decode_heads(&bytes.unwrap_or_default())?)
}

pub fn set_server_heads(conn: &Connection, id: &str, heads: &[ChangeHash]) -> Result<()> {
    conn.execute("UPDATE documents SET server_heads = ?2 WHERE id = ?1", params![id, encode_heads(heads)])?;
    Ok(())
}

/// Documents whose heads differ from what the server was last known to have.
pub fn unsynced(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id FROM documents WHERE heads != server_heads ORDER BY updated_at")?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
    Ok(ids)
}

/// Every document's id.
pub fn all_ids(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id FROM documents ORDER BY updated_at")?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
    Ok(ids)
}

pub fn cursor(conn: &Connection, server: &str) -> Result<u64> {
    let cursor: Option<i64> =
        conn.query_row("SELECT cursor FROM sync_servers WHERE url = ?1", [server], |r| r.get(0)).optional()?;
    Ok(cursor.unwrap_or(0) as u64)
}

pub fn set_cursor(conn: &Connection, server: &str, cursor: u64) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_servers (url, cursor, last_sync_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (url) DO UPDATE SET cursor = excluded.cursor, last_sync_at = excluded.last_sync_at",
        params![server, cursor as i64, now()],
    )?;
    Ok(())
}
