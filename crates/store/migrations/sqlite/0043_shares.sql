-- Records shared for view between linked localities (issue #17, "What travels" 3).
-- SQLite dialect; keep in step with ../postgres/0043_shares.sql.
--
-- `shares`: the cases this locality shared out, to whom, with which pseudonymisation
-- (domain::share::Pseudonymisation::to_text), and whether it was revoked. The body sent is
-- not kept here: it is in the outbox row, and the case itself is ours.
CREATE TABLE shares (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    to_locality  TEXT NOT NULL,
    choices      TEXT NOT NULL,
    created_at_s INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    revoked_at_s INTEGER,
    revoked_by   TEXT
);
CREATE INDEX shares_by_case ON shares (case_id, id);

-- `shared_in`: the copies other localities shared with us, read-only and never part of our
-- own persons or cases. A revoke deletes the copy (`body` NULL) and keeps only that it was
-- revoked, when and by whom.
CREATE TABLE shared_in (
    id            INTEGER PRIMARY KEY,
    from_locality TEXT NOT NULL,
    -- The sender's share id (its record key is share:<from>:<share_id>).
    share_id      INTEGER NOT NULL,
    -- The body as received (JSON, app::share::SharedCase v1); NULL once revoked.
    body          TEXT,
    received_at_s INTEGER NOT NULL,
    revoked_at_s  INTEGER,
    revoked_by    TEXT,
    UNIQUE (from_locality, share_id),
    CHECK ((body IS NULL) = (revoked_at_s IS NOT NULL))
);
