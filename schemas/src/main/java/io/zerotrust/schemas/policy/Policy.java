package io.zerotrust.schemas.policy;

import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RuleKind;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The rules in force, by rule id, and the version they make together. Immutable: a rule change gives a new policy.
 * A rule replaces the one with its id only if its version is higher, so a replayed or reordered older version
 * cannot undo a newer one.
 */
public final class Policy implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Map<String, PolicyRule> rules;
    private final Map<String, List<EntityPattern>> patterns;
    private final String version;

    private Policy(Map<String, PolicyRule> rules) {
        this.rules = new TreeMap<>(rules);
        this.patterns = new HashMap<>();
        for (PolicyRule r : this.rules.values()) {
            patterns.put(r.getRuleId(), r.getEntities().stream().map(EntityPattern::parse).toList());
        }
        this.version = versionOf(this.rules.values());
    }

    public static Policy of(Collection<PolicyRule> rules) {
        Policy p = new Policy(Map.of());
        for (PolicyRule r : rules) {
            p = p.with(r);
        }
        return p;
    }

    /** This policy with {@code rule} added or replacing an older version of it. */
    public Policy with(PolicyRule rule) {
        validate(rule);
        PolicyRule current = rules.get(rule.getRuleId());
        if (current != null && current.getVersion() >= rule.getVersion()) {
            return this;
        }
        Map<String, PolicyRule> next = new TreeMap<>(rules);
        next.put(rule.getRuleId(), rule);
        return new Policy(next);
    }

    /** This policy without the rule (a tombstone on the compacted rules topic). */
    public Policy without(String ruleId) {
        if (!rules.containsKey(ruleId)) {
            return this;
        }
        Map<String, PolicyRule> next = new TreeMap<>(rules);
        next.remove(ruleId);
        return new Policy(next);
    }

    /** Checks what the engine relies on; the message names the rule and the field. */
    public static void validate(PolicyRule r) {
        String where = "policy rule '" + r.getRuleId() + "' (version " + r.getVersion() + "): ";
        if (r.getRuleId() == null || r.getRuleId().isBlank()) {
            throw new IllegalArgumentException("a policy rule needs a ruleId");
        }
        if (r.getKind() == RuleKind.THRESHOLD && r.getMinLevel() == null && r.getMinScore() == null) {
            throw new IllegalArgumentException(where + "a THRESHOLD rule needs minLevel or minScore");
        }
        if (r.getKind() == RuleKind.DETECTOR && r.getDetectors().isEmpty()) {
            throw new IllegalArgumentException(where + "a DETECTOR rule needs detectors");
        }
        if ((r.getKind() == RuleKind.ALLOW_LIST || r.getKind() == RuleKind.OVERRIDE) && r.getEntities().isEmpty()) {
            throw new IllegalArgumentException(where + "an " + r.getKind() + " rule needs entities");
        }
        if (r.getTtlMs() <= 0) {
            throw new IllegalArgumentException(where + "ttlMs must be positive: every decision expires");
        }
        r.getEntities().forEach(EntityPattern::parse);
    }

    public Collection<PolicyRule> rules() {
        return rules.values();
    }

    public List<EntityPattern> patterns(PolicyRule r) {
        return patterns.getOrDefault(r.getRuleId(), List.of());
    }

    /**
     * The policy version decisions carry: the highest rule version and a checksum of every rule id and version, so
     * two gateways or analysts can tell whether they saw the same rules.
     */
    public String version() {
        return version;
    }

    private static String versionOf(Collection<PolicyRule> rules) {
        List<PolicyRule> sorted = new ArrayList<>(rules);
        sorted.sort(Comparator.comparing(PolicyRule::getRuleId));
        CRC32 crc = new CRC32();
        long max = 0;
        for (PolicyRule r : sorted) {
            crc.update((r.getRuleId() + ":" + r.getVersion() + ";").getBytes(StandardCharsets.UTF_8));
            max = Math.max(max, r.getVersion());
        }
        return "v" + max + "-" + String.format("%08x", crc.getValue());
    }

    @Override
    public String toString() {
        return "Policy[" + version + ", " + rules.size() + " rules]";
    }
}
