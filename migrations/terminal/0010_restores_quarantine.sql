-- SEC-6 (docs/trail.md, "Restored from a backup"): per server, the newest head of its log this terminal has
-- checked, and every restore from a backup it detected, with the lost head it shows the server as proof.
CREATE TABLE log_heads (
    server        TEXT PRIMARY KEY,
    size          INTEGER NOT NULL,
    root          BLOB NOT NULL,
    timestamp_ms  INTEGER NOT NULL,
    signature     BLOB NOT NULL,
    seen_at       TEXT NOT NULL
) STRICT;

CREATE TABLE server_restores (
    id                 INTEGER PRIMARY KEY,
    server             TEXT NOT NULL,
    lost_size          INTEGER NOT NULL,   -- the newest head this terminal held, which the server lost
    lost_root          BLOB NOT NULL,
    lost_timestamp_ms  INTEGER NOT NULL,
    lost_signature     BLOB NOT NULL,
    server_size        INTEGER NOT NULL,   -- the server's log when the restore was detected
    reason             TEXT NOT NULL,
    last_receipt_id    INTEGER NOT NULL,   -- receipts up to this id were received before the restore was known
    detected_at        TEXT NOT NULL,
    reported_at        TEXT,               -- when the server accepted the proof; NULL: still to be shown
    refused            TEXT                -- the server's refusal of the proof, if it refused it
) STRICT;

-- SEC-3: documents that arrived but do not read as an inspection. The bytes are kept (an automerge save of
-- the document as received, or the sync message that would not apply), so nothing delivered is lost; the
-- document leaves quarantine when a later sync makes it readable.
CREATE TABLE quarantine (
    doc_id         TEXT PRIMARY KEY,
    reason         TEXT NOT NULL,
    bytes          BLOB NOT NULL,
    first_seen_at  TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
