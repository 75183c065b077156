-- Clusters (ổ dịch) with a stable number (issue #19). Sqlite dialect; keep in step with
-- ../postgres/0050_clusters.sql.
--
-- The linking rule groups recent cases into components; `clusters` gives each a number that
-- it keeps as it grows. A component that takes in two numbered clusters keeps the one with
-- more of its cases (ties: the older); the other `became` it on `became_day`. A numbered
-- cluster whose cases fell apart keeps its number for the part with most of them; the other
-- parts get new numbers `split_from` it. Days are local day numbers (days since
-- 1970-01-01 in the locality's zone). `name`, `place`, `declared_day`, `closed_day` are
-- the command centre's.
CREATE TABLE clusters (
    id            INTEGER PRIMARY KEY,
    created_day   INTEGER NOT NULL,
    name          TEXT,
    place         TEXT,
    venue_id      INTEGER REFERENCES venues (id),
    declared_day  INTEGER,
    closed_day    INTEGER,
    became        INTEGER REFERENCES clusters (id),
    became_day    INTEGER,
    split_from    INTEGER REFERENCES clusters (id),
    updated_at_s  INTEGER NOT NULL
);
CREATE INDEX clusters_became ON clusters (became);

-- Which cluster a case is in now. A case whose links are gone (or who was never linked) has
-- no row; a case older than the window the rule is computed over keeps its row.
CREATE TABLE cluster_cases (
    -- BIGINT, not INTEGER: a case id given, not a rowid SQLite would generate.
    case_id       BIGINT NOT NULL PRIMARY KEY REFERENCES cases (id),
    cluster_id    INTEGER NOT NULL REFERENCES clusters (id),
    since_day     INTEGER NOT NULL
);
CREATE INDEX cluster_cases_by_cluster ON cluster_cases (cluster_id, case_id);

-- What happened to a cluster, for its page and the daily report: created, grew, merged
-- (other = the cluster it took in), split (other = the new part), named, declared, closed,
-- reopened, link_added, link_removed.
CREATE TABLE cluster_events (
    id            INTEGER PRIMARY KEY,
    cluster_id    INTEGER NOT NULL REFERENCES clusters (id),
    kind          TEXT NOT NULL,
    other_id      INTEGER,
    day           INTEGER NOT NULL,
    detail        TEXT,
    actor         TEXT NOT NULL,
    at_s          INTEGER NOT NULL
);
CREATE INDEX cluster_events_by_cluster ON cluster_events (cluster_id, id);
CREATE INDEX cluster_events_by_day ON cluster_events (day, kind);

-- A tracer's correction of the rule's links between two cases, with a reason; kept when the
-- rule is recomputed ('add': the two are linked though the rule does not see it; 'remove':
-- the rule's link is wrong). The newest correction of a pair holds.
CREATE TABLE cluster_link_edits (
    id            INTEGER PRIMARY KEY,
    from_case     INTEGER NOT NULL REFERENCES cases (id),
    to_case       INTEGER NOT NULL REFERENCES cases (id),
    action        TEXT NOT NULL CHECK (action IN ('add', 'remove')),
    reason        TEXT NOT NULL,
    actor         TEXT NOT NULL,
    at_s          INTEGER NOT NULL
);
CREATE INDEX cluster_link_edits_by_pair ON cluster_link_edits (from_case, to_case, id);
