-- Published exposure places and citizens' declarations (issue #18, parts 3 and 4).
-- Sqlite dialect; keep in step with ../postgres/0047_exposures.sql.
--
-- `exposure_places`: a window (local day `day`, from_s..to_s) in which cases were at a
-- venue during their infectious period, proposed from the traced cases and reviewed by
-- staff before it is published (or withdrawn). No personal data: venue, place, times.
-- `structure`/`unit_path` are the venue's (a public list groups by district).
CREATE TABLE exposure_places (
    id            INTEGER PRIMARY KEY,
    venue_id      INTEGER NOT NULL REFERENCES venues (id),
    day           INTEGER NOT NULL,
    from_s        INTEGER NOT NULL,
    to_s          INTEGER NOT NULL,
    structure     TEXT NOT NULL,
    unit_path     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('proposed', 'published', 'withdrawn')),
    proposed_at_s INTEGER NOT NULL,
    reviewed_by   TEXT,
    reviewed_at_s INTEGER,
    UNIQUE (venue_id, day, from_s)
);
CREATE INDEX exposure_places_by_status ON exposure_places (status, day, venue_id);

-- `declarations`: a citizen's "I was there" (a published place) or symptoms (codes of
-- `domain::exposure::SYMPTOMS`, comma-separated, and the onset day), for the commune
-- officer to call. `structure`/`unit_path` are the person's commune (the officer's scope);
-- `matched` says whether a known person was found (1) or one was registered (0).
CREATE TABLE declarations (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES persons (id),
    structure     TEXT NOT NULL,
    unit_path     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('visit', 'symptoms')),
    place_id      INTEGER REFERENCES exposure_places (id),
    symptoms      TEXT,
    onset_date    TEXT,
    birth_year    INTEGER,
    matched       INTEGER NOT NULL,
    created_at_s  INTEGER NOT NULL
);
CREATE INDEX declarations_by_unit ON declarations (structure, unit_path, id);
CREATE INDEX declarations_by_person ON declarations (person_id);
