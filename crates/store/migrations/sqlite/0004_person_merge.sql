-- Merging duplicate persons keeps history: the duplicate row stays, pointing at the person it
-- was merged into, and every move of a reference is recorded.
-- SQLite dialect; keep in step with ../postgres/0004_person_merge.sql.

ALTER TABLE persons ADD COLUMN merged_into INTEGER REFERENCES persons (id);
CREATE INDEX persons_by_name_birth ON persons (full_name, birth_date);

CREATE TABLE person_merges (
    id           INTEGER PRIMARY KEY,
    duplicate_id INTEGER NOT NULL REFERENCES persons (id),
    kept_id      INTEGER NOT NULL REFERENCES persons (id),
    moved        TEXT NOT NULL,
    at_s         INTEGER NOT NULL,
    actor        TEXT NOT NULL
);
CREATE INDEX person_merges_by_kept ON person_merges (kept_id);
