-- The holder's photo thumbnail beside a version 2 certificate, which signs only its hash (CERT-3): the public
-- verify page shows it once the presentation verified and the hash matches. NULL for version 1 certificates,
-- whose thumbnail is inside their bytes.
ALTER TABLE certificates ADD COLUMN photo BLOB;
