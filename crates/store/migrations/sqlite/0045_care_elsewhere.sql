-- Residents cared for elsewhere (issue #17, "What travels" 4): the record follows the person.
-- Sqlite dialect; keep in step with ../postgres/0045_care_elsewhere.sql.
--
-- `helped_home`: a person living in another linked locality whom this locality helped
-- home (the date, the means or a note). The message that tells their home locality goes
-- in the same transaction (kind `care`).
CREATE TABLE helped_home (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    on_date      TEXT NOT NULL,
    note         TEXT,
    to_locality  TEXT NOT NULL,
    created_at_s INTEGER NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX helped_home_by_person ON helped_home (person_id, id);

-- `care_elsewhere`: each care item another locality gave one of our residents, as applied
-- from its `care` message: the partner's code, its key of the item (a resend finds it),
-- our person, the kind and the day.
CREATE TABLE care_elsewhere (
    id            INTEGER PRIMARY KEY,
    partner       TEXT NOT NULL,
    item_key      TEXT NOT NULL,
    person_id     INTEGER NOT NULL REFERENCES persons (id),
    kind          TEXT NOT NULL CHECK (kind IN ('vaccinated', 'treated', 'helped_home')),
    on_date       TEXT NOT NULL,
    detail        TEXT,
    received_at_s INTEGER NOT NULL,
    UNIQUE (partner, item_key)
);
CREATE INDEX care_elsewhere_by_day ON care_elsewhere (on_date, partner);
CREATE INDEX care_elsewhere_by_person ON care_elsewhere (person_id);
