-- A traced contact's follow-up ends after its quarantine and the self-monitoring the rule
-- in force adds (data/policies/tracing.toml, by vaccination status at the exposure): stored
-- when the contact is recorded, since the status it depends on is judged then. NULL for a
-- contact recorded before this column (its end is unknown) and for one with no end.
ALTER TABLE contacts ADD COLUMN follow_up_until_s INTEGER;
