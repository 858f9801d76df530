-- title: Riskiest entities now
-- question: Which users, devices, addresses and services are riskiest right now, and why?
-- param: db zt the analytics database
-- param: since_minutes 60 how recent an entity's latest score must be
-- param: limit 20 how many entities
SELECT
    entity,
    argMax(score, event_time_ms) AS score,
    argMax(level, event_time_ms) AS level,
    argMax(contributions.detector, event_time_ms) AS detectors,
    toDateTime(intDiv(max(event_time_ms), 1000)) AS scored_at
FROM ${db}.risk_scores FINAL
WHERE event_time >= now() - ${since_minutes} * 60
GROUP BY entity
ORDER BY score DESC, entity
LIMIT ${limit}
