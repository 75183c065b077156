-- Sign-in throttling by (account, source address), by source address and by account
-- (`domain::auth::LoginLimits`). One row per counter: username '' is a source's counter over
-- all accounts, source '' an account's over all sources. An attempt reserves its place here
-- before the password is checked; usernames that do not exist are counted like real ones.
CREATE TABLE login_limits (
    username       TEXT NOT NULL,
    source         TEXT NOT NULL,
    attempts       BIGINT NOT NULL,
    window_start_s BIGINT NOT NULL,
    PRIMARY KEY (username, source)
);
CREATE INDEX login_limits_by_window ON login_limits (window_start_s);

-- Replaced by login_limits: it counted per username only, after checking the password.
DROP TABLE login_throttle;

-- A session also ends after `domain::auth::SESSION_IDLE_S` without use.
ALTER TABLE sessions ADD COLUMN last_used_at_s BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_used_at_s = created_at_s;
CREATE INDEX sessions_by_last_use ON sessions (last_used_at_s);
