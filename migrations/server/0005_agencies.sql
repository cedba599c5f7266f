-- SEC-1: every document belongs to one agency, fixed when it first arrives (the agency of the device that
-- delivered it, which the document's own agency field must name); a device sees its agency's documents and
-- those shared with its agency (联合检查).
ALTER TABLE documents ADD COLUMN agency TEXT NOT NULL DEFAULT '';
-- Documents stored before agencies were recorded belong to the agency of the device that delivered their first
-- change; one whose first device is not registered belongs to no agency, and no device is offered it.
UPDATE documents SET agency = coalesce(
    (SELECT d.agency FROM changes c JOIN devices d ON d.id = c.device WHERE c.doc_id = documents.id ORDER BY c.seq LIMIT 1),
    '');
-- A device's pull reads only its agency's rows: its cost does not grow with other agencies' documents.
CREATE INDEX documents_by_agency ON documents (agency, seq);

-- Shares in force. `seq` is a number of the change sequence taken when the share was made, so a terminal whose
-- cursor is older than the share is offered the document even if the document has not changed since.
CREATE TABLE document_shares (
    doc_id  TEXT NOT NULL REFERENCES documents (id),
    agency  TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (doc_id, agency)
) STRICT;
CREATE INDEX document_shares_by_agency ON document_shares (agency, doc_id);

-- Every share and withdrawal, with who, when and why; each is a leaf of the log (its digest,
-- fieldtrail_core::share::ShareEvent), so the history a document shows can be checked against the log.
CREATE TABLE share_events (
    seq        INTEGER PRIMARY KEY,  -- from the change sequence: a history orders shares among changes
    doc_id     TEXT NOT NULL REFERENCES documents (id),
    agency     TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('shared', 'unshared')),
    by_whom    TEXT NOT NULL,
    reason     TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,     -- the server's clock
    log_index  INTEGER NOT NULL
) STRICT;
CREATE INDEX share_events_by_document ON share_events (doc_id, seq);

-- Which agencies hold an evidence file: those whose devices completed an upload of it. An upload reveals
-- that the server already has a file only to them.
CREATE INDEX uploads_by_hash ON uploads (sha256) WHERE status = 'complete';
