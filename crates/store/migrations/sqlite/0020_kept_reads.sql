-- Reads under load (issue #12, load).
--
-- The case list pages newest confirmed first: walking this index gives a page in LIMIT
-- steps instead of sorting every case of the structure for each request.
CREATE INDEX cases_by_structure_confirmed ON cases (structure, confirmed_at_s, id);

-- data_versions: a counter per kind of record that in-memory copies are kept of (the
-- recent cases tracing and clusters read on every request). Every transaction that changes
-- such records adds one as its last statement before committing, so a reader that sees the
-- same number knows its copy is current; taken last, the row lock is held only while the
-- transaction commits.
CREATE TABLE data_versions (
    name TEXT PRIMARY KEY,
    n    BIGINT NOT NULL
);
INSERT INTO data_versions (name, n) VALUES ('cases', 0);
