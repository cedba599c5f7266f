-- The server's append-only Merkle log (TRAIL-2, docs/trail.md): every change and evidence hash it accepts is a
-- leaf; interior nodes of complete subtrees are kept so a proof reads O(log n) rows, never every leaf; every
-- tree head the server signed is kept.
CREATE TABLE log_leaves (
    idx        INTEGER PRIMARY KEY,   -- 0, 1, 2, … with no gap
    data       BLOB NOT NULL,         -- the leaf's encoding: version, kind, server time, document id, hash
    leaf_hash  BLOB NOT NULL          -- SHA-256(0x00 || data)
) STRICT;
CREATE INDEX log_leaves_by_hash ON log_leaves (leaf_hash);

-- Roots of complete subtrees above the leaves: level L, index i covers leaves i·2^L .. (i+1)·2^L.
CREATE TABLE log_nodes (
    level  INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    hash   BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE log_heads (
    size          INTEGER PRIMARY KEY,
    root          BLOB NOT NULL,
    timestamp_ms  INTEGER NOT NULL,
    signature     BLOB NOT NULL
) STRICT;
