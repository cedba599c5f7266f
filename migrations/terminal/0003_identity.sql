-- Officers enrolled on this terminal, each private key sealed under the officer's PIN; the authorities this
-- terminal trusts; the newest revocation list it received; the counter that signs requests against replay.
CREATE TABLE officers (
    certificate_number  TEXT PRIMARY KEY,
    certificate         BLOB NOT NULL,
    name                TEXT NOT NULL,
    sealed_key          BLOB NOT NULL,     -- CBOR Sealed: Argon2id salt and parameters, nonce, ciphertext
    failed_attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until        INTEGER,           -- seconds since 1970
    enrolled_at         TEXT NOT NULL
) STRICT;

CREATE TABLE authorities (
    public_key  BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    added_at    TEXT NOT NULL
) STRICT;

CREATE TABLE revocation_list (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    version      INTEGER NOT NULL,
    issued_at    INTEGER NOT NULL,
    bytes        BLOB NOT NULL,
    received_at  TEXT NOT NULL
) STRICT;

CREATE TABLE request_counter (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    value      INTEGER NOT NULL
) STRICT;
