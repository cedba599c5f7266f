-- Uploads are owned (SEC-5, docs/evidence.md): which agencies delivered each stored file, so that "the server
-- already has it" is told only to a device whose own agency delivered it; and an index for the per-device
-- quotas on open uploads. An upload closed by the cleanup has status 'abandoned'.
CREATE TABLE blob_holders (
    sha256  TEXT NOT NULL REFERENCES blobs (sha256),
    agency  TEXT NOT NULL,
    since   TEXT NOT NULL,             -- the server's clock when this agency's bytes verified
    PRIMARY KEY (sha256, agency)
) STRICT, WITHOUT ROWID;

-- Files stored before this table existed are held by the agency of every device that completed an upload.
INSERT OR IGNORE INTO blob_holders (sha256, agency, since)
    SELECT b.sha256, d.agency, b.received_at FROM blobs b JOIN devices d ON d.id = b.device;
INSERT OR IGNORE INTO blob_holders (sha256, agency, since)
    SELECT u.sha256, d.agency, u.updated_at FROM uploads u JOIN devices d ON d.id = u.device
    JOIN blobs b ON b.sha256 = u.sha256 WHERE u.status = 'complete';

CREATE INDEX uploads_open_by_device ON uploads (device) WHERE status = 'open';

-- Where the partial file starts holding bytes no chunk digest vouched for (a chunk cut short keeps what
-- arrived); if the finished file does not hash right, the upload goes back to this offset instead of failing.
ALTER TABLE uploads ADD COLUMN unverified_from INTEGER;
