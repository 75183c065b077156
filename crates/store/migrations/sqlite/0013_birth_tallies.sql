-- Residents per unit and year of birth (merged-away records left out), kept by triggers on
-- `persons` as the case tallies are (0012): vaccination coverage counts the adults and the
-- 50-and-over of a unit from whole years here and only the year that straddles the age cut
-- from `persons`, instead of counting every resident per request.
CREATE TABLE birth_tallies (
    structure  TEXT NOT NULL,
    unit_code  TEXT NOT NULL,
    unit_path  TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    -- Keyed by path (a unit's path names it as its code does): a scope's rows lie together.
    PRIMARY KEY (structure, unit_path, birth_year)
) WITHOUT ROWID;
-- The straddling year's residents, read by date without touching the table.
CREATE INDEX persons_by_birth ON persons (structure, birth_date, merged_into, unit_path);

INSERT INTO birth_tallies (structure, unit_code, unit_path, birth_year, n)
SELECT structure, MIN(unit_code), unit_path, CAST(SUBSTR(birth_date, 1, 4) AS INTEGER), COUNT(*)
FROM persons WHERE merged_into IS NULL AND birth_date IS NOT NULL
GROUP BY structure, unit_path, CAST(SUBSTR(birth_date, 1, 4) AS INTEGER);

CREATE TRIGGER persons_tally_insert AFTER INSERT ON persons
WHEN NEW.merged_into IS NULL AND NEW.birth_date IS NOT NULL
BEGIN
    INSERT INTO birth_tallies (structure, unit_code, unit_path, birth_year, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, CAST(SUBSTR(NEW.birth_date, 1, 4) AS INTEGER), 1)
    ON CONFLICT (structure, unit_path, birth_year) DO UPDATE SET n = birth_tallies.n + 1;
END;

CREATE TRIGGER persons_tally_delete AFTER DELETE ON persons
WHEN OLD.merged_into IS NULL AND OLD.birth_date IS NOT NULL
BEGIN
    UPDATE birth_tallies SET n = n - 1
    WHERE structure = OLD.structure AND unit_path = OLD.unit_path
      AND birth_year = CAST(SUBSTR(OLD.birth_date, 1, 4) AS INTEGER);
END;

CREATE TRIGGER persons_tally_update_old
AFTER UPDATE OF structure, unit_code, unit_path, birth_date, merged_into ON persons
WHEN OLD.merged_into IS NULL AND OLD.birth_date IS NOT NULL
BEGIN
    UPDATE birth_tallies SET n = n - 1
    WHERE structure = OLD.structure AND unit_path = OLD.unit_path
      AND birth_year = CAST(SUBSTR(OLD.birth_date, 1, 4) AS INTEGER);
END;

CREATE TRIGGER persons_tally_update_new
AFTER UPDATE OF structure, unit_code, unit_path, birth_date, merged_into ON persons
WHEN NEW.merged_into IS NULL AND NEW.birth_date IS NOT NULL
BEGIN
    INSERT INTO birth_tallies (structure, unit_code, unit_path, birth_year, n)
    VALUES (NEW.structure, NEW.unit_code, NEW.unit_path, CAST(SUBSTR(NEW.birth_date, 1, 4) AS INTEGER), 1)
    ON CONFLICT (structure, unit_path, birth_year) DO UPDATE SET n = birth_tallies.n + 1;
END;
