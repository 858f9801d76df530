package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.Severity;
import java.util.List;
import java.util.Map;

/**
 * What a detector concluded from one event: how bad ({@code points} added to the entity's risk, 0-100), why in a
 * sentence an analyst can read, the measure against its baseline, and the events that prove it.
 */
public record Finding(Severity severity, double points, String explanation, Double observed, Double baseline,
                      Long windowStart, Long windowEnd, List<String> evidenceEventIds, Map<String, String> attributes) {

    public Finding {
        evidenceEventIds = List.copyOf(evidenceEventIds);
        attributes = Map.copyOf(attributes);
    }
}
