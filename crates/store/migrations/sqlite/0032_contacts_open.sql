-- PostgreSQL only: a partial index of the contacts still followed, for the province's work
-- lists (see ../postgres/0032_contacts_open.sql). On SQLite the same index, once ANALYZE had
-- seen it, led the planner to read the province's followed contacts and sort them for every
-- page (9.3 s for the first page of "due today" at 2 million contacts, against 1.5 ms
-- without it: docs/BENCHMARKS.md), so SQLite keeps its scope and id indexes alone.
SELECT 1;
