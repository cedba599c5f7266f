-- Evidence (REC-2, SYNC-3): the device's signing key, the content-addressed files it holds, which inspection
-- lists which file, and where each file's upload to a server stands.

-- The per-device Ed25519 key (PKCS#8, as ring writes it) that signs evidence metadata until officer keys exist.
CREATE TABLE device_key (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    pkcs8       BLOB NOT NULL,
    public_key  BLOB NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

-- One row per stored file, keyed by content: blobs/ab/cd/<sha256> in the data directory.
CREATE TABLE evidence_files (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    media_type  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    thumbnail   TEXT,               -- path under the data directory, for photos
    stored_at   TEXT NOT NULL
) STRICT;

-- Which inspection lists which file, with the signed metadata as the document holds it (JSON Evidence).
CREATE TABLE evidence (
    inspection_id  TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    sha256         TEXT NOT NULL REFERENCES evidence_files (sha256),
    metadata       TEXT NOT NULL,
    added_at       TEXT NOT NULL,
    PRIMARY KEY (inspection_id, sha256)
) STRICT;

-- A file's upload to one server: the server's upload id survives a killed app, so the upload resumes.
CREATE TABLE evidence_uploads (
    sha256      TEXT NOT NULL REFERENCES evidence_files (sha256),
    server      TEXT NOT NULL,
    upload_id   TEXT,
    status      TEXT NOT NULL,      -- 'pending' or 'done'
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (sha256, server)
) STRICT;
