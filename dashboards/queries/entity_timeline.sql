-- title: Entity timeline
-- question: What did this entity do, what did the detectors see, and what was decided, in time order?
-- param: db zt the analytics database
-- param: entity user:alice the entity key (user:, device:, ip:)
-- param: since_hours 24 how far back
SELECT time, kind, what
FROM
(
    -- the entity's events: one branch per kind of key; the branches for other kinds are constant-false and read
    -- nothing, and a user's events are found through the table's sorting key
    SELECT toDateTime(intDiv(event_time_ms, 1000)) AS time, event_time_ms AS ms, 'event' AS kind,
           concat(toString(phase), ' ', dst_service, ' from ', src_ip,
                  if(reject_reason = '', '', concat(' refused: ', reject_reason))) AS what
    FROM ${db}.conn_events FINAL
    WHERE startsWith('${entity}', 'user:') AND user = substring('${entity}', 6)
      AND event_time >= now() - ${since_hours} * 3600
    UNION ALL
    SELECT toDateTime(intDiv(event_time_ms, 1000)), event_time_ms, 'event',
           concat(toString(phase), ' ', dst_service, ' from ', src_ip,
                  if(reject_reason = '', '', concat(' refused: ', reject_reason)))
    FROM ${db}.conn_events FINAL
    WHERE startsWith('${entity}', 'ip:') AND src_ip = substring('${entity}', 4)
      AND event_time >= now() - ${since_hours} * 3600
    UNION ALL
    SELECT toDateTime(intDiv(event_time_ms, 1000)), event_time_ms, 'event',
           concat(toString(phase), ' ', dst_service, ' from ', src_ip,
                  if(reject_reason = '', '', concat(' refused: ', reject_reason)))
    FROM ${db}.conn_events FINAL
    WHERE startsWith('${entity}', 'device:') AND device_id = substring('${entity}', 8)
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
