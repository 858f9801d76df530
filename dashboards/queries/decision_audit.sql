-- title: Decision audit
-- question: Which decisions were issued, by which rule and policy version, and for what reasons?
-- param: db zt the analytics database
-- param: since_hours 24 how far back
-- param: limit 100 how many decisions
SELECT
    issued_at,
    entity,
    action,
    mode,
    issuer,
    rule_id,
    policy_version,
    risk_score,
    reasons.detector AS detectors,
    reasons.explanation AS explanations,
    summary
FROM ${db}.decisions FINAL
WHERE issued_at >= now() - ${since_hours} * 3600
ORDER BY issued_at DESC, decision_id
LIMIT ${limit}
