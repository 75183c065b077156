-- F1/F2 follow-up as daily work (issue #15, item 3): contacts assigned to the officer who
-- follows them, the dashboard's follow-up counters kept as a tally, and "in quarantine"
-- ending when follow-up ends.
-- SQLite dialect; keep in step with ../postgres/0030_follow_up_work.sql.

-- The officer (an account) a contact is assigned to; NULL: the unit's officers as a whole.
ALTER TABLE contacts ADD COLUMN assigned_to INTEGER REFERENCES users (id);
-- "My work list": an officer's open contacts, found without reading the unit's others.
CREATE INDEX contacts_by_assignee ON contacts (assigned_to, follow_status, id);

-- Contacts per unit, degree and follow-up status: the dashboard's follow-up counters are a
-- sum over the scope's units, however many contacts there are.
CREATE TABLE follow_tallies (
    structure     TEXT NOT NULL,
    unit_code     TEXT NOT NULL,
    unit_path     TEXT NOT NULL,
    degree        INTEGER NOT NULL,
    follow_status TEXT NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (structure, unit_code, degree, follow_status)
);
CREATE INDEX follow_tallies_by_path ON follow_tallies (structure, unit_path);
INSERT INTO follow_tallies (structure, unit_code, unit_path, degree, follow_status, n)
SELECT structure, unit_code, MIN(unit_path), degree, follow_status, COUNT(*)
FROM contacts GROUP BY structure, unit_code, degree, follow_status;

CREATE TRIGGER follow_tally_insert AFTER INSERT ON contacts
BEGIN
    INSERT INTO follow_tallies (structure, unit_code, unit_path, degree, follow_status, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, NEW.degree, NEW.follow_status, 1)
    ON CONFLICT (structure, unit_code, degree, follow_status) DO UPDATE SET n = follow_tallies.n + 1;
END;

CREATE TRIGGER follow_tally_delete AFTER DELETE ON contacts
BEGIN
    UPDATE follow_tallies SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND degree = OLD.degree AND follow_status = OLD.follow_status;
END;

CREATE TRIGGER follow_tally_update
AFTER UPDATE OF structure, unit_code, unit_path, degree, follow_status ON contacts
BEGIN
    UPDATE follow_tallies SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND degree = OLD.degree AND follow_status = OLD.follow_status;
    INSERT INTO follow_tallies (structure, unit_code, unit_path, degree, follow_status, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, NEW.degree, NEW.follow_status, 1)
    ON CONFLICT (structure, unit_code, degree, follow_status) DO UPDATE SET n = follow_tallies.n + 1;
END;

-- A contact released, or one that became a case, is no longer in quarantine, whatever day
-- its quarantine was to end: the dashboard's "in quarantine" stops counting it then, as the
-- contact list shows it. (A contact lost stays counted: its quarantine order stands.)
DROP TRIGGER contacts_tally_insert;
DROP TRIGGER contacts_tally_delete;
DROP TRIGGER contacts_tally_update_old;
DROP TRIGGER contacts_tally_update_new;

CREATE TRIGGER contacts_tally_insert AFTER INSERT ON contacts
WHEN NEW.status = 'quarantine' AND NEW.quarantine_until_s IS NOT NULL
     AND NEW.follow_status NOT IN ('released', 'became_case')
BEGIN
    INSERT INTO quarantine_ends (structure, unit_code, unit_path, day, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, (NEW.quarantine_until_s + 25200) / 86400, 1)
    ON CONFLICT (structure, unit_code, day) DO UPDATE SET n = quarantine_ends.n + 1;
END;

CREATE TRIGGER contacts_tally_delete AFTER DELETE ON contacts
WHEN OLD.status = 'quarantine' AND OLD.quarantine_until_s IS NOT NULL
     AND OLD.follow_status NOT IN ('released', 'became_case')
BEGIN
    UPDATE quarantine_ends SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND day = (OLD.quarantine_until_s + 25200) / 86400;
END;

CREATE TRIGGER contacts_tally_update_old
AFTER UPDATE OF structure, unit_code, unit_path, status, quarantine_until_s, follow_status ON contacts
WHEN OLD.status = 'quarantine' AND OLD.quarantine_until_s IS NOT NULL
     AND OLD.follow_status NOT IN ('released', 'became_case')
BEGIN
    UPDATE quarantine_ends SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND day = (OLD.quarantine_until_s + 25200) / 86400;
END;

CREATE TRIGGER contacts_tally_update_new
AFTER UPDATE OF structure, unit_code, unit_path, status, quarantine_until_s, follow_status ON contacts
WHEN NEW.status = 'quarantine' AND NEW.quarantine_until_s IS NOT NULL
     AND NEW.follow_status NOT IN ('released', 'became_case')
BEGIN
    INSERT INTO quarantine_ends (structure, unit_code, unit_path, day, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, (NEW.quarantine_until_s + 25200) / 86400, 1)
    ON CONFLICT (structure, unit_code, day) DO UPDATE SET n = quarantine_ends.n + 1;
END;

DELETE FROM quarantine_ends;
INSERT INTO quarantine_ends (structure, unit_code, unit_path, day, n)
SELECT structure, unit_code, MIN(unit_path), (quarantine_until_s + 25200) / 86400, COUNT(*)
FROM contacts
WHERE status = 'quarantine' AND quarantine_until_s IS NOT NULL
  AND follow_status NOT IN ('released', 'became_case')
GROUP BY structure, unit_code, (quarantine_until_s + 25200) / 86400;
