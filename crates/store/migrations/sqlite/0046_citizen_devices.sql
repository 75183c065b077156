-- Citizens' devices (issue #18, parts 1 and 5): a phone that registered once at a venue's
-- poster page keeps a random 256-bit key in a cookie; only its SHA-256 (hex) is kept here,
-- so a stolen table gives no usable key. One device names one person.
-- Sqlite dialect; keep in step with ../postgres/0046_citizen_devices.sql.
CREATE TABLE citizen_devices (
    key_hash     TEXT NOT NULL PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    created_at_s INTEGER NOT NULL
);
CREATE INDEX citizen_devices_by_person ON citizen_devices (person_id);
