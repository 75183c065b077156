-- Residents per unit of residence, kept up to date by every write of persons (bulk loads,
-- registration, merges) so that rates per 100,000 never recount the persons table.
CREATE TABLE unit_residents (
    structure  TEXT NOT NULL,
    unit_code  TEXT NOT NULL,
    unit_path  TEXT NOT NULL,
    residents  BIGINT NOT NULL,
    PRIMARY KEY (structure, unit_code)
);
CREATE INDEX unit_residents_by_scope ON unit_residents (structure, unit_path);

INSERT INTO unit_residents (structure, unit_code, unit_path, residents)
SELECT structure, unit_code, unit_path, COUNT(*)
FROM persons
WHERE merged_into IS NULL
GROUP BY structure, unit_code, unit_path;

-- Deaths of a week, for risk levels.
CREATE INDEX cases_by_outcome ON cases (outcome_at_s);
