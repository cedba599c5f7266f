//! The server's trail (TRAIL-2, SYNC-5): an append-only Merkle log (RFC 6962 / 9162) of every change and
//! evidence hash the server accepts, its signed tree heads, the receipts handed to terminals, and the check
//! behind `fieldtrail-server verify`. The tree's algorithms and the verification of proofs are in core
//! (`fieldtrail_core::trail`), shared with terminals and offline verifiers; this module keeps the log in the
//! store, one interior node per complete subtree, so appends and proofs read O(log n) rows.
//!
//! The log key (`log.key` in the data directory, PKCS#8, mode 0600) is created on first start: unlike the
//! issuing authority's key, the running server needs it to sign every tree head.

use crate::ApiError;
use crate::store::{Store, StoreTx};
use fieldtrail_core::trail::merkle::{self, NodeSource, node_hash};
use fieldtrail_core::trail::{
    Hash, Leaf, LeafKind, Receipt, ReceiptEntry, SignedTreeHead, TreeBuilder, hash_from_hex, leaf_hash,
    verify_consistency,
};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// The file name of the log key in the data directory.
pub const LOG_KEY_FILE: &str = "log.key";

/// The key that signs tree heads.
pub struct LogKey {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKey").field("public", &self.public_hex()).finish_non_exhaustive()
    }
}

impl LogKey {
    /// Loads `DATA/log.key`, creating it on first start.
    pub fn load_or_create(data_dir: &Path) -> Result<LogKey, ApiError> {
        let path = data_dir.join(LOG_KEY_FILE);
        let storage = |e: std::io::Error| ApiError::Storage(format!("{}: {e}", path.display()));
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                    .map_err(|_| ApiError::Storage("log key generation failed".into()))?;
                write_private(&path, pkcs8.as_ref()).map_err(storage)?;
                pkcs8.as_ref().to_vec()
            }
            Err(e) => return Err(storage(e)),
        };
        let pair = Ed25519KeyPair::from_pkcs8(&bytes)
            .map_err(|_| ApiError::Storage(format!("{} is not an Ed25519 PKCS#8 key", path.display())))?;
        Ok(LogKey { pair })
    }

    /// Loads an existing `DATA/log.key` without creating one (the verifier).
    pub fn load(data_dir: &Path) -> Result<LogKey, ApiError> {
        let path = data_dir.join(LOG_KEY_FILE);
        let bytes = std::fs::read(&path).map_err(|e| ApiError::Storage(format!("{}: {e}", path.display())))?;
        let pair = Ed25519KeyPair::from_pkcs8(&bytes)
            .map_err(|_| ApiError::Storage(format!("{} is not an Ed25519 PKCS#8 key", path.display())))?;
        Ok(LogKey { pair })
    }

    pub fn public_key(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    pub fn public_hex(&self) -> String {
        hex::encode(self.public_key())
    }

    /// Signs a tree head (tests sign forks with it).
    pub fn sign(&self, size: u64, root: &Hash, timestamp_ms: i64) -> SignedTreeHead {
        SignedTreeHead::sign(size, root, timestamp_ms, &self.pair)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The store's complete subtrees as a node source for proofs.
struct TxNodes<'a>(&'a mut dyn StoreTx);

impl NodeSource for TxNodes<'_> {
    type Error = ApiError;
    fn node(&mut self, level: u32, index: u64) -> Result<Hash, ApiError> {
        self.0
            .log_node(level, index)?
            .ok_or_else(|| ApiError::Storage(format!("log node ({level}, {index}) is missing")))
    }
}

/// Appends a leaf and the roots of the subtrees it completes; returns its index.
pub fn append(tx: &mut dyn StoreTx, leaf: &Leaf) -> Result<u64, ApiError> {
    let index = tx.log_size()?;
    let data = leaf.encode();
    let mut hash = leaf_hash(&data);
    tx.insert_log_leaf(index, &data, &hash)?;
    let (mut level, mut idx) = (0u32, index);
    while idx & 1 == 1 {
        let left = TxNodes(tx).node(level, idx - 1)?;
        hash = node_hash(&left, &hash);
        level += 1;
        idx >>= 1;
        tx.insert_log_node(level, idx, &hash)?;
    }
    Ok(index)
}

/// Appends a leaf for each change accepted for document `id`.
pub fn append_changes(tx: &mut dyn StoreTx, id: &str, hashes: &[[u8; 32]]) -> Result<Vec<u64>, ApiError> {
    let time_ms = now_ms();
    hashes
        .iter()
        .map(|hash| append(tx, &Leaf { kind: LeafKind::Change, document: id.to_owned(), hash: *hash, time_ms }))
        .collect()
}

/// Appends the leaf of an evidence file whose upload verified.
pub fn append_evidence(tx: &mut dyn StoreTx, sha256_hex: &str) -> Result<u64, ApiError> {
    let hash = hash_from_hex(sha256_hex)
        .ok_or_else(|| ApiError::Storage(format!("evidence hash {sha256_hex} is not 64 hex digits")))?;
    append(tx, &Leaf { kind: LeafKind::Evidence, document: String::new(), hash, time_ms: now_ms() })
}

/// The root of the first `size` leaves, from the stored nodes.
pub fn root_at(tx: &mut dyn StoreTx, size: u64) -> Result<Hash, ApiError> {
    merkle::root_at(&mut TxNodes(tx), size)
}

/// The signed head of the log as it stands: the newest one if it covers every leaf, else a new one.
pub fn sign_head(tx: &mut dyn StoreTx, key: &LogKey) -> Result<SignedTreeHead, ApiError> {
    let size = tx.log_size()?;
    if let Some(latest) = tx.latest_tree_head()?
        && latest.size == size
    {
        return Ok(latest);
    }
    let root = merkle::root_at(&mut TxNodes(tx), size)?;
    let sth = key.sign(size, &root, now_ms());
    tx.insert_tree_head(&sth)?;
    Ok(sth)
}

/// The receipt for the leaves at `indices`: a tree head covering them and their inclusion proofs (SYNC-5).
pub fn receipt(tx: &mut dyn StoreTx, key: &LogKey, indices: &[u64]) -> Result<Receipt, ApiError> {
    let sth = sign_head(tx, key)?;
    let mut entries = Vec::with_capacity(indices.len());
    for &index in indices {
        let (_, data, _) =
            tx.log_leaves(index, 1)?.pop().ok_or_else(|| ApiError::Storage(format!("log leaf {index} is missing")))?;
        let proof = merkle::inclusion_proof(&mut TxNodes(tx), index, sth.size)?;
        entries.push(ReceiptEntry { index, leaf: hex::encode(data), proof: proof.iter().map(hex::encode).collect() });
    }
    Ok(Receipt { log_key: key.public_hex(), sth, entries })
}

/// `GET /v1/log/inclusion`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct InclusionProof {
    pub index: u64,
    pub size: u64,
    /// The leaf's encoding, hex.
    pub leaf: String,
    pub proof: Vec<String>,
}

/// `GET /v1/log/consistency`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ConsistencyProof {
    pub first: u64,
    pub second: u64,
    pub proof: Vec<String>,
}

fn bad(message: String) -> ApiError {
    ApiError::bad("bad_log_request", message)
}

/// The inclusion proof of the leaf with hash `leaf` in the tree of `size` leaves.
pub fn inclusion(tx: &mut dyn StoreTx, leaf: &Hash, size: u64) -> Result<InclusionProof, ApiError> {
    let log_size = tx.log_size()?;
    if size == 0 || size > log_size {
        return Err(bad(format!("size must be 1 to {log_size}, the log's size; it is {size}")));
    }
    let index = tx
        .log_leaf_index(leaf)?
        .ok_or_else(|| ApiError::NotFound(format!("no leaf with hash {} in the log", hex::encode(leaf))))?;
    if index >= size {
        return Err(bad(format!("leaf {} is at index {index}, not in a tree of size {size}", hex::encode(leaf))));
    }
    let (_, data, _) = tx.log_leaves(index, 1)?.pop().ok_or_else(|| ApiError::Storage("leaf vanished".into()))?;
    let proof = merkle::inclusion_proof(&mut TxNodes(tx), index, size)?;
    Ok(InclusionProof { index, size, leaf: hex::encode(data), proof: proof.iter().map(hex::encode).collect() })
}

/// The consistency proof between the trees of `first` and `second` leaves.
pub fn consistency(tx: &mut dyn StoreTx, first: u64, second: u64) -> Result<ConsistencyProof, ApiError> {
    let log_size = tx.log_size()?;
    if first > second {
        return Err(bad(format!("first ({first}) must not be larger than second ({second})")));
    }
    if second > log_size {
        return Err(bad(format!("second ({second}) is larger than the log ({log_size} leaves)")));
    }
    let proof = merkle::consistency_proof(&mut TxNodes(tx), first, second)?;
    Ok(ConsistencyProof { first, second, proof: proof.iter().map(hex::encode).collect() })
}

/// Before the log existed a server kept changes without leaves: they join the log once, in arrival order,
/// stamped with their receive time, so the log covers the whole history.
pub fn adopt_history<S: Store>(store: &S, key: &LogKey) -> Result<u64, ApiError> {
    store.transact(|tx| {
        // Only a log that never existed is filled: a log emptied later must show up in `verify`, not be
        // silently rebuilt.
        if tx.log_size()? > 0 || tx.latest_tree_head()?.is_some() {
            return Ok(0);
        }
        let mut after = 0;
        let mut adopted = 0;
        loop {
            let page = tx.stored_changes(after, 10_000)?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for change in page {
                let hash: Hash =
                    change.hash.try_into().map_err(|_| ApiError::Storage("a change hash is not 32 bytes".into()))?;
                let time_ms = chrono::DateTime::parse_from_rfc3339(&change.received_at)
                    .map(|t| t.timestamp_millis())
                    .unwrap_or_default();
                append(tx, &Leaf { kind: LeafKind::Change, document: change.doc_id, hash, time_ms })?;
                adopted += 1;
            }
        }
        if adopted > 0 {
            sign_head(tx, key)?;
        }
        Ok(adopted)
    })
}

/// Something `verify` found wrong, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogProblem {
    pub code: &'static str,
    pub detail: String,
}

/// What the log's verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LogReport {
    pub leaves: u64,
    pub nodes_checked: u64,
    pub changes_checked: u64,
    pub heads_checked: u64,
    /// The newest tree head the server signed.
    pub latest: Option<SignedTreeHead>,
    pub problems: Vec<LogProblem>,
    /// Restores from a backup terminals proved (SEC-6): not problems, facts of the log's history.
    pub restores: Vec<crate::store::restore::RestoreRow>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    more: BTreeMap<&'static str, u64>,
}

impl LogReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.more.is_empty()
    }

    /// Records a problem; past [`MAX_LISTED`] of one kind they are only counted, so a wholesale rewrite
    /// gives a readable report.
    pub(crate) fn problem(&mut self, code: &'static str, detail: String) {
        let listed = self.problems.iter().filter(|p| p.code == code).count();
        if listed < MAX_LISTED {
            self.problems.push(LogProblem { code, detail });
        } else {
            *self.more.entry(code).or_default() += 1;
        }
    }

    /// Problems counted but not listed, by code.
    pub fn unlisted(&self) -> &BTreeMap<&'static str, u64> {
        &self.more
    }
}

/// How many problems of one kind a report lists.
pub const MAX_LISTED: usize = 100;

const PAGE: usize = 10_000;

/// Recomputes the tree from the leaves alone and checks it against every stored node and every tree head
/// the server signed; checks that every stored change is in the log and every logged change is stored; and
/// checks each `given` tree head (an auditor's or a terminal's earlier copy) for its signature, a fork at
/// its size, and consistency with the newest head.
pub fn verify<S: Store>(store: &S, public_key: &[u8], given: &[SignedTreeHead]) -> Result<LogReport, ApiError> {
    let mut report = LogReport::default();
    store.transact(|tx| {
        // Tree heads to meet while streaming, by size: (who says so, root).
        let mut heads: BTreeMap<u64, Vec<(String, Hash)>> = BTreeMap::new();
        let stored = tx.tree_heads()?;
        for sth in &stored {
            report.heads_checked += 1;
            match sth.verify(public_key) {
                Ok(root) => heads.entry(sth.size).or_default().push((format!("signed head {}", sth.size), root)),
                Err(e) => {
                    report.problem("log_head_bad_signature", format!("stored tree head of size {}: {e}", sth.size))
                }
            }
        }
        report.latest = stored.last().cloned();
        let mut given_roots: BTreeMap<u64, Hash> = BTreeMap::new();
        for (n, sth) in given.iter().enumerate() {
            match sth.verify(public_key) {
                Ok(root) => {
                    if let Some(other) = given_roots.insert(sth.size, root)
                        && other != root
                    {
                        report.problem(
                            "fork",
                            format!("two tree heads of size {} are signed with different roots", sth.size),
                        );
                    }
                    heads
                        .entry(sth.size)
                        .or_default()
                        .push((format!("given head #{} (size {})", n + 1, sth.size), root));
                }
                Err(e) => report.problem("given_head_bad_signature", format!("given tree head #{}: {e}", n + 1)),
            }
        }

        // Stream the leaves: recompute leaf hashes, the complete subtrees and the roots at each head's size.
        let mut builder = TreeBuilder::new();
        let mut nodes: HashMap<(u32, u64), Hash> = HashMap::new();
        let mut logged_changes: HashSet<(String, Hash)> = HashSet::new();
        // Share leaves by index, to meet the recorded share events (SEC-1).
        let mut logged_shares: HashMap<u64, Hash> = HashMap::new();
        let mut restore_leaves: HashSet<Hash> = HashSet::new();
        let mut check_heads = |size: u64, root: Hash, report: &mut LogReport| {
            for (who, want) in heads.remove(&size).unwrap_or_default() {
                if want != root {
                    let code = if who.starts_with("given") { "fork" } else { "log_head_mismatch" };
                    report.problem(
                        code,
                        format!(
                            "{who} has root {} but the log's first {size} leaves hash to {}",
                            hex::encode(want),
                            hex::encode(root)
                        ),
                    );
                }
            }
        };
        check_heads(0, merkle::empty_root(), &mut report);
        let mut from = 0;
        loop {
            let page = tx.log_leaves(from, PAGE)?;
            if page.is_empty() {
                break;
            }
            for (index, data, stored_hash) in page {
                if index != from {
                    report.problem("log_gap", format!("log leaves {from} to {} are missing", index - 1));
                }
                from = index + 1;
                let hash = leaf_hash(&data);
                if stored_hash != hash {
                    report.problem(
                        "log_entry_changed",
                        format!("log entry {index} does not hash to its recorded leaf hash"),
                    );
                }
                match Leaf::decode(&data) {
                    Ok(leaf) if leaf.kind == LeafKind::Change => {
                        logged_changes.insert((leaf.document, leaf.hash));
                    }
                    Ok(leaf) if matches!(leaf.kind, LeafKind::Share | LeafKind::Unshare) => {
                        logged_shares.insert(index, leaf.hash);
                    }
                    Ok(leaf) if leaf.kind == LeafKind::Restore => {
                        restore_leaves.insert(leaf.hash);
                    }
                    Ok(_) => {}
                    Err(e) => report.problem("log_entry_changed", format!("log entry {index}: {e}")),
                }
                builder.push(hash, |level, idx, h| {
                    if level > 0 {
                        nodes.insert((level, idx), *h);
                    }
                });
                check_heads(builder.size(), builder.root(), &mut report);
            }
        }
        report.leaves = builder.size();
        for (size, list) in std::mem::take(&mut heads) {
            for (who, _) in list {
                let code = if who.starts_with("given") { "given_head_beyond_log" } else { "log_truncated" };
                report.problem(code, format!("{who} covers {size} leaves but the log has only {}", report.leaves));
            }
        }

        // Interior nodes: the ones proofs are made of.
        let mut after = None;
        loop {
            let page = tx.log_nodes(after, PAGE)?;
            let Some(&(level, idx, _)) = page.last() else { break };
            after = Some((level, idx));
            for (level, idx, hash) in page {
                report.nodes_checked += 1;
                if nodes.remove(&(level, idx)).is_none_or(|want| want.as_slice() != hash.as_slice()) {
                    report.problem(
                        "log_node_changed",
                        format!("log node ({level}, {idx}) is not the hash of its leaves"),
                    );
                }
            }
        }
        if !nodes.is_empty() {
            report.problem("log_node_missing", format!("{} interior node(s) of the log are missing", nodes.len()));
        }

        // Every stored change is logged, under its own hash; every logged change is stored.
        let mut after_seq = 0;
        loop {
            let page = tx.stored_changes(after_seq, PAGE)?;
            let Some(last) = page.last() else { break };
            after_seq = last.seq;
            for change in page {
                report.changes_checked += 1;
                let actual = automerge::Change::try_from(change.bytes.as_slice()).map(|c| c.hash().0);
                if actual.as_ref().ok().map(|h| h.as_slice()) != Some(change.hash.as_slice()) {
                    report.problem(
                        "change_rewritten",
                        format!(
                            "change {} of document {}: its bytes do not hash to its recorded hash",
                            change.seq, change.doc_id
                        ),
                    );
                }
                let recorded: Option<Hash> = change.hash.clone().try_into().ok();
                let logged = recorded.is_some_and(|h| logged_changes.remove(&(change.doc_id.clone(), h)));
                if !logged {
                    report.problem(
                        "change_not_in_log",
                        format!(
                            "change {} ({}) of document {} is not in the log",
                            change.seq,
                            hex::encode(&change.hash),
                            change.doc_id
                        ),
                    );
                }
            }
        }
        for (doc, hash) in logged_changes {
            report.problem(
                "change_missing",
                format!("the log records change {} of document {doc}, which is no longer stored", hex::encode(hash)),
            );
        }

        // Every recorded share is logged, at its index, under the digest of what the record says; every logged
        // share is recorded.
        let mut after_seq = 0;
        loop {
            let page = tx.all_share_events(after_seq, PAGE)?;
            let Some(last) = page.last() else { break };
            after_seq = last.seq;
            for share in page {
                if logged_shares.remove(&share.log_index) != Some(share.event.digest()) {
                    report.problem(
                        "share_not_in_log",
                        format!(
                            "the share of document {} with {} (log entry {}) is not what the log holds",
                            share.event.document, share.event.agency, share.log_index
                        ),
                    );
                }
            }
        }
        for index in logged_shares.into_keys() {
            report.problem("share_missing", format!("log entry {index} records a share that is no longer stored"));
        }
        crate::restore::verify(tx, public_key, restore_leaves, &mut report)?;

        // Consistency of each given head with the newest signed head, by proof, as an auditor without the
        // leaves would check it.
        if let Some(latest) = report.latest.clone()
            && let Ok(latest_root) = latest.root_hash()
        {
            for sth in given {
                let Ok(root) = sth.verify(public_key) else { continue };
                if sth.size > latest.size || report.problems.iter().any(|p| p.code == "fork") {
                    continue;
                }
                let proof = merkle::consistency_proof(&mut TxNodes(tx), sth.size, latest.size);
                let ok =
                    proof.is_ok_and(|p| verify_consistency(sth.size, latest.size, &p, &root, &latest_root).is_ok());
                if !ok {
                    report.problem(
                        "inconsistent",
                        format!(
                            "the given head of size {} is not consistent with the newest head ({})",
                            sth.size, latest.size
                        ),
                    );
                }
            }
        }
        Ok(())
    })?;
    Ok(report)
}
