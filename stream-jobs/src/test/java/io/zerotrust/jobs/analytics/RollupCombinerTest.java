package io.zerotrust.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.jobs.risk.TestEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The pre-aggregation before the rollup windows: same totals as counting every event, far fewer records. */
class RollupCombinerTest {

    private static final long T0 = 1_795_341_600_000L; // a minute boundary

    private static OneInputStreamOperatorTestHarness<ConnectionEvent, Rollups.Partial> harness() throws Exception {
        OneInputStreamOperatorTestHarness<ConnectionEvent, Rollups.Partial> h =
                new OneInputStreamOperatorTestHarness<>(new Rollups.Combiner());
        h.open();
        return h;
    }

    private static void add(OneInputStreamOperatorTestHarness<ConnectionEvent, Rollups.Partial> h, ConnectionEvent e)
            throws Exception {
        h.processElement(new StreamRecord<>(e, e.getEventTime()));
    }

    /** What came out so far: "minute dimension|key events/connections/failures/bytesOut/destinations", or "W ts". */
    private static List<String> output(OneInputStreamOperatorTestHarness<ConnectionEvent, Rollups.Partial> h) {
        List<String> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof Watermark w) {
                out.add("W " + (w.getTimestamp() - T0));
            } else {
                @SuppressWarnings("unchecked")
                StreamRecord<Rollups.Partial> r = (StreamRecord<Rollups.Partial>) o;
                Rollups.Partial p = r.getValue();
                out.add((r.getTimestamp() - T0) / 60_000 + " " + p.groupKey() + " " + p.events + "/" + p.connections
                        + "/" + p.failures + "/" + p.bytesOut + "/" + p.destinations.size());
            }
        }
        h.getOutput().clear();
        return out;
    }

    @Test
    void aMinuteIsSentOncePerGroupBeforeTheWatermarkThatClosesIt() throws Exception {
        try (var h = harness()) {
            for (int i = 0; i < 50; i++) { // 50 logins of one user in minute 0, to two services
                add(h, TestEvents.login("ann", "laptop", "10.0.0.1", "svc" + (i % 2), T0 + i * 1_000));
            }
            add(h, TestEvents.failure("ann", "10.0.0.1", T0 + 59_000));
            add(h, TestEvents.close("ann", "10.0.0.1", "svc0", 700, T0 + 61_000)); // minute 1
            h.processWatermark(new Watermark(T0 + 59_998));
            assertThat(output(h)).as("minute 0 not complete yet").containsExactly("W 59998");
            h.processWatermark(new Watermark(T0 + 59_999));
            List<String> out = output(h);
            assertThat(out.subList(0, out.size() - 1)).containsExactlyInAnyOrder(
                    "0 user|ann 51/50/1/0/3", "0 src_ip|10.0.0.1 51/50/1/0/3", "0 service|svc0 25/25/0/0/1",
                    "0 service|svc1 25/25/0/0/1", "0 service|portal 1/0/1/0/1", "0 gateway|gw-test 51/50/1/0/3");
            assertThat(out.get(out.size() - 1)).as("then the watermark").isEqualTo("W 59999");

            add(h, TestEvents.login("ann", "laptop", "10.0.0.1", "svc0", T0 + 30_000)); // late, for minute 0
            h.prepareSnapshotPreBarrier(1); // a checkpoint sends everything held, closed minutes or not
            assertThat(output(h)).containsExactlyInAnyOrder(
                    "0 user|ann 1/1/0/0/1", "0 src_ip|10.0.0.1 1/1/0/0/1", "0 service|svc0 1/1/0/0/1",
                    "0 gateway|gw-test 1/1/0/0/1",
                    "1 user|ann 1/0/0/700/1", "1 src_ip|10.0.0.1 1/0/0/700/1", "1 service|svc0 1/0/0/700/1",
                    "1 gateway|gw-test 1/0/0/700/1");
        }
    }

    @Test
    void theTotalsEqualCountingEveryEvent() throws Exception {
        List<ConnectionEvent> events = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            String user = "u" + i % 37;
            long t = T0 + i * 97L;
            events.add(i % 3 == 0 ? TestEvents.close(user, "10.0.1." + i % 5, "svc" + i % 4, i, t)
                    : i % 7 == 0 ? TestEvents.failure(user, "10.0.1." + i % 5, t)
                    : TestEvents.login(user, "d", "10.0.1." + i % 5, "svc" + i % 4, t));
        }
        Map<String, long[]> expected = new TreeMap<>();
        for (Rollups.Partial p : Rollups.partials(events)) {
            expected.put(p.groupKey(), new long[] {p.events, p.connections, p.failures, p.rejects, p.bytesIn,
                p.bytesOut});
        }
        Map<String, long[]> combined = new TreeMap<>();
        int records = 0;
        try (var h = harness()) {
            for (int i = 0; i < events.size(); i++) {
                add(h, events.get(i));
                if (i % 250 == 0) {
                    h.processWatermark(new Watermark(events.get(i).getEventTime() - 5_000));
                }
            }
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            for (Object o : h.getOutput()) {
                if (o instanceof StreamRecord<?> r) {
                    Rollups.Partial p = (Rollups.Partial) r.getValue();
                    records++;
                    combined.merge(p.groupKey(), new long[] {p.events, p.connections, p.failures, p.rejects,
                        p.bytesIn, p.bytesOut}, (a, b) -> {
                            for (int k = 0; k < a.length; k++) {
                                a[k] += b[k];
                            }
                            return a;
                        });
                }
            }
        }
        assertThat(combined).usingRecursiveComparison().isEqualTo(expected);
        assertThat(records).as("one record per group and minute, not four per event")
                .isLessThan(events.size() / 4);
    }
}
