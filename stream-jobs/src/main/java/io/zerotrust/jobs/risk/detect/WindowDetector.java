package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.WindowState;

/**
 * What the sliding-window detectors (brute force, password spray, port scan, fan-out) share: their name, the kind of
 * entity they watch, and their state, a {@link WindowState} of recent observations and a per-period baseline.
 */
public abstract class WindowDetector implements Detector<WindowState> {

    private static final long serialVersionUID = 1L;

    private final String name;
    protected final EntityType type;

    protected WindowDetector(String name, EntityType type) {
        this.name = name;
        this.type = type;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final EntityType entityType() {
        return type;
    }

    @Override
    public final String entityOf(ConnectionEvent event) {
        return Entities.of(type, event);
    }

    @Override
    public final Class<WindowState> stateClass() {
        return WindowState.class;
    }

    @Override
    public final WindowState newState() {
        return WindowState.newBuilder().setWindow(Windows.empty()).setBaseline(Baselines.empty()).build();
    }
}
