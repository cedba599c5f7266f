-- The terminal's own identity, its inspections and where it stands with its server.
CREATE TABLE device (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id   TEXT NOT NULL,
    actor       BLOB NOT NULL,     -- automerge actor id of this device's changes
    created_at  TEXT NOT NULL
) STRICT;

-- One automerge document per inspection: a compacted save plus the changes appended since, so an edit writes
-- a few hundred bytes instead of the whole document.
CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    saved         BLOB NOT NULL,
    heads         BLOB NOT NULL,             -- sorted 32-byte change hashes, concatenated
    server_heads  BLOB NOT NULL DEFAULT x'', -- heads shared with the server at the last sync
    summary       TEXT NOT NULL,             -- JSON InspectionSummary, for lists without loading documents
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE document_chunks (
    id      INTEGER PRIMARY KEY,
    doc_id  TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    bytes   BLOB NOT NULL
) STRICT;
CREATE INDEX document_chunks_by_doc ON document_chunks (doc_id, id);

CREATE TABLE sync_servers (
    url           TEXT PRIMARY KEY,
    cursor        INTEGER NOT NULL DEFAULT 0,
    last_sync_at  TEXT
) STRICT;
