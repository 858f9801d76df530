package io.zerotrust.jobs.risk.flink;

import static io.zerotrust.jobs.risk.TestEvents.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.risk.RiskJob;
import io.zerotrust.jobs.risk.detect.DetectorParams;
import io.zerotrust.jobs.risk.detect.DistributedBruteForceDetector;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The destination detectors in their keyed operator (keyed by the service a failed authentication was against), and
 * the long-window state through a snapshot and a restore.
 */
class DestinationDetectorsTest {

    private static final long T0 = 1_790_000_000_000L;

    private static KeyedOneInputStreamOperatorTestHarness<String, ConnectionEvent, Anomaly> harness()
            throws Exception {
        DetectorFunction fn = new DetectorFunction(EntityType.SERVICE,
                RiskJob.destinationDetectors(DetectorParams.defaults()), Duration.ofDays(30), false);
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(fn),
                DistributedBruteForceDetector::targetOf, Types.STRING);
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, ConnectionEvent, Anomaly> h, int source,
                             long t) throws Exception {
        ConnectionEvent e = failure("user" + source, "198.18." + source + ".7", t);
        h.processElement(new StreamRecord<>(e, t));
    }

    @Test
    void manySourcesFailingALittleAgainstOneServiceAreFoundOnTheServiceAcrossARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 20; i++) {
                send(h, i, T0 + i * 120_000L);
            }
            assertThat(h.extractOutputValues()).isEmpty();
            snapshot = h.snapshot(1, T0 + 40 * 60_000L);
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            for (int i = 20; i < 30; i++) {
                send(restored, i, T0 + i * 120_000L);
            }
            assertThat(restored.extractOutputValues()).singleElement().satisfies(a -> {
                assertThat(a.getDetector()).isEqualTo("distributed_brute_force");
                assertThat(a.getEntity()).isEqualTo("service:portal");
                assertThat(a.getEntityType()).isEqualTo(EntityType.SERVICE);
                assertThat(a.getObserved()).as("the sources before the restore count").isEqualTo(30.0);
                assertThat(a.getAttributes()).containsEntry("window", "slow").containsEntry("window_minutes", "120")
                        .doesNotContainKey("via");
                assertThat(a.getExplanation()).startsWith("distributed brute force: 30 source addresses");
            });
        }
    }
}
