-- Inspections and their full history. Every change a terminal delivers is kept as its own row with who
-- delivered it and when the server received it; `documents.saved` is only a compacted cache of those rows.
CREATE TABLE documents (
    id          TEXT PRIMARY KEY,
    saved       BLOB NOT NULL,
    heads       BLOB NOT NULL,     -- sorted 32-byte change hashes, concatenated
    seq         INTEGER NOT NULL,  -- the changes.seq of the document's latest change
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX documents_by_seq ON documents (seq);

CREATE TABLE changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id       TEXT NOT NULL REFERENCES documents (id),
    hash         BLOB NOT NULL,
    actor        BLOB NOT NULL,
    actor_seq    INTEGER NOT NULL,
    device_time  INTEGER NOT NULL,  -- seconds, the author's clock: recorded, never trusted for order
    message      TEXT,
    bytes        BLOB NOT NULL,
    device       TEXT NOT NULL,     -- the terminal that delivered it
    received_at  TEXT NOT NULL,     -- the server's clock
    UNIQUE (doc_id, hash)
);

-- Per terminal and document, the heads both sides last had in common (automerge's persisted sync state).
CREATE TABLE sync_states (
    device        TEXT NOT NULL,
    doc_id        TEXT NOT NULL REFERENCES documents (id),
    shared_heads  BLOB NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (device, doc_id)
) STRICT;
