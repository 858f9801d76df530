-- title: New devices today
-- question: Which users logged in today from a device never seen for them before?
-- param: db zt the analytics database
SELECT
    user,
    device_id,
    toDateTime(intDiv(min(event_time_ms), 1000)) AS first_seen,
    uniqExact(event_id) AS events_today
FROM ${db}.conn_events
WHERE user != '' AND device_id != ''
GROUP BY user, device_id
HAVING toDate(first_seen) = today()
ORDER BY first_seen, user
