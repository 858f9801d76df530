package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.ApplyOutcome;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.gateway.decisions.DecisionCache;
import io.zerotrust.gateway.decisions.Throttle;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionCacheTest {

    private static final long NOW = 1_000_000L;

    static EnforcementDecision decision(String id, String entity, Action action, DecisionMode mode, long issuedAt,
                                        Long expiresAt) {
        return EnforcementDecision.newBuilder().setDecisionId(id).setEntity(entity).setEntityType(EntityType.USER)
                .setAction(action).setMode(mode).setIssuedAt(issuedAt).setExpiresAt(expiresAt)
                .setPolicyVersion("test").setSummary(id).setReasons(List.of()).build();
    }

    @Test
    void theMostSevereLiveDecisionAmongTheEntitiesApplies() {
        DecisionCache cache = new DecisionCache();
        cache.apply(decision("t", "user:alice", Action.THROTTLE, DecisionMode.ENFORCE, NOW, NOW + 60_000), NOW);
        cache.apply(decision("b", "ip:10.0.0.1", Action.BLOCK, DecisionMode.ENFORCE, NOW, NOW + 60_000), NOW);
        cache.apply(decision("s", "device:d1", Action.STEP_UP, DecisionMode.ENFORCE, NOW, NOW + 60_000), NOW);

        assertThat(cache.strongest(NOW, "user:alice", "device:d1", "ip:10.0.0.1").getDecisionId()).isEqualTo("b");
        assertThat(cache.strongest(NOW, "user:alice", "device:d1", "ip:10.0.0.2").getDecisionId()).isEqualTo("t");
        assertThat(cache.strongest(NOW, null, "device:d1", "ip:10.0.0.2").getDecisionId()).isEqualTo("s");
        assertThat(cache.strongest(NOW, "user:bob", null, "ip:10.0.0.2")).isNull();
    }

    @Test
    void liveCountsOnlyEnforcedUnexpiredDecisionsOfThatAction() {
        DecisionCache cache = new DecisionCache();
        cache.apply(decision("b1", "ip:10.0.0.1", Action.BLOCK, DecisionMode.ENFORCE, NOW, NOW + 60_000), NOW);
        cache.apply(decision("b2", "ip:10.0.0.2", Action.BLOCK, DecisionMode.ENFORCE, NOW, NOW + 1_000), NOW);
        cache.apply(decision("b3", "ip:10.0.0.3", Action.BLOCK, DecisionMode.SHADOW, NOW, NOW + 60_000), NOW);
        cache.apply(decision("t", "user:alice", Action.THROTTLE, DecisionMode.ENFORCE, NOW, NOW + 60_000), NOW);

        assertThat(cache.live(Action.BLOCK, NOW)).isEqualTo(2);
        assertThat(cache.live(Action.BLOCK, NOW + 1_000)).as("b2 expired").isEqualTo(1);
        assertThat(cache.live(Action.THROTTLE, NOW)).isEqualTo(1);
        cache.apply(decision("a", "ip:10.0.0.1", Action.ALLOW, DecisionMode.ENFORCE, NOW + 5, null), NOW);
        assertThat(cache.live(Action.BLOCK, NOW)).as("lifted").isEqualTo(1);
        assertThat(cache.live(Action.STEP_UP, NOW)).isZero();
    }

    @Test
    void expiryLatestWinsAndAllowLifts() {
        DecisionCache cache = new DecisionCache();
        assertThat(cache.apply(decision("b1", "user:alice", Action.BLOCK, DecisionMode.ENFORCE, NOW, NOW + 1_000),
                NOW)).isEqualTo(ApplyOutcome.APPLIED);
        assertThat(cache.strongest(NOW + 999, "user:alice", null, null)).isNotNull();
        assertThat(cache.strongest(NOW + 1_000, "user:alice", null, null)).as("expired").isNull();

        cache.apply(decision("b2", "user:alice", Action.BLOCK, DecisionMode.ENFORCE, NOW + 10, NOW + 60_000), NOW);
        assertThat(cache.apply(decision("old", "user:alice", Action.ALLOW, DecisionMode.ENFORCE, NOW, null), NOW))
                .as("older than what is in force").isEqualTo(ApplyOutcome.SUPERSEDED);
        assertThat(cache.apply(decision("a", "user:alice", Action.ALLOW, DecisionMode.ENFORCE, NOW + 20, null), NOW))
                .isEqualTo(ApplyOutcome.APPLIED);
        assertThat(cache.strongest(NOW, "user:alice", null, null)).as("ALLOW lifts the block").isNull();

        assertThat(cache.apply(decision("x", "user:carl", Action.BLOCK, DecisionMode.ENFORCE, NOW, null), NOW))
                .as("a block without expiry").isEqualTo(ApplyOutcome.REJECTED);
        assertThat(cache.apply(decision("y", "user:carl", Action.BLOCK, DecisionMode.ENFORCE, NOW, NOW - 1), NOW))
                .isEqualTo(ApplyOutcome.EXPIRED_ON_ARRIVAL);
        assertThat(cache.strongest(NOW, "user:carl", null, null)).isNull();
    }

    @Test
    void shadowDecisionsAreRecordedNeverEnforced() {
        DecisionCache cache = new DecisionCache();
        assertThat(cache.apply(decision("sh", "user:dora", Action.BLOCK, DecisionMode.SHADOW, NOW, NOW + 60_000),
                NOW)).isEqualTo(ApplyOutcome.SHADOW_RECORDED);
        assertThat(cache.strongest(NOW, "user:dora", null, null)).isNull();
        assertThat(cache.shadowFor("user:dora", NOW).getDecisionId()).isEqualTo("sh");
        cache.remove("user:dora");
        assertThat(cache.shadowFor("user:dora", NOW)).isNull();
    }

    @Test
    void throttleAllowsItsRateWithAOneSecondBurst() {
        Throttle t = new Throttle();
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            allowed += t.tryAcquire("user:e", 3, NOW) ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(3);
        assertThat(t.tryAcquire("user:e", 3, NOW + 340)).as("a token refills after 1/3 s").isTrue();
        assertThat(t.tryAcquire("user:e", 3, NOW + 340)).isFalse();
        assertThat(t.tryAcquire("user:other", 3, NOW)).as("per entity").isTrue();
    }
}
