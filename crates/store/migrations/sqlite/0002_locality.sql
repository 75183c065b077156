-- The locality's epidemic records: households, venues, check-ins, cases, tests, doses.
-- SQLite dialect; keep in step with ../postgres/0002_locality.sql.

CREATE TABLE households (
    id           INTEGER PRIMARY KEY,
    structure    TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    address      TEXT,
    synthetic    INTEGER NOT NULL DEFAULT 0,
    created_at_s INTEGER NOT NULL
);
CREATE INDEX households_by_scope ON households (structure, unit_path, id);

-- synthetic = 1 marks people made by the simulator (their ID numbers are well-formed but
-- belong to no one).
ALTER TABLE persons ADD COLUMN household_id INTEGER REFERENCES households (id);
ALTER TABLE persons ADD COLUMN synthetic INTEGER NOT NULL DEFAULT 0;
CREATE INDEX persons_by_household ON persons (household_id);

CREATE TABLE venues (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    structure    TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    address      TEXT,
    capacity     INTEGER,
    open_min     INTEGER NOT NULL,
    close_min    INTEGER NOT NULL,
    qr_payload   TEXT NOT NULL UNIQUE,
    synthetic    INTEGER NOT NULL DEFAULT 0,
    created_at_s INTEGER NOT NULL
);
CREATE INDEX venues_by_scope ON venues (structure, unit_path, id);

-- client_id is the id the scanning device gave the check-in: a retried batch carries the
-- same ids and is not stored twice. Check-ins made by the simulator have none.
CREATE TABLE checkins (
    id            INTEGER PRIMARY KEY,
    client_id     TEXT UNIQUE,
    person_id     INTEGER NOT NULL REFERENCES persons (id),
    venue_id      INTEGER NOT NULL REFERENCES venues (id),
    t_in_s        INTEGER NOT NULL,
    t_out_s       INTEGER NOT NULL,
    t_out_default INTEGER NOT NULL DEFAULT 0,
    mode          TEXT NOT NULL,
    received_at_s INTEGER NOT NULL
);
CREATE INDEX checkins_by_venue ON checkins (venue_id, t_in_s);
CREATE INDEX checkins_by_person ON checkins (person_id, t_in_s);
CREATE INDEX checkins_by_t_in ON checkins (t_in_s);

-- An F0. The unit is the responsible one (residence when confirmed), copied for scope.
CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES persons (id),
    structure       TEXT NOT NULL,
    unit_code       TEXT NOT NULL,
    unit_path       TEXT NOT NULL,
    status          TEXT NOT NULL,
    severity        TEXT NOT NULL,
    onset_s         INTEGER,
    first_sample_s  INTEGER NOT NULL,
    confirmed_at_s  INTEGER NOT NULL,
    isolation_s     INTEGER,
    community       INTEGER NOT NULL DEFAULT 1,
    outcome_at_s    INTEGER,
    created_at_s    INTEGER NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    updated_at_s    INTEGER NOT NULL
);
CREATE INDEX cases_by_scope ON cases (structure, unit_path, id);
CREATE INDEX cases_by_person ON cases (person_id);
CREATE INDEX cases_by_confirmed ON cases (confirmed_at_s);

CREATE TABLE tests (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    case_id   INTEGER REFERENCES cases (id),
    kind      TEXT NOT NULL,
    sample_s  INTEGER NOT NULL,
    result_s  INTEGER NOT NULL,
    positive  INTEGER NOT NULL,
    ct        REAL
);
CREATE INDEX tests_by_person ON tests (person_id, sample_s);
CREATE INDEX tests_by_case ON tests (case_id);

CREATE TABLE case_status_history (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    at_s     INTEGER NOT NULL,
    status   TEXT NOT NULL,
    severity TEXT NOT NULL,
    actor    TEXT NOT NULL,
    note     TEXT
);
CREATE INDEX case_status_history_by_case ON case_status_history (case_id, at_s);

-- given_on is a calendar date (YYYY-MM-DD) in the locality's time zone.
CREATE TABLE vaccinations (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    dose_no      INTEGER NOT NULL,
    product      TEXT NOT NULL,
    given_on     TEXT NOT NULL,
    structure    TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    created_at_s INTEGER NOT NULL
);
CREATE UNIQUE INDEX vaccinations_by_person ON vaccinations (person_id, dose_no);
