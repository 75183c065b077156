-- The calls that reached a contact, by day (issue #15, "Speed and scale"): the due-today
-- list tests "not reached today" under an OR, which PostgreSQL runs as a hashed subplan
-- over the calls; without this index it read every call ever recorded to hash today's
-- (a province's due-today count: 360 ms at 2 million contacts). Same in both dialects.
CREATE INDEX contact_followups_reached_by_day ON contact_followups (day, contact_id)
    WHERE reached = 1;
