-- Published risk levels: one row per unit and assessed week, kept as published (the grounds
-- in both languages and the inputs as JSON) so that a unit's history does not move when late
-- records arrive. Publishing a week again replaces that week's rows.
CREATE TABLE risk_levels (
    id            INTEGER PRIMARY KEY,
    structure     TEXT NOT NULL,
    unit_code     TEXT NOT NULL,
    unit_level    TEXT NOT NULL,
    week_end      TEXT NOT NULL,
    level         INTEGER NOT NULL,
    policy        TEXT NOT NULL,
    population    INTEGER NOT NULL,
    cases         INTEGER NOT NULL,
    inputs        TEXT NOT NULL,
    reason_vi     TEXT NOT NULL,
    reason_en     TEXT NOT NULL,
    published_at_s INTEGER NOT NULL,
    published_by  TEXT NOT NULL
);
CREATE UNIQUE INDEX risk_levels_by_unit ON risk_levels (structure, unit_code, week_end);
CREATE INDEX risk_levels_by_week ON risk_levels (structure, week_end, unit_level);
