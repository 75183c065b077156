-- F1 of every F0 in f0s, by the tracing engine's definition (crates/trace):
-- two check-ins at one venue are a contact when their overlap inside the F0's infectious
-- window is > 0 and >= the venue's minimum; the exposure is the sum over all such pairs.
-- Plain SQL that runs unchanged on SQLite, PostgreSQL and DuckDB.
-- Tables (from `bench --csv-out DIR`): checkins(person, venue, t_in_s, t_out_s),
-- venues(venue, kind, min_overlap_s), f0s(person, from_s, to_s).
-- Indexes a fair peer has: checkins(person, t_in_s) and checkins(venue, t_in_s).
-- The engine refuses check-ins longer than 86,400 s, so the look-back below is the same
-- bound it uses (it keeps a tighter one per venue).
WITH f0_visits AS (
  SELECT f.person AS f0, c.venue,
         CASE WHEN c.t_in_s > f.from_s THEN c.t_in_s ELSE f.from_s END AS lo,
         CASE WHEN c.t_out_s < f.to_s THEN c.t_out_s ELSE f.to_s END AS hi
  FROM f0s f
  JOIN checkins c ON c.person = f.person
  WHERE c.t_in_s < f.to_s AND c.t_out_s > f.from_s
),
pairs AS (
  SELECT a.f0, o.person AS contact, v.min_overlap_s,
         (CASE WHEN o.t_out_s < a.hi THEN o.t_out_s ELSE a.hi END)
       - (CASE WHEN o.t_in_s > a.lo THEN o.t_in_s ELSE a.lo END) AS overlap_s
  FROM f0_visits a
  JOIN checkins o ON o.venue = a.venue
                 AND o.t_in_s >= a.lo - 86400 AND o.t_in_s < a.hi
                 AND o.t_out_s > a.lo
  JOIN venues v ON v.venue = a.venue
  WHERE o.person <> a.f0
)
SELECT f0, contact, SUM(overlap_s) AS exposure_s
FROM pairs
WHERE overlap_s > 0 AND overlap_s >= min_overlap_s
GROUP BY f0, contact
ORDER BY f0, contact;
