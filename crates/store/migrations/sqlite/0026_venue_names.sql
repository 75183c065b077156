-- Venues found by name without diacritics ("pho" finds "Phở Thìn"): the name folded (lower
-- case, Vietnamese diacritics removed by domain::text::fold_diacritics), filled for the
-- venues already stored by the migration's step and by every insert after it.
ALTER TABLE venues ADD COLUMN name_folded TEXT NOT NULL DEFAULT '';
