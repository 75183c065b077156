-- Vaccination coverage counts persons, with their age on the date asked (issue #14, item 6).
-- PostgreSQL dialect; keep in step with ../sqlite/0022_vaccinated_by_birth_year.sql.
--
-- The counts of 0006 were doses by the age group on the day of each dose: a person whose first
-- dose came at 17 and second at 18 counted as a fully vaccinated adult who never had a first
-- dose, and the denominators took the age on another day. Now each row counts persons by
-- their residence and year of birth (0: unknown), on the day they had their first dose of any
-- number (first_doses) and on the day they completed the primary series (full_doses, the
-- earliest dose completing its product's series). A person completes no earlier than their
-- first dose, in the same row's unit and year, so fully vaccinated never exceeds at least one
-- dose. Coverage takes every age on the date asked, as the denominators (birth_tallies) do:
-- whole years from here, the year straddling an age cut from persons and their doses.
-- Store::tally_person_doses keeps the rows in the transaction that changes a person's doses.
DROP TABLE vaccination_counts;
DROP TABLE vaccination_totals;

CREATE TABLE vaccination_counts (
    structure   TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    unit_path   TEXT COLLATE "C" NOT NULL,
    given_on    TEXT NOT NULL,
    birth_year  BIGINT NOT NULL,
    first_doses BIGINT NOT NULL,
    full_doses  BIGINT NOT NULL,
    PRIMARY KEY (structure, unit_path, given_on, birth_year)
);
CREATE INDEX vaccination_counts_by_day ON vaccination_counts (structure, given_on);

-- The same counts summed over all days: coverage today reads this table, coverage on an
-- earlier date subtracts the days after it from vaccination_counts.
CREATE TABLE vaccination_totals (
    structure   TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    unit_path   TEXT COLLATE "C" NOT NULL,
    birth_year  BIGINT NOT NULL,
    first_doses BIGINT NOT NULL,
    full_doses  BIGINT NOT NULL,
    PRIMARY KEY (structure, unit_path, birth_year)
);

-- Doses stored before this migration, counted with the rules of
-- Store::recount_vaccinations (Janssen one dose, Abdala three, others two).
WITH summary AS (
    SELECT p.structure AS structure, p.unit_code AS unit_code, p.unit_path AS unit_path,
           COALESCE(CAST(SUBSTR(p.birth_date, 1, 4) AS BIGINT), 0) AS birth_year,
           s.first_on AS first_on, s.full_on AS full_on
    FROM (SELECT person_id, MIN(given_on) AS first_on,
                 MIN(CASE WHEN dose_no = (CASE product WHEN 'janssen' THEN 1 WHEN 'abdala' THEN 3
                                          ELSE 2 END) THEN given_on END) AS full_on
          FROM vaccinations GROUP BY person_id) s
    JOIN persons p ON p.id = s.person_id
    WHERE p.merged_into IS NULL
)
INSERT INTO vaccination_counts (structure, unit_code, unit_path, given_on, birth_year,
                                first_doses, full_doses)
SELECT structure, MIN(unit_code), unit_path, day, birth_year, SUM(f), SUM(c) FROM (
    SELECT structure, unit_code, unit_path, first_on AS day, birth_year, 1 AS f, 0 AS c
    FROM summary
    UNION ALL
    SELECT structure, unit_code, unit_path, full_on, birth_year, 0, 1
    FROM summary WHERE full_on IS NOT NULL
) e GROUP BY structure, unit_path, day, birth_year;

INSERT INTO vaccination_totals (structure, unit_code, unit_path, birth_year, first_doses, full_doses)
SELECT structure, MIN(unit_code), unit_path, birth_year, SUM(first_doses), SUM(full_doses)
FROM vaccination_counts GROUP BY structure, unit_path, birth_year;
