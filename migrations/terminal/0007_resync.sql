-- Set when the server answered `replayed` with where to resume: this terminal was restored from a backup
-- (SEC-6). Its next sync asks the server to offer everything again; cleared once that sync was answered.
ALTER TABLE request_counter ADD COLUMN resync_pending INTEGER NOT NULL DEFAULT 0 CHECK (resync_pending IN (0, 1));
