-- Identifiers of facilities and stays taken in from FHIR Bundles (issue #16:
-- Location/Organization and Encounter are taken in too).
ALTER TABLE fhir_identifiers DROP CONSTRAINT fhir_identifiers_entity_check;
ALTER TABLE fhir_identifiers ADD CONSTRAINT fhir_identifiers_entity_check
    CHECK (entity IN ('person', 'case', 'facility', 'stay'));
