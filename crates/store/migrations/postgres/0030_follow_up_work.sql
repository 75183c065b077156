-- F1/F2 follow-up as daily work (issue #15, item 3): contacts assigned to the officer who
-- follows them, the dashboard's follow-up counters kept as a tally, and "in quarantine"
-- ending when follow-up ends.
-- PostgreSQL dialect; keep in step with ../sqlite/0030_follow_up_work.sql.

-- The officer (an account) a contact is assigned to; NULL: the unit's officers as a whole.
ALTER TABLE contacts ADD COLUMN assigned_to BIGINT REFERENCES users (id);
-- "My work list": an officer's open contacts, found without reading the unit's others.
CREATE INDEX contacts_by_assignee ON contacts (assigned_to, follow_status, id);

-- Contacts per unit, degree and follow-up status: the dashboard's follow-up counters are a
-- sum over the scope's units, however many contacts there are.
CREATE TABLE follow_tallies (
    structure     TEXT NOT NULL,
    unit_code     TEXT NOT NULL,
    unit_path     TEXT NOT NULL,
    degree        BIGINT NOT NULL,
    follow_status TEXT NOT NULL,
    n             BIGINT NOT NULL,
    PRIMARY KEY (structure, unit_code, degree, follow_status)
);
CREATE INDEX follow_tallies_by_path ON follow_tallies (structure, unit_path);
INSERT INTO follow_tallies (structure, unit_code, unit_path, degree, follow_status, n)
SELECT structure, unit_code, MIN(unit_path), degree, follow_status, COUNT(*)
FROM contacts GROUP BY structure, unit_code, degree, follow_status;

-- A contact released, or one that became a case, is no longer in quarantine, whatever day
-- its quarantine was to end: the dashboard's "in quarantine" stops counting it then, as the
-- contact list shows it. (A contact lost stays counted: its quarantine order stands.)
CREATE OR REPLACE FUNCTION contacts_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE tally_sql(TG_OP, 'quarantine_ends', 'structure, unit_code, day', 'unit_path',
                      'structure, unit_code, unit_path, (quarantine_until_s + 25200) / 86400 AS day',
                      'status = ''quarantine'' AND quarantine_until_s IS NOT NULL
                       AND follow_status NOT IN (''released'', ''became_case'')');
    EXECUTE tally_sql(TG_OP, 'follow_tallies', 'structure, unit_code, degree, follow_status',
                      'unit_path', 'structure, unit_code, unit_path, degree, follow_status', 'TRUE');
    RETURN NULL;
END $$;

DELETE FROM quarantine_ends;
INSERT INTO quarantine_ends (structure, unit_code, unit_path, day, n)
SELECT structure, unit_code, MIN(unit_path), (quarantine_until_s + 25200) / 86400, COUNT(*)
FROM contacts
WHERE status = 'quarantine' AND quarantine_until_s IS NOT NULL
  AND follow_status NOT IN ('released', 'became_case')
GROUP BY structure, unit_code, (quarantine_until_s + 25200) / 86400;
