//! Receipts (SYNC-5): what the server signed for the changes this terminal delivered. After each sync request
//! that delivered changes, the server's receipt (its signed tree head and the inclusion proofs of the changes
//! in its log) is checked and kept, so the officer can prove later what reached the server and when.
//!
//! The log key is trusted on first use: the first receipt from a server fixes its key in terminal.db, and a
//! receipt signed by any other key is refused (docs/trail.md says why and what that leaves open).

use crate::error::{Error, Result};
use crate::{Terminal, store};
use automerge::{AutoCommit, ChangeHash};
use fieldtrail_core::trail::{Hash, LeafKind, Receipt, ReceiptEntry, SignedTreeHead};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// A receipt as kept, with the server it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredReceipt {
    pub id: i64,
    pub server: String,
    pub sth: SignedTreeHead,
    pub entries: Vec<ReceiptEntry>,
    pub received_at: String,
}

/// What `verify_receipts` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReceiptReport {
    pub receipts: u32,
    /// Delivered changes whose inclusion was checked.
    pub changes: u32,
    /// One sentence per problem, naming the receipt.
    pub problems: Vec<String>,
}

impl ReceiptReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

fn trusted_key(c: &Connection, server: &str) -> Result<Option<Vec<u8>>> {
    Ok(c.query_row("SELECT public_key FROM log_keys WHERE server = ?1", [server], |r| r.get(0)).optional()?)
}

/// Checks that every change a receipt proves is one this terminal holds; returns the problems.
fn check_local(c: &Connection, receipt: &Receipt, key: &[u8]) -> Result<Vec<String>> {
    let leaves = match receipt.verify(key) {
        Ok(leaves) => leaves,
        Err(e) => return Ok(vec![e.to_string()]),
    };
    let mut problems = Vec::new();
    // A receipt names many changes of few documents: each document is loaded once.
    let mut docs: HashMap<String, Option<AutoCommit>> = HashMap::new();
    for (index, leaf) in leaves {
        if leaf.kind != LeafKind::Change {
            problems.push(format!("log entry {index} is not a change"));
            continue;
        }
        let doc = match docs.entry(leaf.document.clone()) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(store::load_raw(c, &leaf.document)?),
        };
        let held = doc.as_mut().is_some_and(|doc| doc.get_change_by_hash(&ChangeHash(leaf.hash)).is_some());
        if !held {
            problems.push(format!(
                "log entry {index} names change {} of inspection {}, which this terminal does not hold",
                hex::encode(leaf.hash),
                leaf.document
            ));
        }
    }
    Ok(problems)
}

/// The log key trusted for `server`: the one fixed earlier, or `offered` when this is the first the terminal
/// sees (a receipt, or the log state of a sync response).
pub(crate) fn trust_key(c: &Connection, server: &str, offered_hex: &str) -> Result<Vec<u8>> {
    if let Some(key) = trusted_key(c, server)? {
        return Ok(key);
    }
    let offered = hex::decode(offered_hex).map_err(|_| Error::Receipt("the log key is not hex".into()))?;
    c.execute(
        "INSERT INTO log_keys (server, public_key, first_seen) VALUES (?1, ?2, ?3)",
        params![server, offered, store::now()],
    )?;
    Ok(offered)
}

/// Verifies a receipt from `server` and keeps it; the first receipt from a server fixes its log key.
pub(crate) fn accept(c: &Connection, server: &str, receipt: &Receipt) -> Result<()> {
    let key = trust_key(c, server, &receipt.log_key)?;
    // Signature and proofs now; that the named changes are in the local documents is `verify`'s part (the
    // terminal just sent them, and loading every document at every sync would double a large first sync).
    receipt.verify(&key).map_err(|e| Error::Receipt(e.to_string()))?;
    let hex_bytes = |h: &str| hex::decode(h).map_err(|_| Error::Receipt("a hash is not hex".into()));
    c.execute(
        "INSERT INTO receipts (server, tree_size, root, timestamp_ms, signature, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            server,
            receipt.sth.size as i64,
            hex_bytes(&receipt.sth.root)?,
            receipt.sth.timestamp_ms,
            hex_bytes(&receipt.sth.signature)?,
            store::now()
        ],
    )?;
    let id = c.last_insert_rowid();
    let mut insert = c.prepare_cached(
        "INSERT INTO receipt_entries (receipt_id, leaf_index, leaf, doc_id, change_hash, proof)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for entry in &receipt.entries {
        let leaf = hex_bytes(&entry.leaf)?;
        let decoded = fieldtrail_core::trail::Leaf::decode(&leaf).map_err(|e| Error::Receipt(e.to_string()))?;
        let proof: Vec<u8> = entry.proof.iter().map(|h| hex_bytes(h)).collect::<Result<Vec<_>>>()?.concat();
        insert.execute(params![id, entry.index as i64, leaf, decoded.document, decoded.hash.as_slice(), proof])?;
    }
    Ok(())
}

fn load_all(c: &Connection) -> Result<Vec<StoredReceipt>> {
    let mut stmt = c.prepare(
        "SELECT id, server, tree_size, root, timestamp_ms, signature, received_at FROM receipts ORDER BY id",
    )?;
    let heads = stmt.query_map([], |r| {
        Ok(StoredReceipt {
            id: r.get(0)?,
            server: r.get(1)?,
            sth: SignedTreeHead {
                size: r.get::<_, i64>(2)? as u64,
                root: hex::encode(r.get::<_, Vec<u8>>(3)?),
                timestamp_ms: r.get(4)?,
                signature: hex::encode(r.get::<_, Vec<u8>>(5)?),
            },
            entries: Vec::new(),
            received_at: r.get(6)?,
        })
    })?;
    let mut receipts: Vec<StoredReceipt> = heads.collect::<std::result::Result<_, _>>()?;
    let mut stmt = c.prepare_cached(
        "SELECT leaf_index, leaf, proof FROM receipt_entries WHERE receipt_id = ?1 ORDER BY leaf_index",
    )?;
    for receipt in &mut receipts {
        let rows = stmt.query_map([receipt.id], |r| {
            let proof: Vec<u8> = r.get(2)?;
            Ok(ReceiptEntry {
                index: r.get::<_, i64>(0)? as u64,
                leaf: hex::encode(r.get::<_, Vec<u8>>(1)?),
                proof: proof.chunks(32).map(hex::encode).collect(),
            })
        })?;
        receipt.entries = rows.collect::<std::result::Result<_, _>>()?;
    }
    Ok(receipts)
}

/// Receipt services, in their own `impl` beside the sync client that gathers them.
impl Terminal {
    /// Every receipt this terminal keeps, oldest first.
    pub fn receipts(&self) -> Result<Vec<StoredReceipt>> {
        self.with_conn(load_all)
    }

    /// The log key this terminal trusts for `server` (learnt from its first receipt).
    pub fn log_key(&self, server: &str) -> Result<Option<Vec<u8>>> {
        self.with_conn(|c| trusted_key(c, server.trim_end_matches('/')))
    }

    /// Re-checks every kept receipt: the tree head's signature with the trusted key, every inclusion proof,
    /// and that every change it proves is still in the local documents (TRAIL-1, SYNC-5).
    pub fn verify_receipts(&self) -> Result<ReceiptReport> {
        self.with_conn(|c| {
            let mut report = ReceiptReport::default();
            for stored in load_all(c)? {
                report.receipts += 1;
                report.changes += stored.entries.len() as u32;
                let Some(key) = trusted_key(c, &stored.server)? else {
                    report.problems.push(format!("receipt {}: no trusted log key for {}", stored.id, stored.server));
                    continue;
                };
                let receipt = Receipt { log_key: hex::encode(&key), sth: stored.sth, entries: stored.entries };
                for problem in check_local(c, &receipt, &key)? {
                    report.problems.push(format!("receipt {} (tree size {}): {problem}", stored.id, receipt.sth.size));
                }
            }
            Ok(report)
        })
    }
}

/// Hashes of a stored proof, for callers that check consistency themselves.
pub fn proof_hashes(entry: &ReceiptEntry) -> Option<Vec<Hash>> {
    fieldtrail_core::trail::hashes_from_hex(&entry.proof)
}
