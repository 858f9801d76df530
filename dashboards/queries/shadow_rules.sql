-- title: Shadow rules: what they would have done
-- question: How often would each shadow rule have acted, on how many entities, if it were enforced?
-- param: db zt the analytics database
-- param: since_hours 168 how far back
SELECT
    rule_id,
    action,
    uniqExact(decision_id) AS would_have_fired,
    uniqExact(entity) AS entities,
    max(issued_at) AS last
FROM ${db}.decisions
WHERE mode = 'SHADOW' AND issued_at >= now() - ${since_hours} * 3600
GROUP BY rule_id, action
ORDER BY would_have_fired DESC, rule_id
