-- Request counters as the unsigned 64-bit numbers they are (SEC-4): SQLite's INTEGER is signed, so a counter
-- above 2^63 - 1 wrapped to a negative number and broke the "far behind the newest" comparison. Eight
-- big-endian bytes compare (memcmp) exactly as the numbers do. Per device, the newest counter and the window
-- below it are kept; the newest is max(counter).
CREATE TABLE request_counters (
    device   TEXT NOT NULL REFERENCES devices (id),
    counter  BLOB NOT NULL CHECK (length(counter) = 8),
    PRIMARY KEY (device, counter)
) STRICT, WITHOUT ROWID;

-- printf('%016x') of a stored INTEGER prints its 64 bits, so a counter that had wrapped comes back whole.
INSERT INTO request_counters (device, counter)
    SELECT device, unhex(printf('%016x', nonce)) FROM device_nonces;
INSERT OR IGNORE INTO request_counters (device, counter)
    SELECT id, unhex(printf('%016x', max_nonce)) FROM devices WHERE max_nonce <> 0;

DROP TABLE device_nonces;
ALTER TABLE devices DROP COLUMN max_nonce;
