-- chongdich schema, SQLite dialect. Keep in step with ../postgres/ (same tables, columns,
-- indexes; only the types differ). All times are Unix seconds in UTC (*_s columns); the
-- locality's time zone (Asia/Ho_Chi_Minh) is applied at the edges only.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Administrative units of both structures and the foreign partner localities.
-- path is the materialised chain of codes from the root ('/01/001/00001/'): a subtree is
-- one range scan on units_by_path.
CREATE TABLE units (
    structure   TEXT NOT NULL,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_ascii  TEXT NOT NULL,
    level       TEXT NOT NULL,
    unit_type   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    parent_code TEXT,
    path        TEXT NOT NULL,
    lat         REAL,
    lon         REAL,
    area_km2    REAL,
    PRIMARY KEY (structure, code)
);
CREATE UNIQUE INDEX units_by_path ON units (structure, path);
CREATE INDEX units_by_parent ON units (structure, parent_code, path);

-- Old (2021) commune -> new (2025) commune; a split commune has several rows.
CREATE TABLE unit_correspondence (
    old_code TEXT NOT NULL,
    new_code TEXT NOT NULL,
    PRIMARY KEY (old_code, new_code)
);
CREATE INDEX unit_correspondence_by_new ON unit_correspondence (new_code, old_code);

CREATE TABLE users (
    id                    INTEGER PRIMARY KEY,
    username              TEXT NOT NULL UNIQUE,
    password_hash         TEXT NOT NULL,
    role                  TEXT NOT NULL,
    active                INTEGER NOT NULL DEFAULT 1,
    created_at_s          INTEGER NOT NULL,
    password_changed_at_s INTEGER NOT NULL
);

-- A user's jurisdictions: subtrees of units. code 'VN' means the whole country (its
-- structure column is then ignored).
CREATE TABLE user_units (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    structure TEXT NOT NULL,
    code      TEXT NOT NULL,
    PRIMARY KEY (user_id, structure, code)
);

-- Bearer tokens, stored as SHA-256 hashes.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at_s INTEGER NOT NULL,
    expires_at_s INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at_s);

-- Failed logins per username (also for usernames that do not exist, so that the answer
-- does not reveal which accounts exist).
CREATE TABLE login_throttle (
    username          TEXT PRIMARY KEY,
    failures          INTEGER NOT NULL,
    last_failure_at_s INTEGER NOT NULL,
    locked_until_s    INTEGER
);

-- Who read or changed which personal record, and when. Append-only.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at_s      INTEGER NOT NULL,
    user_id   INTEGER,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail    TEXT
);
CREATE INDEX audit_by_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_by_user ON audit_log (user_id, id);

CREATE TABLE persons (
    id           INTEGER PRIMARY KEY,
    full_name    TEXT NOT NULL,
    national_id  TEXT,
    phone        TEXT,
    birth_date   TEXT,
    sex          TEXT NOT NULL,
    structure    TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    created_at_s INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id),
    updated_at_s INTEGER NOT NULL
);
-- Scope filter and keyset order in one index: (structure, unit_path, id).
CREATE INDEX persons_by_scope ON persons (structure, unit_path, id);
CREATE INDEX persons_by_national_id ON persons (national_id);
CREATE INDEX persons_by_phone ON persons (phone);
