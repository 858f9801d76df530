package io.zerotrust.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.DecisionReason;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator's manual decision: {@code POST /decisions} with the admin token, a JSON body
 * {@code {"entity":"user:alice","action":"BLOCK","ttlSeconds":600,"reason":"...","operator":"jdoe","mode":"ENFORCE"}}.
 * It is validated, published to {@code enforcement.decisions} as a MANUAL decision (which the risk engine lets win),
 * and audited in the log; the gateway applies it when it reads it back, like any decision.
 */
public final class ManualOverride {

    /** Publishes a decision and returns once Kafka has it. */
    public interface Publisher {
        void publish(EnforcementDecision decision) throws Exception;
    }

    /** The answer to a request: HTTP status and JSON body. */
    public record Result(int status, String body) {
    }

    private static final Logger AUDIT = LoggerFactory.getLogger("io.zerotrust.gateway.audit");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_TTL_SECONDS = 30L * 24 * 3600;

    private final byte[] token;
    private final Publisher publisher;
    private final String gatewayId;
    private final Clock clock;

    public ManualOverride(String token, Publisher publisher, String gatewayId, Clock clock) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.publisher = publisher;
        this.gatewayId = gatewayId;
        this.clock = clock;
    }

    public Result handle(String authorization, byte[] body) {
        if (token == null) {
            return error(403, "manual overrides are disabled: set admin.token in the gateway's configuration");
        }
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : "";
        if (!MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
            return error(401, "a valid admin token is required (Authorization: Bearer <admin.token>)");
        }
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (IOException e) {
            return error(400, "the body is not JSON: " + e.getMessage());
        }
        if (req == null || !req.isObject()) {
            return error(400, "the body must be a JSON object with entity, action, ttlSeconds, reason, operator");
        }
        String entity = req.path("entity").asText("");
        EntityType type = typeOf(entity);
        if (type == null) {
            return error(400, "entity must be a typed key: user:<name>, device:<id>, ip:<address> or "
                    + "service:<name>; got '" + entity + "'");
        }
        Action action;
        try {
            action = Action.valueOf(req.path("action").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return error(400, "action must be one of ALLOW, STEP_UP, THROTTLE, BLOCK");
        }
        long ttl = req.path("ttlSeconds").asLong(0);
        if (ttl < 1 || ttl > MAX_TTL_SECONDS) {
            return error(400, "ttlSeconds must be between 1 and " + MAX_TTL_SECONDS + " (every decision expires)");
        }
        String reason = req.path("reason").asText("").trim();
        String operator = req.path("operator").asText("").trim();
        if (reason.isEmpty() || operator.isEmpty()) {
            return error(400, "reason and operator are required: every manual decision says why and who");
        }
        DecisionMode mode;
        try {
            mode = DecisionMode.valueOf(req.path("mode").asText("ENFORCE").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return error(400, "mode must be ENFORCE or SHADOW");
        }
        long now = clock.millis();
        EnforcementDecision d = EnforcementDecision.newBuilder()
                .setDecisionId("manual-" + UUID.randomUUID())
                .setEntity(entity)
                .setEntityType(type)
                .setAction(action)
                .setMode(mode)
                .setIssuedAt(now)
                .setExpiresAt(now + ttl * 1000)
                .setIssuer(DecisionIssuer.MANUAL)
                .setIssuedBy(operator + " via " + gatewayId)
                .setPolicyVersion("manual")
                .setThrottleRatePerSecond(req.hasNonNull("throttleRatePerSecond")
                        ? req.get("throttleRatePerSecond").asDouble() : null)
                .setSummary(reason)
                .setReasons(List.of(DecisionReason.newBuilder().setDetector("manual_override").setContribution(0)
                        .setExplanation(reason).setEvidenceEventIds(List.of()).build()))
                .build();
        try {
            publisher.publish(d);
        } catch (Exception e) {
            return error(503, "the decision could not be published: " + e.getMessage());
        }
        AUDIT.info("manual decision {}: {} {} for {} s on {} by {}: {}", d.getDecisionId(), mode, action, ttl,
                entity, operator, reason);
        return new Result(202, JSON.createObjectNode().put("decisionId", d.getDecisionId())
                .put("expiresAt", d.getExpiresAt()).toString());
    }

    private static EntityType typeOf(String entity) {
        int colon = entity.indexOf(':');
        if (colon < 1 || colon == entity.length() - 1) {
            return null;
        }
        return switch (entity.substring(0, colon)) {
            case "user" -> EntityType.USER;
            case "device" -> EntityType.DEVICE;
            case "ip" -> EntityType.IP;
            case "service" -> EntityType.SERVICE;
            default -> null;
        };
    }

    private static Result error(int status, String message) {
        return new Result(status, JSON.createObjectNode().put("error", message).toString());
    }
}
