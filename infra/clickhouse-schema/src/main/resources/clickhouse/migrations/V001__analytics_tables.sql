-- The analytics tables. Every table is a ReplacingMergeTree whose sorting key ends with the row's own id (event,
-- anomaly, decision...): a replayed or restarted sink writes the same rows again and ClickHouse keeps one. Until the
-- background merges run, duplicates can be visible: read with FINAL, or with argMax/any per id (docs/analytics.md).
-- Partition keys come from event time, never from when a row was written: ClickHouse only merges duplicates within
-- a partition, so a replay on another day must land in the same one.
-- Lines marked "-- requires: ttl" are left out on servers without table TTL (18.16).
-- Derived columns are MATERIALIZED, not DEFAULT: 18.16 fills a column left out of a JSONEachRow insert with its
-- type's zero, not with its DEFAULT expression.

CREATE TABLE IF NOT EXISTS {db}.conn_events (
    event_id String,
    event_time DateTime,
    event_time_ms UInt64,
    event_date Date MATERIALIZED toDate(event_time),
    origin String,
    gateway_id String,
    connection_id String,
    phase Enum8('OPEN' = 1, 'CLOSE' = 2, 'REJECT' = 3),
    user String,
    device_id String,
    auth_method String,
    auth_outcome String,
    auth_failure_reason String,
    src_ip String,
    src_port UInt16,
    src_country String,
    dst_service String,
    dst_host String,
    dst_ip String,
    dst_port UInt16,
    protocol String,
    http_method String,
    http_path String,
    http_status UInt16,
    user_agent String,
    bytes_in UInt64,
    bytes_out UInt64,
    duration_ms UInt64,
    request_count UInt32,
    close_reason String,
    reject_reason String,
    decision_id String,
    decision_action String,
    decision_mode String,
    attr_keys Array(String),
    attr_values Array(String),
    inserted_at DateTime MATERIALIZED now()
) ENGINE = ReplacingMergeTree
PARTITION BY event_date
ORDER BY (user, event_time, event_id)
TTL event_date + INTERVAL 90 DAY -- requires: ttl
;

CREATE TABLE IF NOT EXISTS {db}.rollup_1m (
    dimension Enum8('user' = 1, 'service' = 2, 'gateway' = 3, 'src_ip' = 4),
    key String,
    minute DateTime,
    connections UInt64,
    failures UInt64,
    rejects UInt64,
    bytes_in UInt64,
    bytes_out UInt64,
    distinct_destinations UInt64,
    events UInt64,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toDate(minute)
ORDER BY (dimension, key, minute)
TTL toDate(minute) + INTERVAL 400 DAY -- requires: ttl
;

CREATE TABLE IF NOT EXISTS {db}.risk_scores (
    entity String,
    entity_type String,
    score Float64,
    level Enum8('LOW' = 1, 'MEDIUM' = 2, 'HIGH' = 3, 'CRITICAL' = 4),
    event_time DateTime,
    event_time_ms UInt64,
    computed_at_ms UInt64,
    trigger_event_id String,
    half_life_ms UInt64,
    contributions Nested (
        detector String,
        points Float64,
        anomaly_id String,
        explanation String
    ),
    inserted_at DateTime MATERIALIZED now()
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(event_time)
ORDER BY (entity, event_time_ms, trigger_event_id)
TTL toDate(event_time) + INTERVAL 400 DAY -- requires: ttl
;

CREATE TABLE IF NOT EXISTS {db}.anomalies (
    anomaly_id String,
    detector String,
    entity String,
    entity_type String,
    severity Enum8('INFO' = 1, 'LOW' = 2, 'MEDIUM' = 3, 'HIGH' = 4, 'CRITICAL' = 5),
    score Float64,
    event_time DateTime,
    event_time_ms UInt64,
    detected_at_ms UInt64,
    window_start_ms UInt64,
    window_end_ms UInt64,
    explanation String,
    observed Nullable(Float64),
    baseline Nullable(Float64),
    evidence_event_ids Array(String),
    attr_keys Array(String),
    attr_values Array(String),
    inserted_at DateTime MATERIALIZED now()
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(event_time)
ORDER BY (entity, event_time, anomaly_id)
TTL toDate(event_time) + INTERVAL 400 DAY -- requires: ttl
;

CREATE TABLE IF NOT EXISTS {db}.decisions (
    decision_id String,
    entity String,
    entity_type String,
    action Enum8('ALLOW' = 1, 'STEP_UP' = 2, 'THROTTLE' = 3, 'BLOCK' = 4),
    mode Enum8('ENFORCE' = 1, 'SHADOW' = 2),
    issued_at DateTime,
    issued_at_ms UInt64,
    expires_at_ms UInt64,
    event_time DateTime,
    event_time_ms UInt64,
    issuer String,
    issued_by String,
    policy_version String,
    rule_id String,
    risk_score Nullable(Float64),
    risk_level String,
    throttle_rate_per_second Nullable(Float64),
    summary String,
    supersedes String,
    reasons Nested (
        detector String,
        contribution Float64,
        anomaly_id String,
        explanation String,
        evidence_event_ids Array(String)
    ),
    inserted_at DateTime MATERIALIZED now()
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(event_time)
ORDER BY (entity, decision_id)
TTL toDate(event_time) + INTERVAL 730 DAY -- requires: ttl
;

CREATE TABLE IF NOT EXISTS {db}.decision_acks (
    decision_id String,
    entity String,
    action String,
    mode String,
    gateway_id String,
    outcome String,
    decision_issued_at_ms UInt64,
    received_at DateTime,
    received_at_ms UInt64,
    applied_at_ms UInt64,
    sessions_revoked UInt32,
    detail String,
    inserted_at DateTime MATERIALIZED now()
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(received_at)
ORDER BY (decision_id, gateway_id, received_at_ms)
TTL toDate(received_at) + INTERVAL 730 DAY -- requires: ttl
;
