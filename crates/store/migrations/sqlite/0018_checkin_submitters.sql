-- Check-in ids are the submitting account's (issue #12, item 9): a device's id that another
-- account happens to use too is its own check-in, not a duplicate. SQLite cannot drop the
-- column's UNIQUE in place, so the table is rebuilt with the account beside the id.
CREATE TABLE checkins_new (
    id            INTEGER PRIMARY KEY,
    client_id     TEXT,
    submitted_by  INTEGER REFERENCES users (id),
    person_id     INTEGER NOT NULL REFERENCES persons (id),
    venue_id      INTEGER NOT NULL REFERENCES venues (id),
    t_in_s        INTEGER NOT NULL,
    t_out_s       INTEGER NOT NULL,
    t_out_default INTEGER NOT NULL DEFAULT 0,
    mode          TEXT NOT NULL,
    received_at_s INTEGER NOT NULL
);
INSERT INTO checkins_new (id, client_id, person_id, venue_id, t_in_s, t_out_s, t_out_default, mode, received_at_s)
    SELECT id, client_id, person_id, venue_id, t_in_s, t_out_s, t_out_default, mode, received_at_s FROM checkins;
DROP TABLE checkins;
ALTER TABLE checkins_new RENAME TO checkins;
CREATE INDEX checkins_by_venue ON checkins (venue_id, t_in_s);
CREATE INDEX checkins_by_person ON checkins (person_id, t_in_s);
CREATE INDEX checkins_by_t_in ON checkins (t_in_s);
CREATE UNIQUE INDEX checkins_by_client ON checkins (submitted_by, client_id);

-- A check-in whose personal QR names a national ID no person here has yet (a visitor from
-- elsewhere, or a resident not yet registered). It is stored and answered exactly as any
-- other check-in (so a check-in reveals nothing about who is registered), and moves to
-- `checkins` when a person with that ID is added.
CREATE TABLE unresolved_checkins (
    id            INTEGER PRIMARY KEY,
    client_id     TEXT NOT NULL,
    submitted_by  INTEGER REFERENCES users (id),
    national_id   TEXT NOT NULL,
    venue_id      INTEGER NOT NULL REFERENCES venues (id),
    t_in_s        INTEGER NOT NULL,
    t_out_s       INTEGER NOT NULL,
    t_out_default INTEGER NOT NULL DEFAULT 0,
    mode          TEXT NOT NULL,
    received_at_s INTEGER NOT NULL
);
CREATE UNIQUE INDEX unresolved_by_client ON unresolved_checkins (submitted_by, client_id);
CREATE INDEX unresolved_by_national_id ON unresolved_checkins (national_id);
CREATE INDEX unresolved_by_t_in ON unresolved_checkins (t_in_s);
