package io.zerotrust.jobs.risk.policy;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.DecisionReason;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.avro.RuleKind;
import io.zerotrust.jobs.risk.score.RiskScoring.DetectorShare;
import io.zerotrust.jobs.state.DecisionSlot;
import io.zerotrust.jobs.state.DecisionState;
import io.zerotrust.schemas.policy.Policy;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns an entity's risk into enforcement decisions under a {@link Policy}. Pure: the caller keeps the entity's
 * {@link DecisionState}.
 *
 * <p>Rules: an ALLOW_LIST rule that lists the entity silences everything else (and releases what the engine had
 * decided); otherwise among the enabled THRESHOLD (level or score), DETECTOR (a named detector holds points in the
 * score) and OVERRIDE (listed entities) rules that match, the most severe action wins, then the higher priority, then
 * the rule id. ENFORCE and SHADOW rules are judged separately, each with its own decision; shadow decisions are
 * emitted with mode SHADOW and never enforced. A live manual decision for the entity silences the engine's ENFORCE
 * decisions until it expires.
 *
 * <p>Hysteresis, so decisions do not flap: a live decision is replaced only by a more severe one, renewed when less
 * than a third of its time is left and its rule still matches, and relaxed (to a milder action, or ALLOW when nothing
 * matches any more) only after its rule's {@code minHoldMs} and, if the rule sets {@code releaseBelowScore}, once the
 * score is below it. Otherwise it simply expires.
 *
 * <p>Times are event times, so replaying the same events gives the same decisions with the same ids (decisions are
 * delivered at least once; ids make the repeats harmless).
 */
public final class PolicyEngine implements Serializable {

    private static final long serialVersionUID = 1L;
    /** How long an ALLOW that releases an entity lasts. */
    static final long RELEASE_TTL_MS = 15 * 60_000L;

    /** What the engine judges: an entity's risk at an event. */
    public record Subject(String entity, EntityType type, double score, RiskLevel level, List<DetectorShare> shares,
                          long eventTime, String triggerEventId) {
    }

    private record Match(PolicyRule rule, Action action) {
    }

    public List<EnforcementDecision> decide(Policy policy, Subject s, DecisionState state, long issuedAt) {
        List<EnforcementDecision> out = new ArrayList<>(2);
        boolean allowListed = policy.rules().stream().anyMatch(r -> r.getEnabled() && r.getKind() == RuleKind.ALLOW_LIST
                && appliesTo(r, s.type()) && policy.patterns(r).stream().anyMatch(p -> p.matches(s.entity())));
        boolean manual = state.getManualUntil() > s.eventTime();
        for (DecisionMode mode : DecisionMode.values()) {
            if (mode == DecisionMode.ENFORCE && manual) {
                continue;
            }
            Optional<Match> best = allowListed ? Optional.empty() : best(policy, s, mode);
            DecisionSlot slot = mode == DecisionMode.ENFORCE ? state.getEnforce() : state.getShadow();
            DecisionSlot live = slot != null && slot.getExpiresAt() > s.eventTime() ? slot : null;
            Optional<EnforcementDecision> d = next(policy, s, mode, best, live, allowListed, issuedAt);
            d.ifPresent(decision -> {
                DecisionSlot newSlot = slotOf(decision, live, best, s.eventTime());
                if (mode == DecisionMode.ENFORCE) {
                    state.setEnforce(newSlot);
                } else {
                    state.setShadow(newSlot);
                }
                out.add(decision);
            });
        }
        return out;
    }

    /** Records a manual decision read back from the decisions topic: it wins over the engine while it lasts. */
    public static void manual(DecisionState state, EnforcementDecision d) {
        if (d.getMode() != DecisionMode.ENFORCE) {
            return;
        }
        state.setManualDecisionId(d.getDecisionId());
        state.setManualAction(d.getAction().name());
        state.setManualUntil(d.getExpiresAt() == null ? Long.MAX_VALUE : d.getExpiresAt());
    }

    private Optional<EnforcementDecision> next(Policy policy, Subject s, DecisionMode mode, Optional<Match> best,
                                               DecisionSlot live, boolean allowListed, long issuedAt) {
        long now = s.eventTime();
        if (best.isEmpty()) {
            if (live != null && !Action.ALLOW.name().equals(live.getAction())
                    && (allowListed || mayRelax(live, s.score(), now))) {
                return Optional.of(release(policy, s, mode, live, allowListed, issuedAt));
            }
            return Optional.empty();
        }
        Match m = best.get();
        if (live == null) {
            return m.action() == Action.ALLOW ? Optional.empty() : Optional.of(issue(policy, s, mode, m, null, issuedAt));
        }
        int severity = m.action().ordinal() - Action.valueOf(live.getAction()).ordinal();
        if (severity > 0) {
            return Optional.of(issue(policy, s, mode, m, live, issuedAt));
        }
        if (severity == 0) {
            long ttl = live.getExpiresAt() - live.getIssuedAt();
            boolean renew = live.getExpiresAt() - now < ttl / 3 && !Action.ALLOW.equals(m.action());
            return renew ? Optional.of(issue(policy, s, mode, m, live, issuedAt)) : Optional.empty();
        }
        return mayRelax(live, s.score(), now) ? Optional.of(issue(policy, s, mode, m, live, issuedAt))
                : Optional.empty();
    }

    /** The hysteresis rule: held long enough and, if the rule asks for it, the score fell below its release level. */
    public static boolean mayRelax(DecisionSlot live, double score, long now) {
        boolean held = now - live.getHeldSince() >= live.getMinHoldMs();
        boolean low = live.getReleaseBelowScore() == null || score < live.getReleaseBelowScore();
        return held && low;
    }

    private static Optional<Match> best(Policy policy, Subject s, DecisionMode mode) {
        return policy.rules().stream()
                .filter(r -> r.getEnabled() && r.getMode() == mode && appliesTo(r, s.type()) && matches(policy, r, s))
                .map(r -> new Match(r, r.getAction()))
                .max(Comparator.comparingInt((Match m) -> m.action().ordinal())
                        .thenComparingInt(m -> m.rule().getPriority())
                        .thenComparing(m -> m.rule().getRuleId(), Comparator.reverseOrder()));
    }

    private static boolean appliesTo(PolicyRule r, EntityType type) {
        return r.getEntityTypes().isEmpty() || r.getEntityTypes().contains(type);
    }

    /** Whether a rule matches the subject (allow-lists are handled before). */
    static boolean matches(Policy policy, PolicyRule r, Subject s) {
        return switch (r.getKind()) {
            case THRESHOLD -> (r.getMinLevel() == null || s.level().ordinal() >= r.getMinLevel().ordinal())
                    && (r.getMinScore() == null || s.score() >= r.getMinScore());
            case DETECTOR -> s.shares().stream().anyMatch(d -> d.points() >= 1.0
                    && r.getDetectors().contains(d.detector()));
            case OVERRIDE -> policy.patterns(r).stream().anyMatch(p -> p.matches(s.entity()));
            case ALLOW_LIST -> false;
        };
    }

    private EnforcementDecision issue(Policy policy, Subject s, DecisionMode mode, Match m, DecisionSlot live,
                                      long issuedAt) {
        PolicyRule r = m.rule();
        String what = m.action() + " " + s.entity() + " for " + minutes(r.getTtlMs()) + ": risk "
                + Math.round(s.score()) + " (" + s.level().name().toLowerCase(Locale.ROOT) + ")";
        String why = s.shares().stream().limit(3)
                .map(d -> d.detector() + " " + Math.round(d.points())).reduce((a, b) -> a + ", " + b)
                .map(x -> "; " + x).orElse("");
        return base(policy, s, mode, m.action(), r.getRuleId(), r.getTtlMs(), live, issuedAt)
                .setThrottleRatePerSecond(m.action() == Action.THROTTLE ? r.getThrottleRatePerSecond() : null)
                .setSummary(what + why + " (rule " + r.getRuleId() + ", policy " + policy.version() + ")"
                        + (mode == DecisionMode.SHADOW ? " [shadow]" : ""))
                .build();
    }

    private EnforcementDecision release(Policy policy, Subject s, DecisionMode mode, DecisionSlot live,
                                        boolean allowListed, long issuedAt) {
        String why = allowListed ? "the entity is allow-listed" : "no rule matches any more and the "
                + live.getAction() + " was held " + minutes(s.eventTime() - live.getHeldSince());
        return base(policy, s, mode, Action.ALLOW, live.getRuleId(), RELEASE_TTL_MS, live, issuedAt)
                .setSummary("ALLOW " + s.entity() + ": released from " + live.getAction() + " (risk "
                        + Math.round(s.score()) + "; " + why + ", policy " + policy.version() + ")")
                .build();
    }

    private static EnforcementDecision.Builder base(Policy policy, Subject s, DecisionMode mode, Action action,
                                                    String ruleId, long ttlMs, DecisionSlot live, long issuedAt) {
        List<DecisionReason> reasons = new ArrayList<>();
        for (DetectorShare d : s.shares()) {
            if (reasons.size() == 5) {
                break;
            }
            reasons.add(DecisionReason.newBuilder()
                    .setDetector(d.detector())
                    .setContribution(Math.round(d.points() * 10) / 10.0)
                    .setAnomalyId(d.latest().getAnomalyId())
                    .setExplanation(d.latest().getExplanation())
                    .setEvidenceEventIds(new ArrayList<>(d.latest().getEvidenceEventIds()))
                    .build());
        }
        return EnforcementDecision.newBuilder()
                .setDecisionId(decisionId(s.entity(), mode, action, ruleId, s.eventTime()))
                .setEntity(s.entity())
                .setEntityType(s.type())
                .setAction(action)
                .setMode(mode)
                .setIssuedAt(issuedAt)
                .setExpiresAt(s.eventTime() + ttlMs)
                .setEventTime(s.eventTime())
                .setIssuer(DecisionIssuer.ENGINE)
                .setIssuedBy("risk-engine")
                .setPolicyVersion(policy.version())
                .setRuleId(ruleId)
                .setRiskScore(Math.round(s.score() * 10) / 10.0)
                .setRiskLevel(s.level())
                .setReasons(reasons)
                .setSupersedes(live == null ? null : live.getDecisionId());
    }

    /** Deterministic: the same entity, mode, action, rule and event time give the same id on a replay. */
    public static String decisionId(String entity, DecisionMode mode, Action action, String ruleId, long eventTime) {
        return "dec-" + UUID.nameUUIDFromBytes((entity + "|" + mode + "|" + action + "|" + ruleId + "|" + eventTime)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static DecisionSlot slotOf(EnforcementDecision d, DecisionSlot live, Optional<Match> best, long now) {
        boolean sameAction = live != null && live.getAction().equals(d.getAction().name());
        PolicyRule rule = best.map(Match::rule).orElse(null);
        return DecisionSlot.newBuilder()
                .setDecisionId(d.getDecisionId())
                .setAction(d.getAction().name())
                .setRuleId(d.getRuleId())
                .setIssuedAt(now)
                .setExpiresAt(d.getExpiresAt())
                .setHeldSince(sameAction ? live.getHeldSince() : now)
                .setReleaseBelowScore(rule == null ? null : rule.getReleaseBelowScore())
                .setMinHoldMs(rule == null ? 0 : rule.getMinHoldMs())
                .build();
    }

    private static String minutes(long ms) {
        return ms % 60_000 == 0 || ms > 600_000 ? Math.round(ms / 60_000.0) + " min" : ms / 1000 + " s";
    }
}
