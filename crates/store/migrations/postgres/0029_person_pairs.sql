-- The duplicate-review list (issue #15, item 1). PostgreSQL dialect; keep in step with
-- ../sqlite/0029_person_pairs.sql.
--
-- Suspected pairs are found when a person is registered or corrected (store person_pairs.rs)
-- and kept here, so that the review page reads one range of an index in the caller's scope
-- instead of comparing millions of persons at each request. A pair is (lower id, higher id),
-- filed under the scope of the lower id's unit; merged persons drop out when listed.
CREATE TABLE person_pairs (
    a_id       BIGINT NOT NULL REFERENCES persons (id),
    b_id       BIGINT NOT NULL REFERENCES persons (id),
    -- Why: 'national_id' (the same number), 'phone_name' (the same phone and folded name),
    -- 'name_birth' (the same folded name and birth date); the first found is kept.
    reason     TEXT NOT NULL CHECK (reason IN ('national_id', 'phone_name', 'name_birth')),
    structure  TEXT NOT NULL,
    unit_path  TEXT NOT NULL,
    found_at_s BIGINT NOT NULL,
    PRIMARY KEY (a_id, b_id),
    CHECK (a_id < b_id)
);
-- The page's order within a scope: one range scan per scope root.
CREATE INDEX person_pairs_by_scope ON person_pairs (structure, unit_path, a_id, b_id);
CREATE INDEX person_pairs_by_b ON person_pairs (b_id);
-- A new or corrected person's look-up by folded name and birth date.
CREATE INDEX persons_by_folded_birth ON persons (name_folded, birth_date);

-- The pairs among the persons already registered.
INSERT INTO person_pairs (a_id, b_id, reason, structure, unit_path, found_at_s)
SELECT a.id, b.id, 'national_id', a.structure, a.unit_path, 0
  FROM persons a JOIN persons b ON b.national_id = a.national_id AND b.id > a.id
 WHERE a.national_id IS NOT NULL AND a.merged_into IS NULL AND b.merged_into IS NULL
ON CONFLICT DO NOTHING;
INSERT INTO person_pairs (a_id, b_id, reason, structure, unit_path, found_at_s)
SELECT a.id, b.id, 'phone_name', a.structure, a.unit_path, 0
  FROM persons a JOIN persons b
    ON b.phone = a.phone AND b.name_folded = a.name_folded AND b.id > a.id
 WHERE a.phone IS NOT NULL AND a.merged_into IS NULL AND b.merged_into IS NULL
ON CONFLICT DO NOTHING;
INSERT INTO person_pairs (a_id, b_id, reason, structure, unit_path, found_at_s)
SELECT a.id, b.id, 'name_birth', a.structure, a.unit_path, 0
  FROM persons a JOIN persons b
    ON b.name_folded = a.name_folded AND b.birth_date = a.birth_date AND b.id > a.id
 WHERE a.birth_date IS NOT NULL AND a.merged_into IS NULL AND b.merged_into IS NULL
ON CONFLICT DO NOTHING;
