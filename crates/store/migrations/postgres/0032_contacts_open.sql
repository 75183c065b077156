-- The contacts still followed, in id order (issue #15, "Speed and scale"): the daily work
-- lists of a province (due today, missed yesterday, ending today) read these in the list's
-- own order and stop at a page, or at the count's cap, instead of reading every contact of
-- the province (2 million at city scale, 12 % still followed). A commune's lists keep the
-- scope index (`contacts_by_scope`): a commune's few thousand contacts are fewer. The
-- statuses are `domain::followup::FollowUpStatus::OPEN`, written as the lists write them
-- (`store::followup::open_statuses`), so that both planners match the index's condition.
-- PostgreSQL only: on SQLite it made the province's lists slower (../sqlite/0032).
CREATE INDEX contacts_open ON contacts (id)
    WHERE follow_status IN ('to_reach', 'in_quarantine', 'monitoring');
