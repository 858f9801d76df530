package io.zerotrust.jobs.risk.flink;

import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;

/** The time-to-live every per-entity state of the risk job has: refreshed on write, never read once expired. */
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
