package io.zerotrust.schemas.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.avro.RuleKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Policy rules written by people: a JSON array of rules with the {@link PolicyRule} fields, times in minutes
 * ({@code ttlMinutes}, {@code minHoldMinutes}). Errors name the file, the rule and the field.
 */
public final class PolicyFiles {

    private static final Set<String> FIELDS = Set.of("ruleId", "version", "enabled", "description", "kind",
            "priority", "entityTypes", "minLevel", "minScore", "detectors", "entities", "action", "ttlMinutes",
            "mode", "releaseBelowScore", "minHoldMinutes", "throttleRatePerSecond", "parameters", "updatedBy");

    private PolicyFiles() {
    }

    /** The policy that ships with the job ({@code policy/default-policy.json}; docs/detections.md explains it). */
    public static List<PolicyRule> defaults(long updatedAt) {
        try (InputStream in = PolicyFiles.class.getClassLoader().getResourceAsStream("policy/default-policy.json")) {
            if (in == null) {
                throw new IllegalStateException("policy/default-policy.json is missing from the classpath");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "policy/default-policy.json",
                    updatedAt);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<PolicyRule> parse(String json, String source, long updatedAt) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException(source + ": expected a JSON array of rules");
        }
        List<PolicyRule> rules = new ArrayList<>();
        int i = 0;
        for (JsonNode n : root) {
            String where = source + " rule " + i + (n.hasNonNull("ruleId") ? " ('" + n.get("ruleId").asText() + "')"
                    : "") + ": ";
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!FIELDS.contains(f)) {
                    throw new IllegalArgumentException(where + "unknown field '" + f + "'; known: "
                            + String.join(", ", new java.util.TreeSet<>(FIELDS)));
                }
            }
            try {
                PolicyRule r = PolicyRule.newBuilder()
                        .setRuleId(text(n, "ruleId", null))
                        .setVersion(n.path("version").asLong(1))
                        .setEnabled(n.path("enabled").asBoolean(true))
                        .setDescription(text(n, "description", ""))
                        .setKind(RuleKind.valueOf(text(n, "kind", "THRESHOLD")))
                        .setPriority(n.path("priority").asInt(0))
                        .setEntityTypes(strings(n, "entityTypes").stream().map(EntityType::valueOf).toList())
                        .setMinLevel(n.hasNonNull("minLevel") ? RiskLevel.valueOf(n.get("minLevel").asText()) : null)
                        .setMinScore(n.hasNonNull("minScore") ? n.get("minScore").asDouble() : null)
                        .setDetectors(strings(n, "detectors"))
                        .setEntities(strings(n, "entities"))
                        .setAction(Action.valueOf(text(n, "action", null)))
                        .setTtlMs((long) (n.path("ttlMinutes").asDouble(15) * 60_000))
                        .setMode(DecisionMode.valueOf(text(n, "mode", "ENFORCE")))
                        .setReleaseBelowScore(n.hasNonNull("releaseBelowScore")
                                ? n.get("releaseBelowScore").asDouble() : null)
                        .setMinHoldMs((long) (n.path("minHoldMinutes").asDouble(0) * 60_000))
                        .setThrottleRatePerSecond(n.hasNonNull("throttleRatePerSecond")
                                ? n.get("throttleRatePerSecond").asDouble() : null)
                        .setParameters(parameters(n))
                        .setUpdatedAt(updatedAt)
                        .setUpdatedBy(text(n, "updatedBy", source))
                        .build();
                Policy.validate(r);
                rules.add(r);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException(where + e.getMessage(), e);
            }
            i++;
        }
        return rules;
    }

    private static String text(JsonNode n, String field, String dflt) {
        if (!n.hasNonNull(field)) {
            if (dflt == null) {
                throw new IllegalArgumentException("'" + field + "' is required");
            }
            return dflt;
        }
        return n.get(field).asText();
    }

    private static List<String> strings(JsonNode n, String field) {
        List<String> out = new ArrayList<>();
        if (n.hasNonNull(field)) {
            if (!n.get(field).isArray()) {
                throw new IllegalArgumentException("'" + field + "' must be an array");
            }
            n.get(field).forEach(x -> out.add(x.asText()));
        }
        return out;
    }

    private static Map<String, Double> parameters(JsonNode n) {
        Map<String, Double> out = new HashMap<>();
        if (n.hasNonNull("parameters")) {
            n.get("parameters").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
        }
        return out;
    }
}
