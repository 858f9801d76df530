package io.zerotrust.jobs.analytics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.AppliedDecisionRef;
import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.Contribution;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.DecisionReason;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.HttpInfo;
import io.zerotrust.avro.RiskScore;
import io.zerotrust.avro.SourceEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The contracts as rows of the analytics tables (clickhouse-schema V001): connection events, the one table written per
 * event, in RowBinary ({@link RowBinary}); the others, a few rows per detection, as one JSONEachRow line each. Every
 * column is written, nulls as empty strings or zeros where the column is not Nullable: ClickHouse 18.16 fills omitted
 * JSON columns with zeros, not their defaults, so nothing is left to it.
 */
public final class Rows {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Rows() {
    }

    private static String s(Object v) {
        return v == null ? "" : v.toString();
    }

    private static long seconds(long ms) {
        return Math.floorDiv(ms, 1000L);
    }

    private static void attributes(ObjectNode o, Map<String, String> attrs) {
        ArrayNode keys = o.putArray("attr_keys");
        ArrayNode values = o.putArray("attr_values");
        if (attrs != null) {
            attrs.forEach((k, v) -> {
                keys.add(k);
                values.add(s(v));
            });
        }
    }

    /**
     * The insertable columns of conn_events (MATERIALIZED ones left out) in table order, as {@link #event} writes
     * them; the sink compares them with the server's table at start.
     */
    public static final List<String> EVENT_COLUMNS = List.of("event_id String", "event_time DateTime",
            "event_time_ms UInt64", "origin String", "gateway_id String", "connection_id String",
            "phase Enum8('OPEN' = 1, 'CLOSE' = 2, 'REJECT' = 3)", "user String", "device_id String",
            "auth_method String", "auth_outcome String", "auth_failure_reason String", "src_ip String",
            "src_port UInt16", "src_country String", "dst_service String", "dst_host String", "dst_ip String",
            "dst_port UInt16", "protocol String", "http_method String", "http_path String", "http_status UInt16",
            "user_agent String", "bytes_in UInt64", "bytes_out UInt64", "duration_ms UInt64",
            "request_count UInt32", "close_reason String", "reject_reason String", "decision_id String",
            "decision_action String", "decision_mode String", "attr_keys Array(String)", "attr_values Array(String)");

    /** A connection event as a RowBinary row of conn_events (see {@link #EVENT_COLUMNS}). */
    public static TableRow event(ConnectionEvent e) {
        RowBinary w = RowBinary.row();
        w.string(e.getEventId())
                .dateTime(seconds(e.getEventTime()))
                .uint64(e.getEventTime())
                .string(s(e.getOrigin()))
                .string(s(e.getGatewayId()))
                .string(s(e.getConnectionId()))
                .uint8(e.getPhase().ordinal() + 1) // Enum8 values 1, 2, 3 in the schema's symbol order
                .string(e.getUser())
                .string(e.getDeviceId());
        AuthInfo auth = e.getAuth();
        w.string(auth == null ? "" : auth.getMethod().name())
                .string(auth == null ? "" : auth.getOutcome().name())
                .string(auth == null ? "" : auth.getFailureReason());
        SourceEndpoint src = e.getSrc();
        w.string(src == null ? "" : src.getIp())
                .uint16(src == null ? 0 : src.getPort())
                .string(src == null ? "" : src.getCountry());
        DestinationEndpoint dst = e.getDst();
        w.string(dst == null ? "" : dst.getService())
                .string(dst == null ? "" : dst.getHost())
                .string(dst == null ? "" : dst.getIp())
                .uint16(dst == null ? 0 : dst.getPort())
                .string(s(e.getProtocol()));
        HttpInfo http = e.getHttp();
        w.string(http == null ? "" : http.getMethod())
                .string(http == null ? "" : http.getPath())
                .uint16(http == null || http.getStatus() == null ? 0 : http.getStatus())
                .string(http == null ? "" : http.getUserAgent())
                .uint64(e.getBytesIn())
                .uint64(e.getBytesOut())
                .uint64(e.getDurationMs())
                .uint32(e.getRequestCount())
                .string(e.getCloseReason())
                .string(e.getRejectReason());
        AppliedDecisionRef d = e.getDecision();
        w.string(d == null ? "" : d.getDecisionId())
                .string(d == null ? "" : d.getAction().name())
                .string(d == null ? "" : d.getMode().name());
        Map<String, String> attrs = e.getAttributes() == null ? Map.of() : e.getAttributes();
        List<String> keys = new ArrayList<>(attrs.size());
        List<String> values = new ArrayList<>(attrs.size());
        attrs.forEach((k, v) -> {
            keys.add(k);
            values.add(s(v));
        });
        w.strings(keys).strings(values);
        return TableRow.binary("conn_events", w.toBytes());
    }

    public static TableRow score(RiskScore r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("entity", r.getEntity());
        o.put("entity_type", r.getEntityType().name());
        o.put("score", r.getScore());
        o.put("level", r.getLevel().name());
        o.put("event_time", seconds(r.getEventTime()));
        o.put("event_time_ms", r.getEventTime());
        o.put("computed_at_ms", r.getComputedAt());
        o.put("trigger_event_id", s(r.getTriggerEventId()));
        o.put("half_life_ms", r.getHalfLifeMs());
        ArrayNode detector = o.putArray("contributions.detector");
        ArrayNode points = o.putArray("contributions.points");
        ArrayNode anomaly = o.putArray("contributions.anomaly_id");
        ArrayNode explanation = o.putArray("contributions.explanation");
        for (Contribution c : r.getContributions()) {
            detector.add(c.getDetector());
            points.add(c.getPoints());
            anomaly.add(s(c.getAnomalyId()));
            explanation.add(s(c.getExplanation()));
        }
        return new TableRow("risk_scores", o.toString());
    }

    public static TableRow anomaly(Anomaly a) {
        ObjectNode o = JSON.createObjectNode();
        o.put("anomaly_id", a.getAnomalyId());
        o.put("detector", a.getDetector());
        o.put("entity", a.getEntity());
        o.put("entity_type", a.getEntityType().name());
        o.put("severity", a.getSeverity().name());
        o.put("score", a.getScore());
        o.put("event_time", seconds(a.getEventTime()));
        o.put("event_time_ms", a.getEventTime());
        o.put("detected_at_ms", a.getDetectedAt());
        o.put("window_start_ms", a.getWindowStart() == null ? 0 : a.getWindowStart());
        o.put("window_end_ms", a.getWindowEnd() == null ? 0 : a.getWindowEnd());
        o.put("explanation", a.getExplanation());
        if (a.getObserved() == null || a.getObserved().isInfinite() || a.getObserved().isNaN()) {
            o.putNull("observed");
        } else {
            o.put("observed", a.getObserved());
        }
        if (a.getBaseline() == null || a.getBaseline().isInfinite() || a.getBaseline().isNaN()) {
            o.putNull("baseline");
        } else {
            o.put("baseline", a.getBaseline());
        }
        ArrayNode evidence = o.putArray("evidence_event_ids");
        a.getEvidenceEventIds().forEach(evidence::add);
        attributes(o, a.getAttributes());
        return new TableRow("anomalies", o.toString());
    }

    public static TableRow decision(EnforcementDecision d) {
        ObjectNode o = JSON.createObjectNode();
        long eventTime = d.getEventTime() != null ? d.getEventTime() : d.getIssuedAt();
        o.put("decision_id", d.getDecisionId());
        o.put("entity", d.getEntity());
        o.put("entity_type", d.getEntityType().name());
        o.put("action", d.getAction().name());
        o.put("mode", d.getMode().name());
        o.put("issued_at", seconds(d.getIssuedAt()));
        o.put("issued_at_ms", d.getIssuedAt());
        o.put("expires_at_ms", d.getExpiresAt() == null ? 0 : d.getExpiresAt());
        o.put("event_time", seconds(eventTime));
        o.put("event_time_ms", eventTime);
        o.put("issuer", d.getIssuer().name());
        o.put("issued_by", s(d.getIssuedBy()));
        o.put("policy_version", s(d.getPolicyVersion()));
        o.put("rule_id", s(d.getRuleId()));
        if (d.getRiskScore() == null) {
            o.putNull("risk_score");
        } else {
            o.put("risk_score", d.getRiskScore());
        }
        o.put("risk_level", d.getRiskLevel() == null ? "" : d.getRiskLevel().name());
        if (d.getThrottleRatePerSecond() == null) {
            o.putNull("throttle_rate_per_second");
        } else {
            o.put("throttle_rate_per_second", d.getThrottleRatePerSecond());
        }
        o.put("summary", d.getSummary());
        o.put("supersedes", s(d.getSupersedes()));
        ArrayNode detector = o.putArray("reasons.detector");
        ArrayNode contribution = o.putArray("reasons.contribution");
        ArrayNode anomaly = o.putArray("reasons.anomaly_id");
        ArrayNode explanation = o.putArray("reasons.explanation");
        ArrayNode evidence = o.putArray("reasons.evidence_event_ids");
        for (DecisionReason r : d.getReasons()) {
            detector.add(r.getDetector());
            contribution.add(r.getContribution());
            anomaly.add(s(r.getAnomalyId()));
            explanation.add(s(r.getExplanation()));
            ArrayNode ids = evidence.addArray();
            r.getEvidenceEventIds().forEach(ids::add);
        }
        return new TableRow("decisions", o.toString());
    }

    public static TableRow ack(DecisionApplied a) {
        ObjectNode o = JSON.createObjectNode();
        o.put("decision_id", a.getDecisionId());
        o.put("entity", a.getEntity());
        o.put("action", a.getAction().name());
        o.put("mode", a.getMode().name());
        o.put("gateway_id", a.getGatewayId());
        o.put("outcome", a.getOutcome().name());
        o.put("decision_issued_at_ms", a.getDecisionIssuedAt());
        o.put("received_at", seconds(a.getReceivedAt()));
        o.put("received_at_ms", a.getReceivedAt());
        o.put("applied_at_ms", a.getAppliedAt());
        o.put("sessions_revoked", a.getSessionsRevoked());
        o.put("detail", s(a.getDetail()));
        return new TableRow("decision_acks", o.toString());
    }
}
