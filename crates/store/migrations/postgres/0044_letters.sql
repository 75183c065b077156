-- Thank-you letters sent and received, also for help that was not a gift (issue #17, "What
-- travels" 4). PostgreSQL dialect; keep in step with ../sqlite/0044_letters.sql.
--
-- One row per letter. `partner_code` is a locality's code (linked or not); `partner_name`
-- its name when recorded (the registry's for a linked locality), or the name of another
-- partner (an embassy, a company) with no code. A letter we sent to a linked locality
-- travels as a `letter` message (record letter:<our code>:<id>); the partner records it as
-- received with `link_record` = that key, once (UNIQUE). `donation_id` names the gift a
-- letter of kind `gift` thanks for (ours, when a received letter names one of our gifts).
CREATE TABLE letters (
    id           BIGSERIAL PRIMARY KEY,
    direction    TEXT NOT NULL CHECK (direction IN ('sent', 'received')),
    partner_code TEXT,
    partner_name TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('gift', 'help', 'residents_cared')),
    on_date      TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    signed_by    TEXT NOT NULL,
    donation_id  BIGINT REFERENCES aid_donations (id),
    link_record  TEXT,
    created_at_s BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    UNIQUE (partner_code, link_record)
);
-- The list: newest first.
CREATE INDEX letters_newest ON letters (on_date, id);
