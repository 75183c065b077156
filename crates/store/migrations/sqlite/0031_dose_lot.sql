-- A dose's vaccine lot, as vaccination cards and the 2021 vaccination lists record it
-- (issue #15: doses entered by form; FHIR Immunization.lotNumber later). Optional: doses
-- recorded before it have none. Same in both dialects.
ALTER TABLE vaccinations ADD COLUMN lot TEXT;
