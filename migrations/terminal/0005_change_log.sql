-- Every automerge change this terminal stores, in arrival order, hash-chained: each row's link is the SHA-256
-- of the previous link and the row's content, so editing, deleting or moving a row breaks the chain (TRAIL-1).
CREATE TABLE change_log (
    seq     INTEGER PRIMARY KEY,
    doc_id  TEXT NOT NULL,
    hash    BLOB NOT NULL,   -- the automerge change hash
    bytes   BLOB NOT NULL,   -- the change as automerge encodes it
    link    BLOB NOT NULL,
    UNIQUE (doc_id, hash)
) STRICT;
