-- Evidence on the server (SYNC-3, SYNC-4): the verified files it keeps, uploads under way, and refusals.

-- One row per stored file, keyed by content: blobs/ab/cd/<sha256> in the data directory. A row exists only
-- once the received bytes hashed to this value.
CREATE TABLE blobs (
    sha256       TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    media_type   TEXT NOT NULL,
    device       TEXT NOT NULL,     -- the terminal that delivered it
    upload_id    TEXT NOT NULL,
    received_at  TEXT NOT NULL      -- the server's clock
) STRICT;

-- Resumable uploads: the partial bytes are uploads/<id>.part; the offset is that file's length, so an upload
-- survives a server restart. status: 'open', 'complete', 'rejected' (hash mismatch; the bytes are deleted).
CREATE TABLE uploads (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    media_type   TEXT NOT NULL,
    device       TEXT NOT NULL,
    status       TEXT NOT NULL,
    error        TEXT,
    actual_sha256 TEXT,             -- what the bytes hashed to when they did not match
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX uploads_open_by_hash ON uploads (sha256, size) WHERE status = 'open';
