-- Hand-over of a case between linked localities (issue #17, "What travels" 2). One row per
-- hand-over on each side: 'out' at the sender (its case, the locality it went to), 'in' at the
-- receiver (the sender's hand-over id, the Bundle offered until it is answered, and after
-- acceptance the case taken in). The record key is the sender's `case:<code>:<case id>`.
-- PostgreSQL dialect; keep in step with ../sqlite/0041_handovers.sql.
CREATE TABLE handovers (
    id            BIGSERIAL PRIMARY KEY,
    direction     TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    -- The other locality (link::LocalityCode).
    peer          TEXT NOT NULL,
    -- 'in': the sender's hand-over id (its answers name it). 'out': NULL.
    remote_id     BIGINT,
    record_key    TEXT NOT NULL,
    -- 'out': our case handed over. 'in': the case the accepted Bundle became here.
    case_id       BIGINT REFERENCES cases (id),
    status        TEXT NOT NULL
        CHECK (status IN ('pending', 'accepted', 'rejected', 'withdrawn')),
    reason        TEXT NOT NULL,
    answer_reason TEXT,
    -- 'in', pending: the FHIR Bundle offered (JSON); cleared when rejected or withdrawn.
    bundle        TEXT,
    created_at_s  BIGINT NOT NULL,
    answered_at_s BIGINT,
    created_by    BIGINT REFERENCES users (id),
    CHECK ((direction = 'in') = (remote_id IS NOT NULL))
);
-- An offer is taken in once per sender and hand-over.
CREATE UNIQUE INDEX handovers_in ON handovers (peer, remote_id) WHERE direction = 'in';
-- A case is handed over (or pending) once at a time.
CREATE UNIQUE INDEX handovers_open_out ON handovers (case_id)
    WHERE direction = 'out' AND status IN ('pending', 'accepted');
CREATE INDEX handovers_by_status ON handovers (direction, status, id);
