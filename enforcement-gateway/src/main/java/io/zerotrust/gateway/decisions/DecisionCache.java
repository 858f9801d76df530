package io.zerotrust.gateway.decisions;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.ApplyOutcome;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's table of enforcement decisions by entity key, as read from the compacted
 * {@code enforcement.decisions} topic: the latest decision per entity wins (an ALLOW lifts an earlier BLOCK). Shadow
 * decisions are kept apart and never returned for enforcement. Lookups are lock-free map reads on the request path.
 */
public final class DecisionCache {

    private final ConcurrentHashMap<String, EnforcementDecision> enforced = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, EnforcementDecision> shadow = new ConcurrentHashMap<>();

    /** Takes a decision in and says what became of it. */
    public ApplyOutcome apply(EnforcementDecision d, long nowMs) {
        if (d.getAction() != Action.ALLOW && d.getExpiresAt() == null) {
            return ApplyOutcome.REJECTED;
        }
        ConcurrentHashMap<String, EnforcementDecision> table = d.getMode() == DecisionMode.SHADOW ? shadow : enforced;
        EnforcementDecision current = table.get(d.getEntity());
        if (current != null && current.getIssuedAt() > d.getIssuedAt()) {
            return ApplyOutcome.SUPERSEDED;
        }
        if (d.getExpiresAt() != null && d.getExpiresAt() <= nowMs) {
            table.remove(d.getEntity());
            return ApplyOutcome.EXPIRED_ON_ARRIVAL;
        }
        table.put(d.getEntity(), d);
        return d.getMode() == DecisionMode.SHADOW ? ApplyOutcome.SHADOW_RECORDED : ApplyOutcome.APPLIED;
    }

    /** A tombstone on the topic: the entity has no decision any more. */
    public void remove(String entity) {
        enforced.remove(entity);
        shadow.remove(entity);
    }

    /**
     * The most severe live ENFORCE decision among the given entity keys (nulls are skipped), or null when none
     * restricts them. Equal actions: the one that lasts longer.
     */
    public EnforcementDecision strongest(long nowMs, String user, String device, String ip) {
        EnforcementDecision best = pick(null, user, nowMs);
        best = pick(best, device, nowMs);
        return pick(best, ip, nowMs);
    }

    private EnforcementDecision pick(EnforcementDecision best, String entity, long nowMs) {
        if (entity == null) {
            return best;
        }
        EnforcementDecision d = enforced.get(entity);
        if (d == null || d.getAction() == Action.ALLOW || d.getExpiresAt() <= nowMs) {
            return best;
        }
        if (best == null || d.getAction().ordinal() > best.getAction().ordinal()
                || (d.getAction() == best.getAction() && d.getExpiresAt() > best.getExpiresAt())) {
            return d;
        }
        return best;
    }

    /** The live shadow decision for an entity, if any (recorded on events, never enforced). */
    public EnforcementDecision shadowFor(String entity, long nowMs) {
        EnforcementDecision d = entity == null ? null : shadow.get(entity);
        return d != null && d.getExpiresAt() != null && d.getExpiresAt() > nowMs ? d : null;
    }

    /** How many entities a live ENFORCE decision with {@code action} restricts now (expired ones not counted). */
    public int live(Action action, long nowMs) {
        int n = 0;
        for (EnforcementDecision d : enforced.values()) {
            if (d.getAction() == action && d.getExpiresAt() != null && d.getExpiresAt() > nowMs) {
                n++;
            }
        }
        return n;
    }

    public int size() {
        return enforced.size() + shadow.size();
    }
}
