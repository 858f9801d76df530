-- title: Event to decision to enforcement latency
-- question: How long from the event that triggered a decision to its issue, and to a gateway applying it?
-- param: db zt the analytics database
-- param: since_hours 24 how far back
SELECT
    count() AS decisions,
    quantiles(0.5, 0.95, 0.99)(issued_at_ms - event_time_ms) AS event_to_decision_ms,
    quantiles(0.5, 0.95, 0.99)(applied_at_ms - event_time_ms) AS event_to_applied_ms
FROM
(
    SELECT decision_id, any(event_time_ms) AS event_time_ms, any(issued_at_ms) AS issued_at_ms
    FROM ${db}.decisions FINAL
    WHERE issued_at >= now() - ${since_hours} * 3600 AND issuer = 'ENGINE'
    GROUP BY decision_id
)
ANY INNER JOIN
(
    SELECT decision_id, min(applied_at_ms) AS applied_at_ms
    FROM ${db}.decision_acks FINAL
    WHERE outcome IN ('APPLIED', 'SHADOW_RECORDED')
    GROUP BY decision_id
) USING decision_id
