-- title: Failed authentications by hour
-- question: When do authentication failures happen (day of week × hour of day, UTC)?
-- param: db zt the analytics database
-- param: days 7 how many days back
SELECT
    toDayOfWeek(minute) AS day_of_week,
    toHour(minute) AS hour,
    sum(failures) AS failures,
    sum(rejects) AS refusals
FROM ${db}.rollup_1m FINAL
WHERE dimension = 'gateway' AND minute >= toStartOfDay(now()) - ${days} * 86400
GROUP BY day_of_week, hour
HAVING failures > 0
ORDER BY day_of_week, hour
