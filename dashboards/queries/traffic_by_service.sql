-- title: Traffic by service
-- question: How much does each service receive: connections, refusals, authentication failures, bytes?
-- param: db zt the analytics database
-- param: since_hours 24 how far back
SELECT
    key AS service,
    sum(connections) AS connections,
    sum(rejects) AS refused,
    sum(failures) AS auth_failures,
    sum(bytes_in) AS bytes_in,
    sum(bytes_out) AS bytes_out,
    max(distinct_destinations) AS peak_destinations_per_minute
FROM ${db}.rollup_1m FINAL
WHERE dimension = 'service' AND minute >= now() - ${since_hours} * 3600
GROUP BY service
ORDER BY connections DESC, service
