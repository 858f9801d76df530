package io.zerotrust.demo.sim;

import io.zerotrust.avro.Action;
import java.util.List;
import java.util.Set;

/**
 * A scripted attack and its ground truth: the entity that should be acted on, the detectors of which at least one
 * must fire for it, and the mildest action that counts as enforced.
 *
 * @param name        short id, e.g. {@code password_spray}
 * @param description what happens, for the report
 * @param entity      the entity key the risk engine should act on ({@code ip:203.0.113.50}, {@code user:u0001})
 * @param detectors   the detectors that recognise it (any one of them is a detection)
 * @param minAction   the mildest enforcement that stops it, in the policy's order of severity
 *                    (STEP_UP &lt; THROTTLE &lt; BLOCK)
 * @param startMs     its first attempt, as an offset into the live phase
 * @param attempts    its connection attempts, times as offsets into the live phase
 */
public record Scenario(String name, String description, String entity, Set<String> detectors, Action minAction,
                       long startMs, List<Attempt> attempts) {

    public Scenario {
        detectors = Set.copyOf(detectors);
        attempts = List.copyOf(attempts);
    }

    /** Whether {@code action} is at least as severe as the scenario needs. */
    public boolean stoppedBy(Action action) {
        return severity(action) >= severity(minAction);
    }

    static int severity(Action a) {
        return switch (a) {
            case ALLOW -> 0;
            case STEP_UP -> 1;
            case THROTTLE -> 2;
            case BLOCK -> 3;
        };
    }
}
