-- Gifts between linked localities (issue #17, "What travels" 4). A gift taken in from another
-- locality keeps that locality's code (`link_from`, a link::LocalityCode) and its record key
-- (`link_ref`, "gift:<donor code>:<donor's donation id>"): a later message about the gift
-- updates this row, and the receipt is sent back about that key. A gift recorded here has
-- both NULL.
-- PostgreSQL dialect; keep in step with ../sqlite/0040_gift_links.sql.
ALTER TABLE aid_donations ADD COLUMN link_from TEXT;
ALTER TABLE aid_donations ADD COLUMN link_ref TEXT;
-- One row per gift taken in (NULLs are distinct on both databases).
CREATE UNIQUE INDEX aid_donations_by_link ON aid_donations (link_from, link_ref);

-- A need published by a linked locality, seen here among the open needs: the same two
-- columns, so its closing (a later message about the key) updates the row.
ALTER TABLE aid_needs ADD COLUMN link_from TEXT;
ALTER TABLE aid_needs ADD COLUMN link_ref TEXT;
CREATE UNIQUE INDEX aid_needs_by_link ON aid_needs (link_from, link_ref);
