-- Contacts of cases (F1, F2) as traced and persisted, and declared direct contacts.
-- SQLite dialect; keep in step with ../postgres/0003_contacts.sql.

-- A contact declared by an F0 or found by an investigator (household, care, face to face).
CREATE TABLE declared_contacts (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    contact_id   INTEGER NOT NULL REFERENCES persons (id),
    at_s         INTEGER NOT NULL,
    setting      TEXT NOT NULL,
    created_at_s INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id)
);
CREATE INDEX declared_contacts_by_person ON declared_contacts (person_id);
CREATE INDEX declared_contacts_by_contact ON declared_contacts (contact_id);

-- One row per (case, person): tracing a case again adds only new contacts. The follow-up
-- unit is the contact's residence: that jurisdiction calls and monitors the person.
CREATE TABLE contacts (
    id                 INTEGER PRIMARY KEY,
    case_id            INTEGER NOT NULL REFERENCES cases (id),
    person_id          INTEGER NOT NULL REFERENCES persons (id),
    degree             INTEGER NOT NULL,
    via_person_id      INTEGER NOT NULL REFERENCES persons (id),
    first_exposure_s   INTEGER NOT NULL,
    exposure_s         INTEGER NOT NULL,
    reasons            TEXT NOT NULL,
    status             TEXT NOT NULL,
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
CREATE INDEX contacts_by_scope ON contacts (structure, unit_path, id);
CREATE INDEX contacts_by_person ON contacts (person_id);
CREATE INDEX contacts_by_due ON contacts (quarantine_until_s);
