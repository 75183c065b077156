-- Vocabulary columns hold only their enum's slugs (issue #13, item 3): contact status
-- (`domain::contact::ContactStatus`), declared-contact setting (`ContactSetting`), the unit
-- level of a published risk level (`domain::UnitLevel`) and the status of the policy item an
-- override replaced (`domain::policy::Status`). The store parses each on read; the CHECK
-- keeps any other writer (a console, an import) from storing what it could not read.
-- PostgreSQL dialect; keep in step with ../sqlite/0021_vocab.sql (which rebuilds the tables).

ALTER TABLE declared_contacts ADD CONSTRAINT declared_contacts_setting_known
    CHECK (setting IN ('household', 'care', 'face_to_face', 'other'));
ALTER TABLE contacts ADD CONSTRAINT contacts_status_known
    CHECK (status IN ('quarantine', 'monitor'));
ALTER TABLE risk_levels ADD CONSTRAINT risk_levels_unit_level_known
    CHECK (unit_level IN ('country', 'province', 'district', 'commune'));
ALTER TABLE policy_overrides ADD CONSTRAINT policy_overrides_old_status_known
    CHECK (old_status IN ('verified', 'partly', 'assumed', 'local'));
