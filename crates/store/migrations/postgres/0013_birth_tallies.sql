-- Residents per unit and year of birth (merged-away records left out), kept by triggers on
-- `persons` as the case tallies are (0012): vaccination coverage counts the adults and the
-- 50-and-over of a unit from whole years here and only the year that straddles the age cut
-- from `persons`, instead of counting every resident per request.
CREATE TABLE birth_tallies (
    structure  TEXT NOT NULL,
    unit_code  TEXT NOT NULL,
    unit_path  TEXT NOT NULL,
    birth_year BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    -- Keyed by path (a unit's path names it as its code does): a scope's rows lie together.
    PRIMARY KEY (structure, unit_path, birth_year) INCLUDE (n)
);
-- The straddling year's residents, read by date without touching the table.
CREATE INDEX persons_by_birth ON persons (structure, birth_date, merged_into, unit_path);

INSERT INTO birth_tallies (structure, unit_code, unit_path, birth_year, n)
SELECT structure, MIN(unit_code), unit_path, CAST(SUBSTR(birth_date, 1, 4) AS BIGINT), COUNT(*)
FROM persons WHERE merged_into IS NULL AND birth_date IS NOT NULL
GROUP BY structure, unit_path, CAST(SUBSTR(birth_date, 1, 4) AS BIGINT);

-- Per statement over the transition tables, signed counts upserted in key order (see
-- tally_sql in 0012).
CREATE FUNCTION persons_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE tally_sql(TG_OP, 'birth_tallies', 'structure, unit_path, birth_year', 'unit_code',
                      'structure, unit_code, unit_path, CAST(SUBSTR(birth_date, 1, 4) AS BIGINT) AS birth_year',
                      'merged_into IS NULL AND birth_date IS NOT NULL');
    RETURN NULL;
END $$;

CREATE TRIGGER persons_tally_insert AFTER INSERT ON persons
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION persons_tally();
CREATE TRIGGER persons_tally_delete AFTER DELETE ON persons
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION persons_tally();
CREATE TRIGGER persons_tally_update AFTER UPDATE ON persons
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION persons_tally();
