package io.zerotrust.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.DecisionReason;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Manual overrides: an admin's decision about one entity, with a reason and a time to live, that wins over the risk
 * engine while it lasts ({@code MANUAL} decisions on {@code enforcement.decisions}); and lifting one before it expires.
 *
 * <ul>
 *   <li>{@code POST /api/overrides} (admin) {@code {"entity","action","reason","ttlMinutes"[,"mode"]}}: publishes it;
 *   <li>{@code GET /api/overrides[?entity=]} (viewer): the overrides in force, as the live feed last read them;
 *   <li>{@code POST /api/overrides/lift} (admin) {@code {"entity","reason"}}: lifts the entity's overrides in force, the
 *       enforced one and a shadow one if there is (404 when there is none). A lift is a MANUAL {@code ALLOW}, in the
 *       override's mode, that supersedes it and expires a second after it is issued: a gateway takes it as the entity's latest decision (so the override's block or step-up ends there
 *       at once, live sessions are not reopened), and the risk engine, whose manual decisions win only while they last,
 *       decides about the entity again from its next score. What the engine had in force before the override is not
 *       restored: it issues again when the entity's behaviour calls for it.
 * </ul>
 *
 * Every create and lift is audited (who, when, before and after) before it is published.
 */
final class Overrides {

    /** The explanation's detector of a lift, which tells it from an override. */
    static final String LIFT_DETECTOR = "manual_lift";
    static final String OVERRIDE_DETECTOR = "manual_override";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_TTL_MINUTES = 7 * 24 * 60;
    private static final long LIFT_TTL_MS = 1_000;

    private final Console console;

    private Overrides(Console console) {
        this.console = console;
    }

    static void register(RoutesConfig routes, Console console) {
        Overrides o = new Overrides(console);
        routes.post("/api/overrides", o::create);
        routes.get("/api/overrides", o::list);
        routes.post("/api/overrides/lift", o::lift);
    }

    /** Whether a decision lifts an override (and is not one). */
    static boolean isLift(EnforcementDecision d) {
        return d.getIssuer() == DecisionIssuer.MANUAL && d.getAction() == Action.ALLOW && d.getSupersedes() != null
                && d.getReasons().size() == 1 && LIFT_DETECTOR.equals(d.getReasons().get(0).getDetector());
    }

    private void list(Context ctx) {
        Console.require(ctx, Role.VIEWER);
        String entity = ctx.queryParam("entity");
        if (entity != null) {
            ctx.json(console.feed().overrides(entity.trim()));
        } else {
            ctx.json(console.feed().overrides());
        }
    }

    private void create(Context ctx) throws Exception {
        Sessions.Session s = Console.require(ctx, Role.ADMIN);
        JsonNode req = Console.body(ctx);
        String entity = req.path("entity").asText("").trim();
        EntityType type = Console.entityType(entity);
        Action action;
        try {
            action = Action.valueOf(req.path("action").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Console.ApiError(400, "action must be one of ALLOW, STEP_UP, THROTTLE, BLOCK");
        }
        long ttl = req.path("ttlMinutes").asLong(0);
        if (ttl < 1 || ttl > MAX_TTL_MINUTES) {
            throw new Console.ApiError(400, "ttlMinutes must be from 1 to " + MAX_TTL_MINUTES
                    + " (every decision expires)");
        }
        String reason = reason(req, "every manual decision says why");
        DecisionMode mode;
        try {
            mode = DecisionMode.valueOf(req.path("mode").asText("ENFORCE").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Console.ApiError(400, "mode must be ENFORCE or SHADOW");
        }
        long now = System.currentTimeMillis();
        Optional<ObjectNode> replaced = console.feed().overrides(entity).stream()
                .filter(o -> o.path("mode").asText().equals(mode.name())).findFirst();
        EnforcementDecision d = decision(s, entity, type, action, mode, now, now + TimeUnit.MINUTES.toMillis(ttl),
                reason, OVERRIDE_DETECTOR, replaced.map(o -> o.path("id").asText()));
        ObjectNode after = JSON.createObjectNode().put("decisionId", d.getDecisionId()).put("entity", entity)
                .put("action", action.name()).put("mode", mode.name()).put("ttlMinutes", ttl).put("reason", reason)
                .put("expiresAt", d.getExpiresAt());
        console.audit().record(s.user(), s.role(), "override.create", entity, replaced.orElse(null), after);
        console.publish(d);
        ctx.status(201).json(after);
    }

    private void lift(Context ctx) throws Exception {
        Sessions.Session s = Console.require(ctx, Role.ADMIN);
        JsonNode req = Console.body(ctx);
        String entity = req.path("entity").asText("").trim();
        EntityType type = Console.entityType(entity);
        String reason = reason(req, "every lift says why");
        List<ObjectNode> inForce = console.feed().overrides(entity);
        if (inForce.isEmpty()) {
            throw new Console.ApiError(404, "no manual override is in force for " + entity
                    + " (it may have expired or been lifted already)");
        }
        ArrayNode answer = JSON.createArrayNode();
        for (ObjectNode before : inForce) {
            long now = System.currentTimeMillis();
            EnforcementDecision d = decision(s, entity, type, Action.ALLOW,
                    DecisionMode.valueOf(before.path("mode").asText("ENFORCE")), now, now + LIFT_TTL_MS,
                    "override lifted: " + reason, LIFT_DETECTOR, Optional.of(before.path("id").asText()));
            ObjectNode after = JSON.createObjectNode().put("decisionId", d.getDecisionId()).put("entity", entity)
                    .put("lifted", before.path("id").asText()).put("mode", d.getMode().name()).put("reason", reason);
            console.audit().record(s.user(), s.role(), "override.lift", entity, before, after);
            console.publish(d);
            answer.add(after);
        }
        ctx.json(answer);
    }

    private static String reason(JsonNode req, String why) {
        String reason = req.path("reason").asText("").trim();
        if (reason.isEmpty() || reason.length() > 500) {
            throw new Console.ApiError(400, "reason is required (at most 500 characters): " + why);
        }
        return reason;
    }

    private static EnforcementDecision decision(Sessions.Session s, String entity, EntityType type, Action action,
                                                DecisionMode mode, long now, long expiresAt, String summary,
                                                String detector, Optional<String> supersedes) {
        return EnforcementDecision.newBuilder()
                .setDecisionId("manual-" + UUID.randomUUID())
                .setEntity(entity).setEntityType(type).setAction(action).setMode(mode)
                .setIssuedAt(now).setExpiresAt(expiresAt)
                .setIssuer(DecisionIssuer.MANUAL).setIssuedBy(s.user() + " via console")
                .setPolicyVersion("manual").setSummary(summary)
                .setSupersedes(supersedes.orElse(null))
                .setReasons(List.of(DecisionReason.newBuilder().setDetector(detector).setContribution(0)
                        .setExplanation(summary).setEvidenceEventIds(List.of()).build()))
                .build();
    }
}
