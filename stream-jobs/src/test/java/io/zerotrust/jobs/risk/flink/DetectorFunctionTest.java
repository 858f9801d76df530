package io.zerotrust.jobs.risk.flink;

import static io.zerotrust.jobs.risk.TestEvents.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.risk.RiskJob;
import io.zerotrust.jobs.risk.detect.DetectorParams;
import io.zerotrust.jobs.risk.detect.Entities;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The source-address detectors in their keyed operator, on Flink's operator test harness. */
class DetectorFunctionTest {

    private static final long T0 = 1_790_000_000_000L;
    private static final Duration TTL = Duration.ofHours(1);
    private static final String SPRAYER = "198.18.6.6";

    private static KeyedOneInputStreamOperatorTestHarness<String, ConnectionEvent, Anomaly> harness()
            throws Exception {
        return harness(new DetectorFunction(EntityType.IP, RiskJob.sourceDetectors(DetectorParams.defaults()),
                TTL, true));
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ConnectionEvent, Anomaly> harness(
            DetectorFunction fn) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, ConnectionEvent, Anomaly> h =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(fn), Entities::sourceIp,
                        Types.STRING);
        h.open();
        return h;
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, ConnectionEvent, Anomaly> h,
                             ConnectionEvent e) throws Exception {
        h.processElement(new StreamRecord<>(e, e.getEventTime()));
    }

    private static List<Anomaly> anomalies(KeyedOneInputStreamOperatorTestHarness<String, ConnectionEvent, Anomaly> h) {
        return h.extractOutputValues();
    }

    @Test
    void aSprayBecomesAnAnomalyWithARepeatableId() throws Exception {
        try (var h = harness()) {
            for (int i = 0; i < 5; i++) {
                send(h, failure("user" + i, SPRAYER, T0 + i * 1_000));
            }
            List<Anomaly> out = anomalies(h);
            assertThat(out).extracting(Anomaly::getDetector).containsExactly("password_spray", "password_spray");
            assertThat(out.get(1).getEntity()).as("it counts against the service the spray was aimed at too")
                    .isEqualTo("service:portal");
            assertThat(out.get(1).getEntityType()).isEqualTo(EntityType.SERVICE);
            assertThat(out.get(1).getAttributes()).containsEntry("via", "ip:" + SPRAYER);
            Anomaly a = out.get(0);
            assertThat(a.getEntity()).isEqualTo("ip:" + SPRAYER);
            assertThat(a.getEntityType()).isEqualTo(EntityType.IP);
            assertThat(a.getEvidenceEventIds()).hasSize(5);
            assertThat(a.getAnomalyId()).isEqualTo(DetectorFunction.anomalyId("password_spray", "ip:" + SPRAYER,
                    a.getEvidenceEventIds().get(4)));
        }
    }

    @Test
    void anEventBehindTheWatermarkGoesToTheSideOutputUnscored() throws Exception {
        try (var h = harness()) {
            h.processWatermark(T0 + 60_000);
            ConnectionEvent late = failure("user1", SPRAYER, T0);
            send(h, late);
            assertThat(anomalies(h)).isEmpty();
            assertThat(h.getSideOutput(DetectorFunction.LATE)).extracting(StreamRecord::getValue)
                    .containsExactly(late);
            // and nothing of it was learned: four more users do not make five
            for (int i = 2; i < 6; i++) {
                send(h, failure("user" + i, SPRAYER, T0 + 60_000 + i));
            }
            assertThat(anomalies(h)).isEmpty();
        }
    }

    @Test
    void lateEventsAreCountedPerOriginAndSensor() throws Exception {
        DetectorFunction fn = new DetectorFunction(EntityType.IP, RiskJob.sourceDetectors(DetectorParams.defaults()),
                TTL, true);
        try (var h = harness(fn)) {
            h.processWatermark(T0 + 60_000);
            send(h, sensor(failure("user1", SPRAYER, T0), "zeek", "sensor-a"));
            send(h, sensor(failure("user2", SPRAYER, T0 + 1), "zeek", "sensor-b"));
            send(h, sensor(failure("user3", SPRAYER, T0 + 2), "zeek", "sensor-b"));
            send(h, sensor(failure("user4", SPRAYER, T0 + 60_001), "zeek", "sensor-a")); // on time
            assertThat(fn.lateEvents("zeek", "sensor-a")).isEqualTo(1);
            assertThat(fn.lateEvents("zeek", "sensor-b")).isEqualTo(2);
            assertThat(fn.lateEvents("windows", "sensor-a")).isZero();
            assertThat(h.getSideOutput(DetectorFunction.LATE)).hasSize(3);
        }
    }

    @Test
    void lateEventsOfMoreSourcesThanItTellsApartAreCountedUnderOther() throws Exception {
        DetectorFunction fn = new DetectorFunction(EntityType.IP, RiskJob.sourceDetectors(DetectorParams.defaults()),
                TTL, true);
        try (var h = harness(fn)) {
            h.processWatermark(T0 + 60_000);
            for (int i = 0; i < DetectorFunction.MAX_LATE_SOURCES + 5; i++) {
                send(h, sensor(failure("user" + i, SPRAYER, T0 + i), "zeek", "sensor-" + i));
            }
            assertThat(fn.lateEvents("zeek", "sensor-0")).isEqualTo(1);
            assertThat(fn.lateEvents("zeek", "sensor-" + (DetectorFunction.MAX_LATE_SOURCES + 4))).isZero();
            assertThat(fn.lateEvents("zeek", "other")).isEqualTo(5);
        }
    }

    private static ConnectionEvent sensor(ConnectionEvent e, String origin, String sensor) {
        e.setOrigin(origin);
        e.setGatewayId(sensor);
        return e;
    }

    @Test
    void anEntityUnseenForTheTimeToLiveIsForgottenEntirely() throws Exception {
        try (var h = harness()) {
            for (int i = 0; i < 4; i++) {
                send(h, failure("user" + i, SPRAYER, T0 + i));
            }
            assertThat(h.numKeyedStateEntries()).isPositive();
            assertThat(h.numEventTimeTimers()).as("one cleanup timer per entity").isEqualTo(1);
            h.processWatermark(T0 + TTL.toMillis() - 1);
            assertThat(h.numKeyedStateEntries()).as("not yet").isPositive();
            h.processWatermark(T0 + TTL.toMillis() + 3_600_000);
            assertThat(h.numKeyedStateEntries()).as("nothing left in memory").isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            send(h, failure("user4", SPRAYER, T0 + TTL.toMillis() + 3_600_001));
            assertThat(anomalies(h)).as("the four earlier users were forgotten").isEmpty();
        }
    }

    @Test
    void anEntitySeenAgainBeforeItsTimerIsKept() throws Exception {
        try (var h = harness()) {
            for (int i = 0; i < 3; i++) {
                send(h, failure("user" + i, SPRAYER, T0 + i));
            }
            send(h, failure("user3", SPRAYER, T0 + TTL.toMillis() - 60_000)); // still within the time-to-live
            h.processWatermark(T0 + TTL.toMillis() + 3_600_000); // the first timer fires, and looks again later
            assertThat(h.numKeyedStateEntries()).as("kept").isPositive();
            assertThat(h.numEventTimeTimers()).as("one timer, the next look").isEqualTo(1);
        }
    }

    @Test
    void stateSurvivesASnapshotAndRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            for (int i = 0; i < 4; i++) {
                send(h, failure("user" + i, SPRAYER, T0 + i));
            }
            snapshot = h.snapshot(1, T0);
        }
        DetectorFunction fn = new DetectorFunction(EntityType.IP, RiskJob.sourceDetectors(DetectorParams.defaults()),
                TTL, true);
        try (var restored = new KeyedOneInputStreamOperatorTestHarness<String, ConnectionEvent, Anomaly>(
                new KeyedProcessOperator<>(fn), Entities::sourceIp, Types.STRING)) {
            restored.initializeState(snapshot);
            restored.open();
            send(restored, failure("user4", SPRAYER, T0 + 10));
            assertThat(anomalies(restored).stream().filter(x -> x.getEntity().equals("ip:" + SPRAYER))
                    .map(Anomaly::getDetector).collect(Collectors.toList())).containsExactly("password_spray");
        }
    }
}
