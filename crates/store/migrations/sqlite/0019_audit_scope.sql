-- The audit log by jurisdiction and in bounds (issue #12, items 11 and 15).
--
-- structure, unit_path: where the audited record lies (a person's residence, a case's
-- unit), for a list the deepest unit holding every listed record, else the acting
-- account's one unit. An administrator reads the rows whose place lies in their scope;
-- rows with no place (older rows, the system's own actions, accounts of several units)
-- only a country-wide scope reads.
-- item_entity, item_ids: a list writes one row naming what it listed (",12,57,"), so a
-- record's trail still finds the lists that showed it.
ALTER TABLE audit_log ADD COLUMN structure TEXT;
ALTER TABLE audit_log ADD COLUMN unit_path TEXT;
ALTER TABLE audit_log ADD COLUMN item_entity TEXT;
ALTER TABLE audit_log ADD COLUMN item_ids TEXT;
CREATE INDEX audit_by_place ON audit_log (structure, unit_path, id);
-- The retention job deletes by age.
CREATE INDEX audit_by_time ON audit_log (at_s);
