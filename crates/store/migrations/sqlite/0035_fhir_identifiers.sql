-- Identifiers of records taken in from FHIR Bundles (issue #16): another system's person
-- or case id (or a national ID) → our id, so that a Bundle posted twice finds what the
-- first one created and changes nothing. Same in both dialects.
CREATE TABLE fhir_identifiers (
    system       TEXT NOT NULL,
    value        TEXT NOT NULL,
    entity       TEXT NOT NULL CHECK (entity IN ('person', 'case')),
    entity_id    INTEGER NOT NULL,
    created_at_s INTEGER NOT NULL,
    PRIMARY KEY (entity, system, value)
);
CREATE INDEX fhir_identifiers_of ON fhir_identifiers (entity, entity_id);
