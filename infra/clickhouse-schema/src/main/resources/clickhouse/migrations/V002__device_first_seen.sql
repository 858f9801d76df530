-- When each user first and last used each device, kept up to date on every insert into conn_events, so that "new
-- devices today" reads thousands of rows instead of every event. min/max states are idempotent: a replayed event
-- changes nothing. POPULATE fills it from the events already there (rows inserted while it runs may be missed, which
-- only matters on a live system upgraded in place).

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.device_first_seen
ENGINE = AggregatingMergeTree
ORDER BY (user, device_id)
POPULATE
AS SELECT
    user,
    device_id,
    minState(event_time) AS first_seen,
    maxState(event_time) AS last_seen
FROM {db}.conn_events
WHERE user != '' AND device_id != ''
GROUP BY user, device_id
;
