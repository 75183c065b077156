-- F1/F2 follow-up day by day (issue #15, item 3): where each recorded contact stands
-- (`domain::followup::FollowUpStatus`), the case it became, the record of each call or
-- visit, and the tests taken while it is followed.
-- SQLite dialect; keep in step with ../postgres/0025_follow_up.sql.

-- New contacts start `to_reach`. A contact recorded before this migration was taken by
-- every page as being in its quarantine (or monitoring) from the day tracing recorded it,
-- and the dashboard counts it so: it keeps that meaning rather than all returning to the
-- list of people to reach.
ALTER TABLE contacts ADD COLUMN follow_status TEXT NOT NULL DEFAULT 'to_reach'
    CHECK (follow_status IN ('to_reach', 'in_quarantine', 'monitoring', 'released', 'became_case', 'lost'));
-- The case a positive test of the contact made (its source case is `case_id`).
ALTER TABLE contacts ADD COLUMN became_case_id INTEGER REFERENCES cases (id);
UPDATE contacts SET follow_status = CASE WHEN status = 'quarantine' THEN 'in_quarantine' ELSE 'monitoring' END;

-- A call or visit: reached or not, and what was found. Several a day may be recorded (a
-- call not answered in the morning, reached in the evening); `day` is the local date.
-- A contact deleted as a duplicate by a person merge takes its records with it (the kept
-- person's own record of the same case stays).
CREATE TABLE contact_followups (
    id            INTEGER PRIMARY KEY,
    contact_id    INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    reached       INTEGER NOT NULL CHECK (reached IN (0, 1)),
    symptoms      INTEGER CHECK (symptoms IN (0, 1)),
    temperature_c REAL,
    note          TEXT,
    created_at_s  INTEGER NOT NULL,
    created_by    INTEGER REFERENCES users (id)
);
CREATE INDEX contact_followups_by_contact ON contact_followups (contact_id, day);

-- A test of a followed contact; a positive one names the case it made.
CREATE TABLE contact_tests (
    id           INTEGER PRIMARY KEY,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('pcr', 'antigen')),
    positive     INTEGER NOT NULL CHECK (positive IN (0, 1)),
    case_id      INTEGER REFERENCES cases (id),
    created_at_s INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id)
);
CREATE INDEX contact_tests_by_contact ON contact_tests (contact_id, day);
