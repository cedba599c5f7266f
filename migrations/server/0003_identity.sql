-- Certificates the authority issued, every change of their status with who and when, the signed revocation
-- lists (every version kept), and the registered terminals with their replay-protection counters.
CREATE TABLE authority (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    name        TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE certificates (
    number       TEXT PRIMARY KEY,
    bytes        BLOB NOT NULL,
    name         TEXT NOT NULL,
    agency       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    valid_from   INTEGER NOT NULL,
    valid_to     INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('valid', 'suspended', 'revoked')),
    status_since INTEGER NOT NULL,
    issued_at    TEXT NOT NULL
) STRICT;

CREATE TABLE certificate_events (
    id      INTEGER PRIMARY KEY,
    number  TEXT NOT NULL REFERENCES certificates (number),
    event   TEXT NOT NULL CHECK (event IN ('issued', 'suspended', 'reinstated', 'revoked')),
    actor   TEXT NOT NULL,
    reason  TEXT NOT NULL,
    at      TEXT NOT NULL
) STRICT;

CREATE TABLE revocation_lists (
    version    INTEGER PRIMARY KEY,
    issued_at  INTEGER NOT NULL,
    bytes      BLOB NOT NULL
) STRICT;

CREATE TABLE devices (
    id             TEXT PRIMARY KEY,
    public_key     BLOB NOT NULL,
    agency         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    registered_by  TEXT NOT NULL,
    registered_at  TEXT NOT NULL,
    retired_at     TEXT,
    max_nonce      INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Counters seen recently, per device; older ones are refused by max_nonce - window alone.
CREATE TABLE device_nonces (
    device  TEXT NOT NULL REFERENCES devices (id),
    nonce   INTEGER NOT NULL,
    PRIMARY KEY (device, nonce)
) STRICT, WITHOUT ROWID;
