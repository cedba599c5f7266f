-- SEC-3, the terminal's own documents: one the server refused (a lock or amendment by an officer revoked since
-- the tablet's list was fetched, a case of an agency the tablet no longer serves) is held back from that sync,
-- so the others still go, and is tried again at the next. The refusal is shown until the server accepts it.
CREATE TABLE refused (
    doc_id         TEXT PRIMARY KEY,
    status         INTEGER NOT NULL,
    code           TEXT NOT NULL,
    message        TEXT NOT NULL,
    first_seen_at  TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
