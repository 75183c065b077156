-- Vocabulary columns hold only their enum's slugs (issue #13, item 3): contact status
-- (`domain::contact::ContactStatus`), declared-contact setting (`ContactSetting`), the unit
-- level of a published risk level (`domain::UnitLevel`) and the status of the policy item an
-- override replaced (`domain::policy::Status`). The store parses each on read; the CHECK
-- keeps any other writer (a console, an import) from storing what it could not read.
-- SQLite dialect; keep in step with ../postgres/0021_vocab.sql.
--
-- SQLite cannot add a CHECK to a table, so each table is rebuilt: copied aside, dropped,
-- created again under its own name with the CHECK, refilled (ids kept), and given back its
-- indexes and triggers. It is created under its own name rather than renamed into place
-- because `stays.contact_id` references `contacts`: a rename would leave that reference on
-- the old name. Dropping `contacts` under enforced foreign keys deletes its rows first, which
-- the stays referencing them would refuse; deferring the foreign keys to the commit lets the
-- refill (same ids) satisfy them again. Triggers come back after the refill, so the tallies
-- of 0012 (which the drop does not touch) count no row twice.
PRAGMA defer_foreign_keys = ON;

-- Declared contacts.
CREATE TEMP TABLE vocab_declared_contacts AS SELECT * FROM declared_contacts;
DROP TABLE declared_contacts;
CREATE TABLE declared_contacts (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    contact_id   INTEGER NOT NULL REFERENCES persons (id),
    at_s         INTEGER NOT NULL,
    setting      TEXT NOT NULL CHECK (setting IN ('household', 'care', 'face_to_face', 'other')),
    created_at_s INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id)
);
INSERT INTO declared_contacts (id, person_id, contact_id, at_s, setting, created_at_s, created_by)
    SELECT id, person_id, contact_id, at_s, setting, created_at_s, created_by
    FROM vocab_declared_contacts;
DROP TABLE vocab_declared_contacts;
CREATE INDEX declared_contacts_by_person ON declared_contacts (person_id);
CREATE INDEX declared_contacts_by_contact ON declared_contacts (contact_id);

-- Recorded contacts (0003), with the index and the tally triggers of 0012.
CREATE TEMP TABLE vocab_contacts AS SELECT * FROM contacts;
DROP TABLE contacts;
CREATE TABLE contacts (
    id                 INTEGER PRIMARY KEY,
    case_id            INTEGER NOT NULL REFERENCES cases (id),
    person_id          INTEGER NOT NULL REFERENCES persons (id),
    degree             INTEGER NOT NULL,
    via_person_id      INTEGER NOT NULL REFERENCES persons (id),
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
    UNIQUE (case_id, person_id)
);
INSERT INTO contacts (id, case_id, person_id, degree, via_person_id, first_exposure_s,
                      exposure_s, reasons, status, quarantine_from_s, quarantine_until_s,
                      test_days, policy, structure, unit_code, unit_path, created_at_s,
                      created_by)
    SELECT id, case_id, person_id, degree, via_person_id, first_exposure_s, exposure_s,
           reasons, status, quarantine_from_s, quarantine_until_s, test_days, policy,
           structure, unit_code, unit_path, created_at_s, created_by
    FROM vocab_contacts;
DROP TABLE vocab_contacts;
CREATE INDEX contacts_by_scope ON contacts (structure, unit_path, id);
CREATE INDEX contacts_by_person ON contacts (person_id);
CREATE INDEX contacts_by_due ON contacts (quarantine_until_s);
CREATE INDEX contacts_in_quarantine ON contacts (status, quarantine_until_s);

CREATE TRIGGER contacts_tally_insert AFTER INSERT ON contacts
WHEN NEW.status = 'quarantine' AND NEW.quarantine_until_s IS NOT NULL
BEGIN
    INSERT INTO quarantine_ends (structure, unit_code, unit_path, day, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, (NEW.quarantine_until_s + 25200) / 86400, 1)
    ON CONFLICT (structure, unit_code, day) DO UPDATE SET n = quarantine_ends.n + 1;
END;

CREATE TRIGGER contacts_tally_delete AFTER DELETE ON contacts
WHEN OLD.status = 'quarantine' AND OLD.quarantine_until_s IS NOT NULL
BEGIN
    UPDATE quarantine_ends SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND day = (OLD.quarantine_until_s + 25200) / 86400;
END;

CREATE TRIGGER contacts_tally_update_old
AFTER UPDATE OF structure, unit_code, unit_path, status, quarantine_until_s ON contacts
WHEN OLD.status = 'quarantine' AND OLD.quarantine_until_s IS NOT NULL
BEGIN
    UPDATE quarantine_ends SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND day = (OLD.quarantine_until_s + 25200) / 86400;
END;

CREATE TRIGGER contacts_tally_update_new
AFTER UPDATE OF structure, unit_code, unit_path, status, quarantine_until_s ON contacts
WHEN NEW.status = 'quarantine' AND NEW.quarantine_until_s IS NOT NULL
BEGIN
    INSERT INTO quarantine_ends (structure, unit_code, unit_path, day, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, (NEW.quarantine_until_s + 25200) / 86400, 1)
    ON CONFLICT (structure, unit_code, day) DO UPDATE SET n = quarantine_ends.n + 1;
END;

-- Published risk levels (0009).
CREATE TEMP TABLE vocab_risk_levels AS SELECT * FROM risk_levels;
DROP TABLE risk_levels;
CREATE TABLE risk_levels (
    id            INTEGER PRIMARY KEY,
    structure     TEXT NOT NULL,
    unit_code     TEXT NOT NULL,
    unit_level    TEXT NOT NULL
                  CHECK (unit_level IN ('country', 'province', 'district', 'commune')),
    week_end      TEXT NOT NULL,
    level         INTEGER NOT NULL,
    policy        TEXT NOT NULL,
    population    INTEGER NOT NULL,
    cases         INTEGER NOT NULL,
    inputs        TEXT NOT NULL,
    reason_vi     TEXT NOT NULL,
    reason_en     TEXT NOT NULL,
    published_at_s INTEGER NOT NULL,
    published_by  TEXT NOT NULL
);
INSERT INTO risk_levels (id, structure, unit_code, unit_level, week_end, level, policy,
                         population, cases, inputs, reason_vi, reason_en, published_at_s,
                         published_by)
    SELECT id, structure, unit_code, unit_level, week_end, level, policy, population, cases,
           inputs, reason_vi, reason_en, published_at_s, published_by
    FROM vocab_risk_levels;
DROP TABLE vocab_risk_levels;
CREATE UNIQUE INDEX risk_levels_by_unit ON risk_levels (structure, unit_code, week_end);
CREATE INDEX risk_levels_by_week ON risk_levels (structure, week_end, unit_level);

-- Policy overrides (0008).
CREATE TEMP TABLE vocab_policy_overrides AS SELECT * FROM policy_overrides;
DROP TABLE policy_overrides;
CREATE TABLE policy_overrides (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,
    document    TEXT NOT NULL,
    key         TEXT NOT NULL,
    old_value   TEXT NOT NULL,
    old_status  TEXT NOT NULL
                CHECK (old_status IN ('verified', 'partly', 'assumed', 'local')),
    new_value   TEXT NOT NULL,
    note        TEXT,
    by_user     INTEGER NOT NULL REFERENCES users (id),
    at_s        INTEGER NOT NULL
);
INSERT INTO policy_overrides (id, file, document, key, old_value, old_status, new_value, note,
                              by_user, at_s)
    SELECT id, file, document, key, old_value, old_status, new_value, note, by_user, at_s
    FROM vocab_policy_overrides;
DROP TABLE vocab_policy_overrides;
