-- title: Failed authentications by hour
-- question: When do authentication failures happen (day of week × hour of day, UTC)?
-- param: db zt the analytics database
-- param: days 7 how many days back
SELECT
    toDayOfWeek(event_time) AS day_of_week,
    toHour(event_time) AS hour,
    uniqExact(event_id) AS failures,
    uniqExact(user) AS users,
    uniqExact(src_ip) AS sources
FROM ${db}.conn_events
WHERE auth_outcome = 'FAILURE' AND event_date >= today() - ${days}
GROUP BY day_of_week, hour
ORDER BY day_of_week, hour
