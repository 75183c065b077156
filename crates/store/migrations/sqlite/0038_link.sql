-- Linked localities (issue #17): the registry of localities, the outbox of messages to send
-- (written in the same transaction as the change they carry), the inbox of messages applied
-- (by envelope id: a second delivery finds its row), the last sequence number per peer and
-- record in each direction, and the refused messages.
CREATE TABLE link_localities (
    code        TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    -- The kinds it may send, comma-separated (link::registry::kinds_to_text).
    kinds       TEXT NOT NULL,
    added_at_s  INTEGER NOT NULL
);

CREATE TABLE link_outbox (
    id           TEXT NOT NULL PRIMARY KEY,
    to_locality  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    record_key   TEXT NOT NULL,
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    -- The signed envelope as published.
    body         TEXT NOT NULL,
    created_at_s INTEGER NOT NULL,
    sent_at_s    INTEGER
);
-- The relay's read: unsent rows in creation order (a record's seqs ascending within a second).
CREATE INDEX link_outbox_unsent ON link_outbox (created_at_s, seq, id) WHERE sent_at_s IS NULL;

CREATE TABLE link_inbox (
    id            TEXT NOT NULL PRIMARY KEY,
    from_locality TEXT NOT NULL,
    kind          TEXT NOT NULL,
    record_key    TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    received_at_s INTEGER NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('applied', 'stale'))
);

CREATE TABLE link_seqs (
    direction  TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    peer       TEXT NOT NULL,
    record_key TEXT NOT NULL,
    last_seq   INTEGER NOT NULL CHECK (last_seq >= 1),
    PRIMARY KEY (direction, peer, record_key)
);

CREATE TABLE link_refusals (
    id       INTEGER PRIMARY KEY,
    -- As received (lossily decoded if it was not UTF-8).
    envelope TEXT NOT NULL,
    reason   TEXT NOT NULL,
    at_s     INTEGER NOT NULL
);
