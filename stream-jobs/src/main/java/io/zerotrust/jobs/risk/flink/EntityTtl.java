package io.zerotrust.jobs.risk.flink;

import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;

/**
 * The time-to-live of the scoring's and the policy's per-entity states: refreshed on write, never read once expired.
 * (The detectors' states, touched by every event, are cleared by an event-time timer instead: see
 * {@link DetectorFunction}.)
 */
final class EntityTtl {

    private EntityTtl() {
    }

    static StateTtlConfig of(Duration ttl) {
        return StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build();
    }
}
