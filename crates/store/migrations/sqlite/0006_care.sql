-- Care: vaccination coverage kept as counts, facilities with their beds, and stays (admissions
-- to a bed, home care, home quarantine) with their history.
-- SQLite dialect; keep in step with ../postgres/0006_care.sql.

-- A dose sent by a device or a register carries the sender's id: a retried batch is not
-- stored twice. Doses of bulk imports have none. The unit of a dose is where it was given.
ALTER TABLE vaccinations ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX vaccinations_by_client ON vaccinations (client_id);

-- Doses per day, counted by the person's residence and age group on the day of the dose,
-- kept up to date in the transaction that stores the doses: coverage for every commune of a
-- country is a sum over this table, never a recount of the doses.
--   first_doses: doses numbered 1; full_doses: doses completing the product's primary series.
CREATE TABLE vaccination_counts (
    structure   TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    unit_path   TEXT NOT NULL,
    given_on    TEXT NOT NULL,
    age_group   TEXT NOT NULL,
    first_doses INTEGER NOT NULL,
    full_doses  INTEGER NOT NULL,
    PRIMARY KEY (structure, unit_path, given_on, age_group)
);
CREATE INDEX vaccination_counts_by_day ON vaccination_counts (structure, given_on);

-- The same counts summed over all days, kept beside them: coverage today is a read of this
-- table (one row per commune and age group), coverage on an earlier date subtracts the few
-- days after it from vaccination_counts.
CREATE TABLE vaccination_totals (
    structure   TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    unit_path   TEXT NOT NULL,
    age_group   TEXT NOT NULL,
    first_doses INTEGER NOT NULL,
    full_doses  INTEGER NOT NULL,
    PRIMARY KEY (structure, unit_path, age_group)
);

-- Coverage denominators (residents by age on a date) read only this index, not the rows.
CREATE INDEX persons_by_scope_birth ON persons (structure, unit_path, birth_date, merged_into);

CREATE TABLE facilities (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    structure    TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    address      TEXT,
    created_at_s INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id)
);
CREATE INDEX facilities_by_scope ON facilities (structure, unit_path, id);

-- The one place a facility's occupancy is counted. An admission raises occupied with
-- `UPDATE ... WHERE occupied < capacity` in its transaction, so concurrent admissions
-- can never overfill a bed type; the CHECK is the last line of defence.
CREATE TABLE facility_beds (
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    bed_type    TEXT NOT NULL,
    capacity    INTEGER NOT NULL,
    occupied    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (facility_id, bed_type),
    CHECK (occupied >= 0 AND occupied <= capacity)
);

-- A stay: a person (an F0 case, or an F1 contact) in a bed of a facility, or at home.
-- A transfer ends one stay (reason 'transferred') and starts another that points back at it,
-- so every stay keeps its own times. The unit is the facility's (home: the person's), for scope.
CREATE TABLE stays (
    id               INTEGER PRIMARY KEY,
    person_id        INTEGER NOT NULL REFERENCES persons (id),
    case_id          INTEGER REFERENCES cases (id),
    contact_id       INTEGER REFERENCES contacts (id),
    place            TEXT NOT NULL,
    facility_id      INTEGER REFERENCES facilities (id),
    bed_type         TEXT,
    from_s           INTEGER NOT NULL,
    until_s          INTEGER,
    discharge_reason TEXT,
    transferred_from INTEGER REFERENCES stays (id),
    note             TEXT,
    structure        TEXT NOT NULL,
    unit_code        TEXT NOT NULL,
    unit_path        TEXT NOT NULL,
    created_at_s     INTEGER NOT NULL,
    created_by       INTEGER REFERENCES users (id)
);
-- One open stay per person at a time.
CREATE UNIQUE INDEX stays_open_by_person ON stays (person_id) WHERE until_s IS NULL;
CREATE INDEX stays_by_facility ON stays (facility_id, from_s);
CREATE INDEX stays_by_scope ON stays (structure, unit_path, from_s);
CREATE INDEX stays_by_case ON stays (case_id);

-- Doses stored before this migration are counted once here, with the same rules as
-- Store::recount_vaccinations (age on the day of the dose; Janssen one dose, Abdala three,
-- others two); `recount_vaccinations` redoes it after bulk imports.
INSERT INTO vaccination_counts (structure, unit_code, unit_path, given_on, age_group,
                                first_doses, full_doses)
SELECT p.structure, p.unit_code, p.unit_path, v.given_on, g.age_group,
       SUM(CASE WHEN v.dose_no = 1 THEN 1 ELSE 0 END),
       SUM(CASE WHEN v.dose_no = (CASE v.product WHEN 'janssen' THEN 1 WHEN 'abdala' THEN 3
                                  ELSE 2 END) THEN 1 ELSE 0 END)
FROM vaccinations v
JOIN persons p ON p.id = v.person_id
JOIN (SELECT v2.id AS id,
             CASE WHEN p2.birth_date IS NULL THEN 'unknown'
                  WHEN CAST(SUBSTR(v2.given_on, 1, 4) AS INTEGER) - CAST(SUBSTR(p2.birth_date, 1, 4) AS INTEGER)
                       - (CASE WHEN SUBSTR(v2.given_on, 6, 5) < SUBSTR(p2.birth_date, 6, 5) THEN 1 ELSE 0 END) < 18
                    THEN 'under_18'
                  WHEN CAST(SUBSTR(v2.given_on, 1, 4) AS INTEGER) - CAST(SUBSTR(p2.birth_date, 1, 4) AS INTEGER)
                       - (CASE WHEN SUBSTR(v2.given_on, 6, 5) < SUBSTR(p2.birth_date, 6, 5) THEN 1 ELSE 0 END) < 50
                    THEN '18_49'
                  ELSE '50_plus' END AS age_group
      FROM vaccinations v2 JOIN persons p2 ON p2.id = v2.person_id) g ON g.id = v.id
GROUP BY p.structure, p.unit_code, p.unit_path, v.given_on, g.age_group;

INSERT INTO vaccination_totals (structure, unit_code, unit_path, age_group, first_doses, full_doses)
SELECT structure, unit_code, unit_path, age_group, SUM(first_doses), SUM(full_doses)
FROM vaccination_counts GROUP BY structure, unit_code, unit_path, age_group;
