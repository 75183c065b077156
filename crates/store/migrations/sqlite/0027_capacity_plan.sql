-- Planned capacity (issue #15, item 7): a locality's bed plan by kind of bed and the date it
-- applies from (Hà Nội's 2021 plan: 70,000 F1 quarantine places, 30,000 F0 beds), entered
-- before the facilities exist. Each row is one entry: a unit's planned beds of one type from
-- a date; a later entry for the same unit and type replaces it from its own date (a revised
-- plan), and the plan in force at a date is the latest entry per unit and type on or before
-- it (`store::capacity::in_force`). Rows are never changed: revisions are new rows.
-- SQLite dialect; keep in step with ../postgres/0027_capacity_plan.sql.
CREATE TABLE capacity_plans (
    id           INTEGER PRIMARY KEY,
    structure    TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    bed_type     TEXT NOT NULL CHECK (bed_type IN ('quarantine', 'f0_tier1', 'oxygen', 'high_flow', 'ventilator', 'icu')),
    beds         INTEGER NOT NULL CHECK (beds > 0),
    from_date    TEXT NOT NULL,
    note         TEXT,
    created_at_s INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id)
);
CREATE INDEX capacity_plans_by_scope ON capacity_plans (structure, unit_path, from_date);
