-- A locality's corrections of policy values (data/policies/*.toml): applied in id order at
-- start, each re-checked against the whole file. Never updated or deleted: a correction of a
-- correction is a new row.
CREATE TABLE policy_overrides (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,
    document    TEXT NOT NULL,
    key         TEXT NOT NULL,
    old_value   TEXT NOT NULL,
    old_status  TEXT NOT NULL,
    new_value   TEXT NOT NULL,
    note        TEXT,
    by_user     INTEGER NOT NULL REFERENCES users (id),
    at_s        INTEGER NOT NULL
);
