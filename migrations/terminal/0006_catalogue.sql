-- The item catalogue (执法事项清单, REC-8) as last imported: one row, the whole published file as checked JSON.
-- Kept whole rather than as item rows because it is replaced whole, by version, and searched in memory.
CREATE TABLE catalogue (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    version     INTEGER NOT NULL,
    json        TEXT NOT NULL,
    imported_at TEXT NOT NULL
) STRICT;
