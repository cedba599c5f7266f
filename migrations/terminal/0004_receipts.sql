-- Receipts (SYNC-5, docs/trail.md): per server, the log key this terminal trusts (the first one it saw), and
-- every receipt the server handed over: its signed tree head and, per delivered change, the logged leaf and
-- its inclusion proof.
CREATE TABLE log_keys (
    server      TEXT PRIMARY KEY,
    public_key  BLOB NOT NULL,
    first_seen  TEXT NOT NULL
) STRICT;

CREATE TABLE receipts (
    id            INTEGER PRIMARY KEY,
    server        TEXT NOT NULL,
    tree_size     INTEGER NOT NULL,
    root          BLOB NOT NULL,
    timestamp_ms  INTEGER NOT NULL,
    signature     BLOB NOT NULL,
    received_at   TEXT NOT NULL
) STRICT;

CREATE TABLE receipt_entries (
    receipt_id  INTEGER NOT NULL REFERENCES receipts (id),
    leaf_index  INTEGER NOT NULL,
    leaf        BLOB NOT NULL,     -- the leaf's encoding: kind, server time, document id, change hash
    doc_id      TEXT NOT NULL,
    change_hash BLOB NOT NULL,
    proof       BLOB NOT NULL,     -- the inclusion proof's hashes, concatenated
    PRIMARY KEY (receipt_id, leaf_index)
) STRICT;
CREATE INDEX receipt_entries_by_change ON receipt_entries (doc_id, change_hash);
