-- The national view (issue #17, "What travels" 5): the latest figures each linked locality
-- published (its `figures` messages, app::national::FiguresBody as JSON), one row per
-- locality; a later day replaces an earlier one, never the reverse.
-- PostgreSQL dialect; keep in step with ../sqlite/0042_national.sql.
CREATE TABLE linked_figures (
    locality      TEXT NOT NULL PRIMARY KEY,
    -- YYYY-MM-DD: the day the figures are of (text compares as dates).
    day           TEXT NOT NULL,
    body          TEXT NOT NULL,
    received_at_s BIGINT NOT NULL
);
