-- Counts the dashboard, map and forecast show, kept up to date by triggers on the rows they
-- count, so that a page sums at most (units × statuses) or (units × days) rows instead of
-- counting cases and contacts. Triggers, not application code, so that every write path
-- (single records, bulk loads, merges, deletions) keeps them right.
--
-- Days are the locality's calendar days, numbered from 1970-01-01: Vietnam is UTC+7 all
-- year (no daylight saving), so day = (utc_seconds + 25200) / 86400. `store::LOCAL_UTC_OFFSET_S`
-- says the same, and a test checks it against the time zone the web edge uses.
--
-- Under concurrent writes a tally row is locked by the transaction that changes it. A
-- change of status moves one case between two rows; the trigger touches them in key order,
-- so two such changes in opposite directions wait for each other instead of deadlocking.

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

CREATE FUNCTION tally_case(s TEXT, code TEXT, path TEXT, st TEXT, sev TEXT, d BIGINT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF d > 0 THEN
        INSERT INTO case_tallies (structure, unit_code, unit_path, status, severity, n)
        VALUES (s, code, path, st, sev, 1)
        ON CONFLICT (structure, unit_code, status, severity) DO UPDATE SET n = case_tallies.n + 1;
    ELSE
        UPDATE case_tallies SET n = n - 1
        WHERE structure = s AND unit_code = code AND status = st AND severity = sev;
    END IF;
END $$;

CREATE FUNCTION tally_day(tbl TEXT, s TEXT, code TEXT, path TEXT, dy BIGINT, d BIGINT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF tbl = 'case_days' THEN
        IF d > 0 THEN
            INSERT INTO case_days (structure, unit_code, unit_path, day, n)
            VALUES (s, code, path, dy, 1)
            ON CONFLICT (structure, unit_code, day) DO UPDATE SET n = case_days.n + 1;
        ELSE
            UPDATE case_days SET n = n - 1 WHERE structure = s AND unit_code = code AND day = dy;
        END IF;
    ELSE
        IF d > 0 THEN
            INSERT INTO quarantine_ends (structure, unit_code, unit_path, day, n)
            VALUES (s, code, path, dy, 1)
            ON CONFLICT (structure, unit_code, day) DO UPDATE SET n = quarantine_ends.n + 1;
        ELSE
            UPDATE quarantine_ends SET n = n - 1
            WHERE structure = s AND unit_code = code AND day = dy;
        END IF;
    END IF;
END $$;

CREATE FUNCTION cases_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_day BIGINT;
    new_day BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM tally_case(NEW.structure, NEW.unit_code, NEW.unit_path, NEW.status, NEW.severity, 1);
        PERFORM tally_day('case_days', NEW.structure, NEW.unit_code, NEW.unit_path,
                          (NEW.confirmed_at_s + 25200) / 86400, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM tally_case(OLD.structure, OLD.unit_code, OLD.unit_path, OLD.status, OLD.severity, -1);
        PERFORM tally_day('case_days', OLD.structure, OLD.unit_code, OLD.unit_path,
                          (OLD.confirmed_at_s + 25200) / 86400, -1);
    ELSE
        IF ROW(OLD.structure, OLD.unit_code, OLD.status, OLD.severity)
           IS DISTINCT FROM ROW(NEW.structure, NEW.unit_code, NEW.status, NEW.severity) THEN
            IF ROW(OLD.structure, OLD.unit_code, OLD.status, OLD.severity)
               < ROW(NEW.structure, NEW.unit_code, NEW.status, NEW.severity) THEN
                PERFORM tally_case(OLD.structure, OLD.unit_code, OLD.unit_path, OLD.status, OLD.severity, -1);
                PERFORM tally_case(NEW.structure, NEW.unit_code, NEW.unit_path, NEW.status, NEW.severity, 1);
            ELSE
                PERFORM tally_case(NEW.structure, NEW.unit_code, NEW.unit_path, NEW.status, NEW.severity, 1);
                PERFORM tally_case(OLD.structure, OLD.unit_code, OLD.unit_path, OLD.status, OLD.severity, -1);
            END IF;
        END IF;
        old_day := (OLD.confirmed_at_s + 25200) / 86400;
        new_day := (NEW.confirmed_at_s + 25200) / 86400;
        IF ROW(OLD.structure, OLD.unit_code, old_day) IS DISTINCT FROM ROW(NEW.structure, NEW.unit_code, new_day) THEN
            IF ROW(OLD.structure, OLD.unit_code, old_day) < ROW(NEW.structure, NEW.unit_code, new_day) THEN
                PERFORM tally_day('case_days', OLD.structure, OLD.unit_code, OLD.unit_path, old_day, -1);
                PERFORM tally_day('case_days', NEW.structure, NEW.unit_code, NEW.unit_path, new_day, 1);
            ELSE
                PERFORM tally_day('case_days', NEW.structure, NEW.unit_code, NEW.unit_path, new_day, 1);
                PERFORM tally_day('case_days', OLD.structure, OLD.unit_code, OLD.unit_path, old_day, -1);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cases_tally
AFTER INSERT OR DELETE OR UPDATE OF structure, unit_code, unit_path, status, severity, confirmed_at_s
ON cases FOR EACH ROW EXECUTE FUNCTION cases_tally();

CREATE FUNCTION contacts_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was BOOLEAN := TG_OP <> 'INSERT' AND OLD.status = 'quarantine' AND OLD.quarantine_until_s IS NOT NULL;
    now_in BOOLEAN := TG_OP <> 'DELETE' AND NEW.status = 'quarantine' AND NEW.quarantine_until_s IS NOT NULL;
    old_day BIGINT;
    new_day BIGINT;
BEGIN
    IF was THEN
        old_day := (OLD.quarantine_until_s + 25200) / 86400;
    END IF;
    IF now_in THEN
        new_day := (NEW.quarantine_until_s + 25200) / 86400;
    END IF;
    IF was AND now_in AND ROW(OLD.structure, OLD.unit_code, old_day) = ROW(NEW.structure, NEW.unit_code, new_day) THEN
        RETURN NULL;
    END IF;
    IF was AND (NOT now_in OR ROW(OLD.structure, OLD.unit_code, old_day) < ROW(NEW.structure, NEW.unit_code, new_day)) THEN
        PERFORM tally_day('quarantine_ends', OLD.structure, OLD.unit_code, OLD.unit_path, old_day, -1);
        was := FALSE;
    END IF;
    IF now_in THEN
        PERFORM tally_day('quarantine_ends', NEW.structure, NEW.unit_code, NEW.unit_path, new_day, 1);
    END IF;
    IF was THEN
        PERFORM tally_day('quarantine_ends', OLD.structure, OLD.unit_code, OLD.unit_path, old_day, -1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER contacts_tally
AFTER INSERT OR DELETE OR UPDATE OF structure, unit_code, unit_path, status, quarantine_until_s
ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_tally();
