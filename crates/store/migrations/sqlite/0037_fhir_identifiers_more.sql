-- Identifiers of facilities and stays taken in from FHIR Bundles (issue #16:
-- Location/Organization, and Encounter are taken in too). SQLite cannot alter
-- a CHECK, so the table is rebuilt with the wider one.
CREATE TABLE fhir_identifiers_new (
    system       TEXT NOT NULL,
    value        TEXT NOT NULL,
    entity       TEXT NOT NULL CHECK (entity IN ('person', 'case', 'facility', 'stay')),
    entity_id    INTEGER NOT NULL,
    created_at_s INTEGER NOT NULL,
    PRIMARY KEY (entity, system, value)
);
INSERT INTO fhir_identifiers_new SELECT system, value, entity, entity_id, created_at_s
    FROM fhir_identifiers;
DROP TABLE fhir_identifiers;
ALTER TABLE fhir_identifiers_new RENAME TO fhir_identifiers;
CREATE INDEX fhir_identifiers_of ON fhir_identifiers (entity, entity_id);
