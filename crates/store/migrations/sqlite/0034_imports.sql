-- Spreadsheet imports (issue #16, item 1). Every committed import is recorded: who, when,
-- which file (name and SHA-256 of its bytes), what kind of list and what it did. The
-- (kind, sha256) key makes a second commit of the same file change nothing: the record is
-- written in the same transaction as the rows, so a file counts as imported only if its
-- rows were written. created_by is the user's id, 0 for the system (the CLI); the name is
-- kept as written then (`actor`) so the list stays readable if the account is renamed.
CREATE TABLE imports (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    created_by      BIGINT NOT NULL,
    actor           TEXT NOT NULL,
    created_at_s    BIGINT NOT NULL,
    rows_total      BIGINT NOT NULL,
    rows_new        BIGINT NOT NULL,
    rows_matched    BIGINT NOT NULL,
    rows_already    BIGINT NOT NULL,
    rows_refused    BIGINT NOT NULL,
    UNIQUE (kind, sha256)
);
CREATE INDEX imports_by_time ON imports (created_at_s, id);

-- Column mappings saved by name for reuse: the mapping is JSON, one field slug (or null)
-- per column header as the file had it.
CREATE TABLE import_mappings (
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    mapping         TEXT NOT NULL,
    created_by      BIGINT NOT NULL,
    updated_at_s    BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
);

-- A file uploaded on the import page, kept between its preview (where the mapping and the
-- duplicate choices are made, page after page) and its commit; only its uploader reads it.
-- Uploads older than a day are deleted when the next is stored.
CREATE TABLE import_uploads (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    bytes           BLOB NOT NULL,
    created_by      BIGINT NOT NULL,
    created_at_s    BIGINT NOT NULL
);
CREATE INDEX import_uploads_by_time ON import_uploads (created_at_s);
