-- Aid between localities, thank-you letters, relief of lockdown zones, cooperation
-- agreements and emulation campaigns.
-- SQLite dialect; keep in step with ../postgres/0005_aid.sql.

-- An organisation that gives or receives aid, belonging to a locality (its scope).
CREATE TABLE aid_orgs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    structure    TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    created_at_s INTEGER NOT NULL,
    UNIQUE (kind, structure, unit_code, name)
);

-- One gift. Donor and recipient keep a copy of their kind, reference (unit code or
-- organisation id), name and the unit path that scopes them; *_root is the code of the
-- path's first unit (the province, or the partner country) for summaries.
CREATE TABLE aid_donations (
    id                    INTEGER PRIMARY KEY,
    structure             TEXT NOT NULL,
    donor_kind            TEXT NOT NULL,
    donor_ref             TEXT NOT NULL,
    donor_name            TEXT NOT NULL,
    donor_path            TEXT NOT NULL,
    donor_root            TEXT NOT NULL,
    recipient_kind        TEXT NOT NULL,
    recipient_ref         TEXT NOT NULL,
    recipient_name        TEXT NOT NULL,
    recipient_path        TEXT NOT NULL,
    recipient_root        TEXT NOT NULL,
    status                TEXT NOT NULL,
    money_minor           INTEGER,
    money_currency        TEXT,
    received_money_minor  INTEGER,
    on_date               TEXT NOT NULL,
    source                TEXT NOT NULL,
    source_quote          TEXT,
    note                  TEXT,
    created_at_s          INTEGER NOT NULL,
    created_by            INTEGER REFERENCES users (id),
    updated_at_s          INTEGER NOT NULL,
    CHECK ((money_minor IS NULL) = (money_currency IS NULL)),
    CHECK (money_minor IS NULL OR money_minor > 0)
);
CREATE INDEX aid_donations_by_date ON aid_donations (on_date, id);
CREATE INDEX aid_donations_by_donor ON aid_donations (structure, donor_path, on_date);
CREATE INDEX aid_donations_by_recipient ON aid_donations (structure, recipient_path, on_date);

CREATE TABLE aid_goods (
    donation_id       INTEGER NOT NULL REFERENCES aid_donations (id),
    line_no           INTEGER NOT NULL,
    item              TEXT NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit              TEXT NOT NULL,
    received_quantity INTEGER,
    PRIMARY KEY (donation_id, line_no)
);

CREATE TABLE aid_status_history (
    id          INTEGER PRIMARY KEY,
    donation_id INTEGER NOT NULL REFERENCES aid_donations (id),
    at_s        INTEGER NOT NULL,
    status      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT
);
CREATE INDEX aid_status_history_by_donation ON aid_status_history (donation_id, at_s);

-- 1 base = rate_micro / 1e6 quote, on a date; assumed = 1 when not from an official table.
CREATE TABLE aid_fx_rates (
    id         INTEGER PRIMARY KEY,
    base       TEXT NOT NULL,
    quote      TEXT NOT NULL,
    rate_micro INTEGER NOT NULL CHECK (rate_micro > 0),
    on_date    TEXT NOT NULL,
    source     TEXT NOT NULL,
    assumed    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (base, quote, on_date)
);

-- A locality's posted need: an item, how much, by when. Visible to every signed-in account
-- (donors look for them); posted and closed within one's jurisdiction.
CREATE TABLE aid_needs (
    id           INTEGER PRIMARY KEY,
    structure    TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    unit_name    TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    item         TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    unit         TEXT NOT NULL,
    by_date      TEXT NOT NULL,
    note         TEXT,
    status       TEXT NOT NULL,
    created_at_s INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id)
);
CREATE INDEX aid_needs_open ON aid_needs (status, item, by_date);

-- A thank-you letter recorded as sent, in one language.
CREATE TABLE aid_letters (
    id           INTEGER PRIMARY KEY,
    donation_id  INTEGER NOT NULL REFERENCES aid_donations (id),
    lang         TEXT NOT NULL,
    sent_at_s    INTEGER NOT NULL,
    sent_by      INTEGER REFERENCES users (id),
    actor        TEXT NOT NULL
);
CREATE INDEX aid_letters_by_donation ON aid_letters (donation_id);

-- A lockdown zone: a unit (and its subtree) closed for a period.
CREATE TABLE relief_zones (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    structure    TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    starts_on    TEXT NOT NULL,
    ends_on      TEXT,
    population   INTEGER NOT NULL,
    households   INTEGER NOT NULL,
    created_at_s INTEGER NOT NULL
);
CREATE INDEX relief_zones_by_scope ON relief_zones (structure, unit_path);

CREATE TABLE relief_rounds (
    id           INTEGER PRIMARY KEY,
    zone_id      INTEGER NOT NULL REFERENCES relief_zones (id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    starts_on    TEXT NOT NULL,
    created_at_s INTEGER NOT NULL
);

-- The rule "one package per household per round" is this UNIQUE constraint: two requests
-- racing for the same household cannot both insert.
CREATE TABLE relief_packages (
    id           INTEGER PRIMARY KEY,
    round_id     INTEGER NOT NULL REFERENCES relief_rounds (id),
    household_id INTEGER NOT NULL REFERENCES households (id),
    given_at_s   INTEGER NOT NULL,
    given_by     INTEGER REFERENCES users (id),
    actor        TEXT NOT NULL,
    UNIQUE (round_id, household_id)
);

-- Cooperation between two localities: agreements (an MoU with its fields, period and
-- commitments) and activities (delegation visits, online talks, conferences), which may
-- carry gifts.
CREATE TABLE coop_agreements (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    structure    TEXT NOT NULL,
    party_a      TEXT NOT NULL,
    party_a_name TEXT NOT NULL,
    party_a_path TEXT NOT NULL,
    party_b      TEXT NOT NULL,
    party_b_name TEXT NOT NULL,
    party_b_path TEXT NOT NULL,
    signed_on    TEXT NOT NULL,
    starts_on    TEXT NOT NULL,
    ends_on      TEXT,
    source       TEXT NOT NULL,
    source_quote TEXT,
    created_at_s INTEGER NOT NULL
);

CREATE TABLE coop_fields (
    agreement_id INTEGER NOT NULL REFERENCES coop_agreements (id),
    line_no      INTEGER NOT NULL,
    name         TEXT NOT NULL,
    PRIMARY KEY (agreement_id, line_no)
);

CREATE TABLE coop_commitments (
    id           INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES coop_agreements (id),
    text         TEXT NOT NULL,
    owner        TEXT NOT NULL,
    progress_pct INTEGER NOT NULL CHECK (progress_pct BETWEEN 0 AND 100)
);

CREATE TABLE coop_activities (
    id           INTEGER PRIMARY KEY,
    agreement_id INTEGER REFERENCES coop_agreements (id),
    kind         TEXT NOT NULL,
    on_date      TEXT NOT NULL,
    structure    TEXT NOT NULL,
    host         TEXT NOT NULL,
    host_name    TEXT NOT NULL,
    host_path    TEXT NOT NULL,
    guest        TEXT NOT NULL,
    guest_name   TEXT NOT NULL,
    guest_path   TEXT NOT NULL,
    title        TEXT NOT NULL,
    participants TEXT,
    outcome      TEXT,
    source       TEXT NOT NULL,
    source_quote TEXT,
    created_at_s INTEGER NOT NULL
);

CREATE TABLE coop_activity_donations (
    activity_id INTEGER NOT NULL REFERENCES coop_activities (id),
    donation_id INTEGER NOT NULL REFERENCES aid_donations (id),
    PRIMARY KEY (activity_id, donation_id)
);

-- Emulation campaigns: key tasks with an indicator, target and reported progress, the
-- units taking part, commendations.
CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    launched_on  TEXT NOT NULL,
    launched_by  TEXT NOT NULL,
    structure    TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    source       TEXT NOT NULL,
    source_quote TEXT,
    created_at_s INTEGER NOT NULL
);
CREATE INDEX campaigns_by_scope ON campaigns (structure, unit_path);

CREATE TABLE campaign_tasks (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    task_no     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    indicator   TEXT,
    target      INTEGER,
    progress    INTEGER,
    PRIMARY KEY (campaign_id, task_no)
);

CREATE TABLE campaign_units (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    unit_code   TEXT NOT NULL,
    unit_name   TEXT NOT NULL,
    PRIMARY KEY (campaign_id, unit_code)
);

CREATE TABLE commendations (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    recipient   TEXT NOT NULL,
    collective  INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    on_date     TEXT NOT NULL
);
