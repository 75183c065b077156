-- People (issue #15, item 1): search by name without diacritics, and corrections with their
-- history. SQLite dialect; keep in step with ../postgres/0024_person_search.sql.
--
-- `name_folded` is the name as domain::text::fold_diacritics writes it ("nguyen van kiem"):
-- no SQL of either dialect can fold Vietnamese, so the store writes it with every insert
-- and name change, and the migration's step (migrate.rs, FoldedNames) fills the rows
-- already there. Searched by prefix as a range (>= q, < q || U+10FFFF) on a binary
-- ordering, which the (name_folded, id) index answers in key order, the page's order.
ALTER TABLE persons ADD COLUMN name_folded TEXT;
-- The person's own address (street, house), when corrected or given; else the household's.
ALTER TABLE persons ADD COLUMN address TEXT;
CREATE INDEX persons_by_name_folded ON persons (name_folded, id);

-- Each corrected field's value before and after, newest last.
CREATE TABLE person_corrections (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES persons (id),
    field      TEXT NOT NULL CHECK (field IN ('full_name', 'birth_date', 'sex', 'phone',
                                              'national_id', 'address')),
    old_value  TEXT,
    new_value  TEXT,
    at_s       INTEGER NOT NULL,
    user_id    INTEGER REFERENCES users (id),
    actor      TEXT NOT NULL
);
CREATE INDEX person_corrections_by_person ON person_corrections (person_id, id);
