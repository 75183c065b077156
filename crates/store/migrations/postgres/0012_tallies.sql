-- Counts the dashboard, map and forecast show, kept up to date by triggers on the rows they
-- count, so that a page sums at most (units × statuses) or (units × days) rows instead of
-- counting cases and contacts. Triggers, not application code, so that every write path
-- (single records, bulk loads, merges, deletions) keeps them right.
--
-- Days are the locality's calendar days, numbered from 1970-01-01: Vietnam is UTC+7 all
-- year (no daylight saving), so day = (utc_seconds + 25200) / 86400. `store::LOCAL_UTC_OFFSET_S`
-- says the same, and a test checks it against the time zone the web edge uses.
--
-- The triggers run once per statement over its transition tables: a bulk load of 50,000
-- cases is one grouped upsert per tally, not 50,000. Each change is one upsert of signed
-- counts in key order, so two transactions moving cases between the same rows in opposite
-- directions wait for each other instead of deadlocking.

CREATE TABLE case_tallies (
    structure TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    status    TEXT NOT NULL,
    severity  TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (structure, unit_code, status, severity)
);
CREATE INDEX case_tallies_by_path ON case_tallies (structure, unit_path);

CREATE TABLE case_days (
    structure TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    day       BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (structure, unit_code, day)
);
CREATE INDEX case_days_by_path ON case_days (structure, unit_path, day);

CREATE TABLE quarantine_ends (
    structure TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    day       BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (structure, unit_code, day)
);
CREATE INDEX quarantine_ends_by_path ON quarantine_ends (structure, unit_path, day);

INSERT INTO case_tallies (structure, unit_code, unit_path, status, severity, n)
SELECT structure, unit_code, MIN(unit_path), status, severity, COUNT(*)
FROM cases GROUP BY structure, unit_code, status, severity;

INSERT INTO case_days (structure, unit_code, unit_path, day, n)
SELECT structure, unit_code, MIN(unit_path), (confirmed_at_s + 25200) / 86400, COUNT(*)
FROM cases GROUP BY structure, unit_code, (confirmed_at_s + 25200) / 86400;

INSERT INTO quarantine_ends (structure, unit_code, unit_path, day, n)
SELECT structure, unit_code, MIN(unit_path), (quarantine_until_s + 25200) / 86400, COUNT(*)
FROM contacts WHERE status = 'quarantine' AND quarantine_until_s IS NOT NULL
GROUP BY structure, unit_code, (quarantine_until_s + 25200) / 86400;

CREATE INDEX contacts_in_quarantine ON contacts (status, quarantine_until_s);
CREATE INDEX case_days_by_day ON case_days (structure, day);
CREATE INDEX quarantine_ends_by_day ON quarantine_ends (structure, day);

-- The statement that adds a trigger statement's rows to a tally: +1 for each new row and -1
-- for each old one (rows where `held`), grouped by `keys` (the tally's primary key) and
-- upserted in key order, `carried` (a column the key determines) taken along. The trigger
-- EXECUTEs it: only the trigger function's own statements see its transition tables, which
-- exist for the events that declare them (new_rows: INSERT, UPDATE; old_rows: UPDATE, DELETE).
CREATE FUNCTION tally_sql(op TEXT, tally TEXT, keys TEXT, carried TEXT, cols TEXT, held TEXT)
RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT format(
        'WITH changed AS (%s)
         INSERT INTO %I (%s, %s, n)
         SELECT %s, MIN(%s), SUM(d) FROM changed GROUP BY %s HAVING SUM(d) <> 0 ORDER BY %s
         ON CONFLICT (%s) DO UPDATE SET n = %I.n + excluded.n',
        CASE op
            WHEN 'INSERT' THEN format('SELECT %s, 1 AS d FROM new_rows WHERE %s', cols, held)
            WHEN 'DELETE' THEN format('SELECT %s, -1 AS d FROM old_rows WHERE %s', cols, held)
            ELSE format('SELECT %s, 1 AS d FROM new_rows WHERE %s
                         UNION ALL SELECT %s, -1 FROM old_rows WHERE %s', cols, held, cols, held)
        END,
        tally, keys, carried, keys, carried, keys, keys, keys, tally)
$$;

CREATE FUNCTION cases_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cols CONSTANT TEXT := 'structure, unit_code, unit_path, status, severity,
                           (confirmed_at_s + 25200) / 86400 AS day';
BEGIN
    EXECUTE tally_sql(TG_OP, 'case_tallies', 'structure, unit_code, status, severity',
                      'unit_path', cols, 'TRUE');
    EXECUTE tally_sql(TG_OP, 'case_days', 'structure, unit_code, day', 'unit_path', cols, 'TRUE');
    RETURN NULL;
END $$;

CREATE TRIGGER cases_tally_insert AFTER INSERT ON cases
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_tally();
CREATE TRIGGER cases_tally_delete AFTER DELETE ON cases
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_tally();
CREATE TRIGGER cases_tally_update AFTER UPDATE ON cases
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cases_tally();

CREATE FUNCTION contacts_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE tally_sql(TG_OP, 'quarantine_ends', 'structure, unit_code, day', 'unit_path',
                      'structure, unit_code, unit_path, (quarantine_until_s + 25200) / 86400 AS day',
                      'status = ''quarantine'' AND quarantine_until_s IS NOT NULL');
    RETURN NULL;
END $$;

CREATE TRIGGER contacts_tally_insert AFTER INSERT ON contacts
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_tally();
CREATE TRIGGER contacts_tally_delete AFTER DELETE ON contacts
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_tally();
CREATE TRIGGER contacts_tally_update AFTER UPDATE ON contacts
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION contacts_tally();
