//! Log benchmark (TRAIL-2): appends per second into the server's Merkle log on its SQLite store, then, at
//! 1,000,000 leaves, the size and time of inclusion and consistency proofs (generated from stored interior
//! nodes, verified with core), receipts as a sync hands them out, and a full `verify` of the log.
//!
//! `cargo bench -p fieldtrail-tests --bench log`; `FT_LEAVES=1000000` (the default) sets the log's size.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails by panicking

use fieldtrail_core::trail::{Leaf, LeafKind, hash_from_hex, hashes_from_hex, verify_consistency, verify_inclusion};
use fieldtrail_server::SqliteStore;
use fieldtrail_server::store::Store;
use fieldtrail_server::trail::{self, LogKey};
use std::time::Instant;

fn leaf(n: u64) -> Leaf {
    let mut hash = [0u8; 32];
    hash[..8].copy_from_slice(&n.to_be_bytes());
    hash[8..16].copy_from_slice(&n.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes());
    Leaf {
        kind: LeafKind::Change,
        document: format!("7d0c3f52-0b5e-4a43-9b43-{:012x}", n / 20),
        hash,
        time_ms: 1_795_000_000_000 + n as i64,
    }
}

fn main() {
    let leaves = fieldtrail_tests::bench::size("FT_LEAVES", 1_000_000, 2_000);
    let dir = tempfile::TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let key = LogKey::load_or_create(dir.path()).unwrap();

    // Bulk appends, 10,000 leaves per transaction (a server adopting history, or a busy one).
    let start = Instant::now();
    let mut n = 0;
    while n < leaves {
        let batch = (leaves - n).min(10_000);
        store
            .transact(|tx| {
                for i in n..n + batch {
                    trail::append(tx, &leaf(i))?;
                }
                Ok(())
            })
            .unwrap();
        n += batch;
    }
    let bulk = start.elapsed();
    println!(
        "appends, 10,000 per transaction: {leaves} leaves in {:.1} s = {:.0} leaves/s",
        bulk.as_secs_f64(),
        leaves as f64 / bulk.as_secs_f64()
    );

    // As syncs do it: one transaction of 10 changes, a newly signed head and a receipt with 10 proofs.
    let syncs = fieldtrail_tests::bench::size("FT_SYNCS", 500, 5);
    let start = Instant::now();
    let mut receipt_bytes = 0;
    for s in 0..syncs {
        let receipt = store
            .transact(|tx| {
                let indices =
                    (0..10).map(|i| trail::append(tx, &leaf(leaves + s * 10 + i))).collect::<Result<Vec<_>, _>>()?;
                trail::receipt(tx, &key, &indices)
            })
            .unwrap();
        receipt_bytes = fieldtrail_core::protocol::encode(&receipt).len();
    }
    let per_sync = start.elapsed();
    println!(
        "sync-shaped appends (10 changes + signed head + receipt per transaction): {:.0} syncs/s = {:.0} leaves/s; \
         a receipt of 10 changes is {receipt_bytes} bytes of CBOR",
        syncs as f64 / per_sync.as_secs_f64(),
        (syncs * 10) as f64 / per_sync.as_secs_f64()
    );

    let head = store.transact(|tx| trail::sign_head(tx, &key)).unwrap();
    let root = hash_from_hex(&head.root).unwrap();
    let size = head.size;

    // Inclusion proofs at the full size, for leaves spread over the log.
    let probes = 1_000u64;
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut proof_hashes = 0;
    let mut json_bytes = 0;
    let mut verify_time = std::time::Duration::ZERO;
    let start = Instant::now();
    for _ in 0..probes {
        let index = next() % size;
        let leaf_hash = leaf(index).leaf_hash();
        let proof = store.transact(|tx| trail::inclusion(tx, &leaf_hash, size)).unwrap();
        proof_hashes += proof.proof.len();
        json_bytes += serde_json::to_vec(&proof).unwrap().len();
        let t = Instant::now();
        verify_inclusion(&leaf_hash, proof.index, size, &hashes_from_hex(&proof.proof).unwrap(), &root).unwrap();
        verify_time += t.elapsed();
    }
    let inclusion = start.elapsed() - verify_time;
    println!(
        "inclusion proof at {size} leaves: {:.1} hashes = {} bytes ({} bytes as JSON); {:.0} µs to make (store), \
         {:.1} µs to verify",
        proof_hashes as f64 / probes as f64,
        proof_hashes * 32 / probes as usize,
        json_bytes / probes as usize,
        inclusion.as_secs_f64() * 1e6 / probes as f64,
        verify_time.as_secs_f64() * 1e6 / probes as f64
    );

    // Consistency proofs from earlier sizes to the full size.
    let mut proof_hashes = 0;
    let mut verify_time = std::time::Duration::ZERO;
    let start = Instant::now();
    for _ in 0..probes {
        let first = 1 + next() % (size - 1);
        let (proof, first_root) = store
            .transact(|tx| {
                let proof = trail::consistency(tx, first, size)?;
                let first_root = store_root(tx, first)?;
                Ok((proof, first_root))
            })
            .unwrap();
        proof_hashes += proof.proof.len();
        let t = Instant::now();
        verify_consistency(first, size, &hashes_from_hex(&proof.proof).unwrap(), &first_root, &root).unwrap();
        verify_time += t.elapsed();
    }
    let consistency = start.elapsed() - verify_time;
    println!(
        "consistency proof to {size} leaves: {:.1} hashes = {} bytes on average; {:.0} µs to make (with the old \
         root), {:.1} µs to verify",
        proof_hashes as f64 / probes as f64,
        proof_hashes * 32 / probes as usize,
        consistency.as_secs_f64() * 1e6 / probes as f64,
        verify_time.as_secs_f64() * 1e6 / probes as f64
    );

    // The whole log re-checked, as `fieldtrail-server verify` does.
    let start = Instant::now();
    let report = trail::verify(&store, key.public_key(), &[head]).unwrap();
    // The benchmark's leaves stand for changes it never stored: only that may be reported.
    assert!(report.problems.iter().all(|p| p.code == "change_missing"), "{:?}", report.problems.first());
    assert!(report.unlisted().keys().all(|c| *c == "change_missing"));
    println!(
        "verify: {} leaves, {} interior nodes, {} signed heads in {:.1} s",
        report.leaves,
        report.nodes_checked,
        report.heads_checked,
        start.elapsed().as_secs_f64()
    );
    let db = std::fs::metadata(dir.path().join("server.db")).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.path().join("server.db-wal")).map(|m| m.len()).unwrap_or(0);
    println!(
        "server.db with the log: {:.0} MiB ({:.0} bytes per leaf)",
        db as f64 / 1048576.0,
        db as f64 / size as f64
    );
}

/// The root of the first `size` leaves, from the stored nodes (what an auditor kept from an earlier head).
fn store_root(
    tx: &mut dyn fieldtrail_server::store::StoreTx,
    size: u64,
) -> Result<fieldtrail_core::trail::Hash, fieldtrail_server::ApiError> {
    trail::root_at(tx, size)
}
