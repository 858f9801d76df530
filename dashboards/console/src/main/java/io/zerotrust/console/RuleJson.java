package io.zerotrust.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.avro.RuleKind;
import io.zerotrust.schemas.policy.EntityPattern;
import io.zerotrust.schemas.policy.Policy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Policy rules as the console shows and takes them: the {@link PolicyRule} fields, with times in minutes
 * ({@code ttlMinutes}, {@code minHoldMinutes}) as in the policy files. {@link #edit} checks every field a person
 * can set and fails naming the field: what the risk engine's {@link Policy#validate} checks (a THRESHOLD rule needs
 * minLevel or minScore, a DETECTOR rule detectors, ALLOW_LIST and OVERRIDE rules entities, every decision expires,
 * entity patterns parse as {@link EntityPattern}), said for a person, and the ranges a person should stay within;
 * then the engine's own check on the result, so nothing the engine would refuse is published.
 */
final class RuleJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final long MAX_TTL_MINUTES = 7 * 24 * 60;
    private static final Set<String> EDITABLE = Set.of("ruleId", "enabled", "description", "kind", "priority",
            "entityTypes", "minLevel", "minScore", "detectors", "entities", "action", "ttlMinutes", "mode",
            "releaseBelowScore", "minHoldMinutes", "throttleRatePerSecond", "parameters");
    /** Fields of a rule as read back that an edit may carry and that are not the editor's to set. */
    private static final Set<String> READ_ONLY = Set.of("version", "updatedAt", "updatedBy", "source",
            "expectedVersion");

    private RuleJson() {
    }

    /** A rule as the API shows it. */
    static ObjectNode toJson(PolicyRule r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("ruleId", r.getRuleId()).put("version", r.getVersion()).put("enabled", r.getEnabled())
                .put("description", r.getDescription()).put("kind", r.getKind().name())
                .put("priority", r.getPriority());
        ArrayNode types = n.putArray("entityTypes");
        r.getEntityTypes().forEach(t -> types.add(t.name()));
        if (r.getMinLevel() == null) {
            n.putNull("minLevel");
        } else {
            n.put("minLevel", r.getMinLevel().name());
        }
        putNumber(n, "minScore", r.getMinScore());
        ArrayNode det = n.putArray("detectors");
        r.getDetectors().forEach(d -> det.add(d.toString()));
        ArrayNode ent = n.putArray("entities");
        r.getEntities().forEach(e -> ent.add(e.toString()));
        n.put("action", r.getAction().name());
        n.put("ttlMinutes", r.getTtlMs() / 60_000.0);
        n.put("mode", r.getMode().name());
        putNumber(n, "releaseBelowScore", r.getReleaseBelowScore());
        n.put("minHoldMinutes", r.getMinHoldMs() / 60_000.0);
        putNumber(n, "throttleRatePerSecond", r.getThrottleRatePerSecond());
        ObjectNode params = n.putObject("parameters");
        r.getParameters().forEach((k, v) -> params.put(k.toString(), v));
        n.put("updatedAt", r.getUpdatedAt()).put("updatedBy", r.getUpdatedBy());
        return n;
    }

    private static void putNumber(ObjectNode n, String field, Double v) {
        if (v == null) {
            n.putNull(field);
        } else {
            n.put(field, v);
        }
    }

    /**
     * The rule an edit makes: the fields of {@code req} over {@code current} (a new rule when there is none), at
     * {@code version}. Every field is checked; the first bad one fails with a message that names it.
     */
    static PolicyRule edit(PolicyRule current, JsonNode req, long version, long now, String user) {
        for (Iterator<String> it = req.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!EDITABLE.contains(f) && !READ_ONLY.contains(f)) {
                throw bad("unknown field '" + f + "'; a rule has " + String.join(", ", new java.util.TreeSet<>(
                        EDITABLE)));
            }
        }
        ObjectNode n = current == null ? JSON.createObjectNode() : toJson(current);
        req.fields().forEachRemaining(e -> {
            if (EDITABLE.contains(e.getKey())) {
                n.set(e.getKey(), e.getValue());
            }
        });
        String id = n.path("ruleId").asText("");
        if (!n.path("ruleId").isTextual() || !id.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
            throw bad("ruleId must be 1 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting "
                    + "with a letter or digit");
        }
        RuleKind kind = oneOf(n, "kind", RuleKind.class, RuleKind.THRESHOLD);
        boolean enabled = bool(n, "enabled", true);
        String description = n.path("description").isNull() || n.path("description").isMissingNode() ? ""
                : text(n, "description");
        if (description.length() > 500) {
            throw bad("description must be at most 500 characters");
        }
        long priority = whole(n, "priority", 0, -1000, 1000);
        List<EntityType> types = new ArrayList<>(new LinkedHashSet<>(strings(n, "entityTypes", 4).stream()
                .map(s -> enumValue("entityTypes", s, EntityType.class)).toList()));
        RiskLevel minLevel = n.path("minLevel").isNull() || n.path("minLevel").isMissingNode()
                || n.path("minLevel").asText().isEmpty() ? null : oneOf(n, "minLevel", RiskLevel.class, null);
        Double minScore = optionalNumber(n, "minScore", 0, 100);
        List<String> detectors = strings(n, "detectors", 32);
        for (String d : detectors) {
            if (!d.matches("[a-z][a-z0-9_]{0,63}")) {
                throw bad("detectors must be detector names (lower-case letters, digits and '_', e.g. brute_force); "
                        + "got '" + d + "'");
            }
        }
        List<String> entities = strings(n, "entities", 1000);
        for (String e : entities) {
            try {
                EntityPattern.parse(e);
            } catch (IllegalArgumentException x) {
                throw bad("entities: " + x.getMessage());
            }
        }
        Action action = oneOf(n, "action", Action.class, null);
        long ttl = whole(n, "ttlMinutes", 15, 1, MAX_TTL_MINUTES);
        DecisionMode mode = oneOf(n, "mode", DecisionMode.class, DecisionMode.ENFORCE);
        Double release = optionalNumber(n, "releaseBelowScore", 0, 100);
        long hold = whole(n, "minHoldMinutes", 0, 0, MAX_TTL_MINUTES);
        Double rate = optionalNumber(n, "throttleRatePerSecond", 0.001, 1_000_000);
        Map<String, Double> params = parameters(n);
        switch (kind) {
            case THRESHOLD -> {
                if (minLevel == null && minScore == null) {
                    throw bad("minScore or minLevel is required: a THRESHOLD rule matches on the risk level or score");
                }
            }
            case DETECTOR -> {
                if (detectors.isEmpty()) {
                    throw bad("detectors must name at least one detector for a DETECTOR rule");
                }
            }
            case ALLOW_LIST, OVERRIDE -> {
                if (entities.isEmpty()) {
                    throw bad("entities must list at least one entity or range for an " + kind + " rule");
                }
            }
            default -> throw new IllegalStateException(kind.name());
        }
        if (action == Action.THROTTLE && rate == null) {
            throw bad("throttleRatePerSecond is required for THROTTLE (connections per second, more than 0)");
        }
        if (minScore != null && release != null && release > minScore) {
            throw bad("releaseBelowScore must not be above minScore (" + minScore + "), or the rule releases what "
                    + "it just decided");
        }
        if (hold > ttl) {
            throw bad("minHoldMinutes must not be longer than ttlMinutes (" + ttl + ")");
        }
        PolicyRule rule = PolicyRule.newBuilder()
                .setRuleId(id).setVersion(version).setEnabled(enabled).setDescription(description).setKind(kind)
                .setPriority((int) priority).setEntityTypes(types).setMinLevel(minLevel).setMinScore(minScore)
                .setDetectors(new ArrayList<>(detectors)).setEntities(new ArrayList<>(entities)).setAction(action)
                .setTtlMs(ttl * 60_000).setMode(mode).setReleaseBelowScore(release).setMinHoldMs(hold * 60_000)
                .setThrottleRatePerSecond(rate).setParameters(new java.util.HashMap<>(params))
                .setUpdatedAt(now).setUpdatedBy(user)
                .build();
        try {
            Policy.validate(rule);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        return rule;
    }

    /** The validation failure: a 400 that names the field. */
    static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    private static Invalid bad(String message) {
        return new Invalid(message);
    }

    private static String text(JsonNode n, String field) {
        if (!n.path(field).isTextual()) {
            throw bad(field + " must be text");
        }
        return n.get(field).asText();
    }

    private static boolean bool(JsonNode n, String field, boolean dflt) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw bad(field + " must be true or false");
        }
        return v.asBoolean();
    }

    private static long whole(JsonNode n, String field, long dflt, long min, long max) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            return dflt;
        }
        double d = v.isNumber() ? v.asDouble() : parse(v.asText(), field, min, max, "a whole number");
        if (d != Math.rint(d) || d < min || d > max) {
            throw bad(field + " must be a whole number from " + min + " to " + max);
        }
        return (long) d;
    }

    private static Double optionalNumber(JsonNode n, String field, double min, double max) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            return null;
        }
        double d = v.isNumber() ? v.asDouble() : parse(v.asText(), field, min, max, "a number");
        if (!Double.isFinite(d) || d < min || d > max) {
            throw bad(field + " must be from " + fmt(min) + " to " + fmt(max));
        }
        return d;
    }

    private static double parse(String s, String field, double min, double max, String what) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw bad(field + " must be " + what + " from " + fmt(min) + " to " + fmt(max) + ", got '" + s + "'");
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static <E extends Enum<E>> E oneOf(JsonNode n, String field, Class<E> type, E dflt) {
        JsonNode v = n.path(field);
        if ((v.isMissingNode() || v.isNull()) && dflt != null) {
            return dflt;
        }
        return enumValue(field, v.isTextual() ? v.asText() : "", type);
    }

    private static <E extends Enum<E>> E enumValue(String field, String s, Class<E> type) {
        try {
            return Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad(field + " must be one of " + Arrays.stream(type.getEnumConstants()).map(Enum::name)
                    .collect(Collectors.joining(", ")) + (s.isEmpty() ? "" : "; got '" + s + "'"));
        }
    }

    private static List<String> strings(JsonNode n, String field, int max) {
        JsonNode v = n.path(field);
        List<String> out = new ArrayList<>();
        if (v.isMissingNode() || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw bad(field + " must be a list");
        }
        for (JsonNode x : v) {
            if (!x.isTextual() || x.asText().isBlank()) {
                throw bad(field + " must be a list of non-empty texts");
            }
            out.add(x.asText().strip());
        }
        if (out.size() > max) {
            throw bad(field + " may have at most " + max + " entries");
        }
        return out;
    }

    private static Map<String, Double> parameters(JsonNode n) {
        JsonNode v = n.path("parameters");
        Map<String, Double> out = new LinkedHashMap<>();
        if (v.isMissingNode() || v.isNull()) {
            return out;
        }
        if (!v.isObject()) {
            throw bad("parameters must be an object of names and numbers");
        }
        v.fields().forEachRemaining(e -> {
            if (!e.getKey().matches("[a-z][a-z0-9_.]{0,99}") || !e.getValue().isNumber()
                    || !Double.isFinite(e.getValue().asDouble())) {
                throw bad("parameters must map names (lower-case, e.g. brute_force.failures) to numbers; '"
                        + e.getKey() + "' does not");
            }
            out.put(e.getKey(), e.getValue().asDouble());
        });
        return out;
    }
}
