-- SEC-8: a terminal trusts only the authority keys its administrator provisioned (`fieldtrail-terminal trust
-- add-authority`), never one an enrolment package names. Rows written before this migration came from enrolment
-- packages: they stay for the record, but are not trusted until the administrator provisions the key.
ALTER TABLE authorities ADD COLUMN provisioned_at TEXT;
