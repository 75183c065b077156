-- Referred contacts (issue #17, "What travels" 1): a contact referred here from another
-- locality has no local source case nor local person it was exposed through; it keeps the
-- locality it came from and that locality's record key (see ../sqlite/0039_referrals.sql).
-- PostgreSQL dialect; keep in step with ../sqlite/0039_referrals.sql.
ALTER TABLE contacts ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE contacts ALTER COLUMN via_person_id DROP NOT NULL;
ALTER TABLE contacts ADD COLUMN referred_from TEXT;
ALTER TABLE contacts ADD COLUMN remote_ref TEXT;
ALTER TABLE contacts ADD CONSTRAINT contacts_local_or_referred
    CHECK ((case_id IS NULL) = (referred_from IS NOT NULL));
-- One contact per referred record: a referral applied is found again by its key.
CREATE UNIQUE INDEX contacts_by_referral ON contacts (referred_from, remote_ref)
    WHERE referred_from IS NOT NULL;
