-- title: Entity timeline
-- question: What did this entity do, what did the detectors see, and what was decided, in time order?
-- param: db zt the analytics database
-- param: entity user:alice the entity key (user:, device:, ip:)
-- param: since_hours 24 how far back
SELECT time, kind, what
FROM
(
    SELECT toDateTime(intDiv(event_time_ms, 1000)) AS time, event_time_ms AS ms, 'event' AS kind,
           concat(toString(phase), ' ', dst_service, ' from ', src_ip,
                  if(reject_reason = '', '', concat(' refused: ', reject_reason))) AS what
    FROM ${db}.conn_events FINAL
    WHERE (concat('user:', user) = '${entity}' OR concat('ip:', src_ip) = '${entity}'
           OR concat('device:', device_id) = '${entity}')
      AND event_time >= now() - ${since_hours} * 3600
    UNION ALL
    SELECT toDateTime(intDiv(event_time_ms, 1000)), event_time_ms, concat('anomaly ', detector), explanation
    FROM ${db}.anomalies FINAL
    WHERE entity = '${entity}' AND event_time >= now() - ${since_hours} * 3600
    UNION ALL
    SELECT toDateTime(intDiv(event_time_ms, 1000)), event_time_ms,
           concat('decision ', toString(action), if(mode = 'SHADOW', ' (shadow)', '')), summary
    FROM ${db}.decisions FINAL
    WHERE entity = '${entity}' AND event_time >= now() - ${since_hours} * 3600
)
ORDER BY ms, kind
