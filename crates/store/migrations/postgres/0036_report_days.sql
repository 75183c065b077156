-- The daily report's tests and doses of one day (issue #16, item 3): both tables were indexed
-- only by person, so a day's tests or doses read every row ever recorded. Same in both dialects.
CREATE INDEX tests_by_sample_day ON tests (sample_s);
CREATE INDEX vaccinations_by_day ON vaccinations (given_on);
