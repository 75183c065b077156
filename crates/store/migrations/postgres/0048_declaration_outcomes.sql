-- The commune officer's work on a citizen's declaration (issue #18): the outcome of the
-- call, who recorded it and when. Postgres dialect; keep in step with
-- ../sqlite/0048_declaration_outcomes.sql.
--
-- `outcome` NULL: still open (to call). `reached`: called, advised, not a contact;
-- `unreachable`: no answer (may be marked again later); `became_f1`: confirmed as an F1,
-- the declaration's person is the one to follow.
ALTER TABLE declarations ADD COLUMN outcome TEXT
    CHECK (outcome IS NULL OR outcome IN ('reached', 'unreachable', 'became_f1'));
ALTER TABLE declarations ADD COLUMN handled_by TEXT;
ALTER TABLE declarations ADD COLUMN handled_at_s BIGINT;
-- Retention deletes by age (the tracing rule's check-in retention).
CREATE INDEX declarations_by_created ON declarations (created_at_s);
