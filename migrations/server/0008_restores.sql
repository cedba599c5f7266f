-- Restores from a backup (SEC-6, docs/trail.md): each row is a tree head this server signed that its log no
-- longer contains, shown by a terminal as proof that the server runs on a backup. The row's head is also a
-- leaf of the log (kind 3, its digest), so the record of a restore cannot be dropped without breaking the log.
CREATE TABLE restores (
    id                 INTEGER PRIMARY KEY,
    lost_size          INTEGER NOT NULL,
    lost_root          BLOB NOT NULL,
    lost_timestamp_ms  INTEGER NOT NULL,
    lost_signature     BLOB NOT NULL,
    log_size           INTEGER NOT NULL,   -- leaves the log held when the proof arrived
    leaf_index         INTEGER NOT NULL,   -- the restore's own leaf
    device             TEXT NOT NULL,      -- the device that showed the proof
    detected_at        TEXT NOT NULL,
    UNIQUE (lost_size, lost_root)
) STRICT;
