-- Counts the dashboard, map and forecast show, kept up to date by triggers on the rows they
-- count, so that a page sums at most (units × statuses) or (units × days) rows instead of
-- counting cases and contacts. Triggers, not application code, so that every write path
-- (single records, bulk loads, merges, deletions) keeps them right.
--
-- Days are the locality's calendar days, numbered from 1970-01-01: Vietnam is UTC+7 all
-- year (no daylight saving), so day = (utc_seconds + 25200) / 86400. `store::LOCAL_UTC_OFFSET_S`
-- says the same, and a test checks it against the time zone the web edge uses.

-- Cases per unit, status and severity.
CREATE TABLE case_tallies (
    structure TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    status    TEXT NOT NULL,
    severity  TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (structure, unit_code, status, severity)
);
CREATE INDEX case_tallies_by_path ON case_tallies (structure, unit_path);

-- Cases per unit and local day of confirmation.
CREATE TABLE case_days (
    structure TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    day       INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (structure, unit_code, day)
);
CREATE INDEX case_days_by_path ON case_days (structure, unit_path, day);

-- Contacts in quarantine per unit and local day their quarantine ends.
CREATE TABLE quarantine_ends (
    structure TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    day       INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (structure, unit_code, day)
);
CREATE INDEX quarantine_ends_by_path ON quarantine_ends (structure, unit_path, day);

-- The follow-up count of those released later today, and the tallies read without a
-- scope (the whole locality), each by an index the planner picks without statistics.
CREATE INDEX contacts_in_quarantine ON contacts (status, quarantine_until_s);
CREATE INDEX case_days_by_day ON case_days (structure, day);
CREATE INDEX quarantine_ends_by_day ON quarantine_ends (structure, day);

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

CREATE TRIGGER cases_tally_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO case_tallies (structure, unit_code, unit_path, status, severity, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, NEW.status, NEW.severity, 1)
    ON CONFLICT (structure, unit_code, status, severity) DO UPDATE SET n = case_tallies.n + 1;
    INSERT INTO case_days (structure, unit_code, unit_path, day, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, (NEW.confirmed_at_s + 25200) / 86400, 1)
    ON CONFLICT (structure, unit_code, day) DO UPDATE SET n = case_days.n + 1;
END;

CREATE TRIGGER cases_tally_delete AFTER DELETE ON cases
BEGIN
    UPDATE case_tallies SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND status = OLD.status AND severity = OLD.severity;
    UPDATE case_days SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND day = (OLD.confirmed_at_s + 25200) / 86400;
END;

CREATE TRIGGER cases_tally_update
AFTER UPDATE OF structure, unit_code, unit_path, status, severity, confirmed_at_s ON cases
BEGIN
    UPDATE case_tallies SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND status = OLD.status AND severity = OLD.severity;
    INSERT INTO case_tallies (structure, unit_code, unit_path, status, severity, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, NEW.status, NEW.severity, 1)
    ON CONFLICT (structure, unit_code, status, severity) DO UPDATE SET n = case_tallies.n + 1;
    UPDATE case_days SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND day = (OLD.confirmed_at_s + 25200) / 86400;
    INSERT INTO case_days (structure, unit_code, unit_path, day, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, (NEW.confirmed_at_s + 25200) / 86400, 1)
    ON CONFLICT (structure, unit_code, day) DO UPDATE SET n = case_days.n + 1;
END;

CREATE TRIGGER contacts_tally_insert AFTER INSERT ON contacts
WHEN NEW.status = 'quarantine' AND NEW.quarantine_until_s IS NOT NULL
BEGIN
    INSERT INTO quarantine_ends (structure, unit_code, unit_path, day, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, (NEW.quarantine_until_s + 25200) / 86400, 1)
    ON CONFLICT (structure, unit_code, day) DO UPDATE SET n = quarantine_ends.n + 1;
END;

CREATE TRIGGER contacts_tally_delete AFTER DELETE ON contacts
WHEN OLD.status = 'quarantine' AND OLD.quarantine_until_s IS NOT NULL
BEGIN
    UPDATE quarantine_ends SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND day = (OLD.quarantine_until_s + 25200) / 86400;
END;

CREATE TRIGGER contacts_tally_update_old
AFTER UPDATE OF structure, unit_code, unit_path, status, quarantine_until_s ON contacts
WHEN OLD.status = 'quarantine' AND OLD.quarantine_until_s IS NOT NULL
BEGIN
    UPDATE quarantine_ends SET n = n - 1
    WHERE structure = OLD.structure AND unit_code = OLD.unit_code
      AND day = (OLD.quarantine_until_s + 25200) / 86400;
END;

CREATE TRIGGER contacts_tally_update_new
AFTER UPDATE OF structure, unit_code, unit_path, status, quarantine_until_s ON contacts
WHEN NEW.status = 'quarantine' AND NEW.quarantine_until_s IS NOT NULL
BEGIN
    INSERT INTO quarantine_ends (structure, unit_code, unit_path, day, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, (NEW.quarantine_until_s + 25200) / 86400, 1)
    ON CONFLICT (structure, unit_code, day) DO UPDATE SET n = quarantine_ends.n + 1;
END;
