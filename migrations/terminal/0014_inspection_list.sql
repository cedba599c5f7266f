-- The inspection list the home screen pages through: one narrow row per document, written in
-- the same transaction as every edit and merge of it, so a page of the list reads a few rows of an index even
-- with 10,000 inspections on the tablet. It replaces documents.summary: reading that column walked past each
-- document's save, which is most of the database.
CREATE TABLE inspection_list (
    id          TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    started_ms  INTEGER NOT NULL,  -- when the inspection started, ms since 1970: the list's order, newest first
    summary     TEXT NOT NULL      -- JSON InspectionSummary
) STRICT;
CREATE INDEX inspection_list_newest ON inspection_list (started_ms DESC, id DESC);

INSERT INTO inspection_list (id, started_ms, summary)
SELECT id,
       coalesce(CAST(round((julianday(json_extract(summary, '$.started_at')) - 2440587.5) * 86400000) AS INTEGER), 0),
       summary
FROM documents
WHERE json_valid(summary);

ALTER TABLE documents DROP COLUMN summary;

-- A document whose heads change without its row being written again (older code, a file restored or edited by
-- hand) loses its row; the terminal rebuilds missing rows from the documents when it opens.
CREATE TRIGGER documents_heads_changed AFTER UPDATE OF heads ON documents
BEGIN
    DELETE FROM inspection_list WHERE id = new.id;
END;
