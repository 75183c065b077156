-- Referred contacts (issue #17, "What travels" 1): a contact traced in another locality and
-- referred here for follow-up because they live here has no local source case and no local
-- person it was exposed through, so `case_id` and `via_person_id` become NULLable; it keeps
-- the locality it came from (`referred_from`, a link::LocalityCode) and that locality's record
-- key (`remote_ref`, e.g. "contact:01:1234": the record the follow-up status is sent back
-- about). A traced contact has both NULL.
-- SQLite dialect; keep in step with ../postgres/0039_referrals.sql.
--
-- SQLite cannot drop a NOT NULL, so the table is rebuilt as 0021_vocab did (see there why it
-- is created under its own name and why the foreign keys are deferred), keeping every column,
-- index and trigger it has after 0030.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE referral_contacts AS SELECT * FROM contacts;
DROP TABLE contacts;
CREATE TABLE contacts (
    id                 INTEGER PRIMARY KEY,
    case_id            INTEGER REFERENCES cases (id),
    person_id          INTEGER NOT NULL REFERENCES persons (id),
    degree             INTEGER NOT NULL,
    via_person_id      INTEGER REFERENCES persons (id),
    first_exposure_s   INTEGER NOT NULL,
    exposure_s         INTEGER NOT NULL,
    reasons            TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('quarantine', 'monitor')),
    quarantine_from_s  INTEGER,
    quarantine_until_s INTEGER,
    test_days          TEXT NOT NULL,
    policy             TEXT NOT NULL,
    structure          TEXT NOT NULL,
    unit_code          TEXT NOT NULL,
    unit_path          TEXT NOT NULL,
    created_at_s       INTEGER NOT NULL,
    created_by         INTEGER REFERENCES users (id),
    follow_up_until_s  INTEGER,
    follow_status      TEXT NOT NULL DEFAULT 'to_reach'
        CHECK (follow_status IN ('to_reach', 'in_quarantine', 'monitoring', 'released', 'became_case', 'lost')),
    became_case_id     INTEGER REFERENCES cases (id),
    assigned_to        INTEGER REFERENCES users (id),
    referred_from      TEXT,
    remote_ref         TEXT,
    UNIQUE (case_id, person_id),
    CHECK ((case_id IS NULL) = (referred_from IS NOT NULL))
);
INSERT INTO contacts (id, case_id, person_id, degree, via_person_id, first_exposure_s,
                      exposure_s, reasons, status, quarantine_from_s, quarantine_until_s,
                      test_days, policy, structure, unit_code, unit_path, created_at_s,
                      created_by, follow_up_until_s, follow_status, became_case_id, assigned_to)
    SELECT id, case_id, person_id, degree, via_person_id, first_exposure_s, exposure_s,
           reasons, status, quarantine_from_s, quarantine_until_s, test_days, policy,
           structure, unit_code, unit_path, created_at_s, created_by, follow_up_until_s,
           follow_status, became_case_id, assigned_to
    FROM referral_contacts;
DROP TABLE referral_contacts;
CREATE INDEX contacts_by_scope ON contacts (structure, unit_path, id);
CREATE INDEX contacts_by_person ON contacts (person_id);
CREATE INDEX contacts_by_due ON contacts (quarantine_until_s);
CREATE INDEX contacts_in_quarantine ON contacts (status, quarantine_until_s);
CREATE INDEX contacts_by_assignee ON contacts (assigned_to, follow_status, id);
-- One contact per referred record: a referral applied is found again by its key.
CREATE UNIQUE INDEX contacts_by_referral ON contacts (referred_from, remote_ref)
    WHERE referred_from IS NOT NULL;

-- The triggers as 0030 left them (the drop took them with the table; the tallies they keep
-- are untouched, and the refill ran before they came back, so no row is counted twice).
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
