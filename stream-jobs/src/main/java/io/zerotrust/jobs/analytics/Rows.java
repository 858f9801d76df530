package io.zerotrust.jobs.analytics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.Contribution;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.DecisionReason;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.RiskScore;
import java.util.Map;

/**
 * The contracts as rows of the analytics tables (clickhouse-schema V001), one JSONEachRow line each. Every column is
 * written, nulls as empty strings or zeros where the column is not Nullable: ClickHouse 18.16 fills omitted columns
 * with zeros, not their defaults, so nothing is left to it.
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

    public static TableRow event(ConnectionEvent e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("event_id", e.getEventId());
        o.put("event_time", seconds(e.getEventTime()));
        o.put("event_time_ms", e.getEventTime());
        o.put("origin", s(e.getOrigin()));
        o.put("gateway_id", s(e.getGatewayId()));
        o.put("connection_id", s(e.getConnectionId()));
        o.put("phase", e.getPhase().name());
        o.put("user", s(e.getUser()));
        o.put("device_id", s(e.getDeviceId()));
        o.put("auth_method", e.getAuth() == null ? "" : e.getAuth().getMethod().name());
        o.put("auth_outcome", e.getAuth() == null ? "" : e.getAuth().getOutcome().name());
        o.put("auth_failure_reason", e.getAuth() == null ? "" : s(e.getAuth().getFailureReason()));
        o.put("src_ip", e.getSrc() == null ? "" : s(e.getSrc().getIp()));
        o.put("src_port", e.getSrc() == null ? 0 : e.getSrc().getPort());
        o.put("src_country", e.getSrc() == null ? "" : s(e.getSrc().getCountry()));
        o.put("dst_service", e.getDst() == null ? "" : s(e.getDst().getService()));
        o.put("dst_host", e.getDst() == null ? "" : s(e.getDst().getHost()));
        o.put("dst_ip", e.getDst() == null ? "" : s(e.getDst().getIp()));
        o.put("dst_port", e.getDst() == null ? 0 : e.getDst().getPort());
        o.put("protocol", s(e.getProtocol()));
        o.put("http_method", e.getHttp() == null ? "" : s(e.getHttp().getMethod()));
        o.put("http_path", e.getHttp() == null ? "" : s(e.getHttp().getPath()));
        o.put("http_status", e.getHttp() == null || e.getHttp().getStatus() == null ? 0 : e.getHttp().getStatus());
        o.put("user_agent", e.getHttp() == null ? "" : s(e.getHttp().getUserAgent()));
        o.put("bytes_in", e.getBytesIn());
        o.put("bytes_out", e.getBytesOut());
        o.put("duration_ms", e.getDurationMs());
        o.put("request_count", e.getRequestCount());
        o.put("close_reason", s(e.getCloseReason()));
        o.put("reject_reason", s(e.getRejectReason()));
        o.put("decision_id", e.getDecision() == null ? "" : e.getDecision().getDecisionId());
        o.put("decision_action", e.getDecision() == null ? "" : e.getDecision().getAction().name());
        o.put("decision_mode", e.getDecision() == null ? "" : e.getDecision().getMode().name());
        attributes(o, e.getAttributes());
        return new TableRow("conn_events", o.toString());
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
