package io.zerotrust.jobs.analytics;

import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.jobs.risk.detect.Entities;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;

/**
 * One-minute rollups per user, service, gateway and source address: connections opened, authentication failures,
 * refusals, bytes each way, distinct destinations and events. Computed in event-time windows, so a replay of the same
 * events gives the same row; a late event (within the allowed lateness) updates its minute's row with a higher
 * {@code version} (the number of events counted), which the ReplacingMergeTree keeps.
 *
 * <p>Each event counts in up to four groups. Instead of sending four records per event through the shuffle to the
 * windows, a {@link Combiner} before the shuffle adds the events of each group and minute up locally and sends one
 * {@link Partial} per group and minute (when the watermark closes the minute, at every checkpoint, and when it holds
 * too many groups); the windows then add partials up. Same totals, a fraction of the records.
 */
public final class Rollups {

    public static final String[] DIMENSIONS = {"user", "service", "gateway", "src_ip"};

    /**
     * The insertable columns of rollup_1m in table order, as {@link ToRow} writes them; the sink compares them with
     * the server's table at start.
     */
    public static final List<String> COLUMNS = List.of(
            "dimension Enum8('user' = 1, 'service' = 2, 'gateway' = 3, 'src_ip' = 4)", "key String",
            "minute DateTime", "connections UInt64", "failures UInt64", "rejects UInt64", "bytes_in UInt64",
            "bytes_out UInt64", "distinct_destinations UInt64", "events UInt64", "version UInt64");

    /** Groups a {@link Combiner} holds at most before it sends them all on. */
    static final int MAX_PENDING_GROUPS = 50_000;

    private Rollups() {
    }

    /** The counts of one group (dimension and key) over part of a minute. A Flink POJO. */
    public static class Partial extends Counts {
        public String dimension;
        public String key;
        /** The destination added last (most events of a group repeat it): spares hashing it again. */
        private transient String lastDestination;

        public Partial() {
        }

        Partial(String dimension, String key) {
            this.dimension = dimension;
            this.key = key;
        }

        public String groupKey() {
            return dimension + "|" + key;
        }

        void add(ConnectionEvent e, String destination) {
            connections += e.getPhase() == ConnectionPhase.OPEN ? 1 : 0;
            failures += e.getAuth() != null && e.getAuth().getOutcome() == AuthResult.FAILURE ? 1 : 0;
            rejects += e.getPhase() == ConnectionPhase.REJECT ? 1 : 0;
            if (e.getPhase() == ConnectionPhase.CLOSE) {
                bytesIn += e.getBytesIn();
                bytesOut += e.getBytesOut();
            }
            events++;
            if (destination != null && !destination.equals(lastDestination)) {
                destinations.add(destination);
                lastDestination = destination;
            }
        }
    }

    /** The keys of an event in each dimension (null where it has none), in {@link #DIMENSIONS} order. */
    static String[] keys(ConnectionEvent e) {
        return new String[] {e.getUser(), e.getDst() == null ? null : e.getDst().getService(), e.getGatewayId(),
            e.getSrc() == null ? null : e.getSrc().getIp()};
    }

    /** The events of one minute, per group, as partials (what a {@link Combiner} does, without Flink). */
    static List<Partial> partials(Iterable<ConnectionEvent> events) {
        Minute minute = new Minute();
        for (ConnectionEvent e : events) {
            minute.add(e);
        }
        List<Partial> out = new ArrayList<>();
        minute.forEach(out::add);
        return out;
    }

    /** The partials of one minute, one map per dimension (no key strings built per event). */
    static final class Minute {
        @SuppressWarnings("unchecked")
        private final Map<String, Partial>[] groups = new Map[DIMENSIONS.length];
        int size;

        Minute() {
            for (int i = 0; i < groups.length; i++) {
                groups[i] = new HashMap<>();
            }
        }

        /** Counts an event in each of its groups; returns how many groups it created. */
        int add(ConnectionEvent e) {
            String[] keys = keys(e);
            String destination = Entities.destination(e);
            int created = 0;
            for (int i = 0; i < DIMENSIONS.length; i++) {
                if (keys[i] == null || keys[i].isEmpty()) {
                    continue;
                }
                Partial p = groups[i].get(keys[i]);
                if (p == null) {
                    p = new Partial(DIMENSIONS[i], keys[i]);
                    groups[i].put(keys[i], p);
                    created++;
                }
                p.add(e, destination);
            }
            size += created;
            return created;
        }

        void forEach(java.util.function.Consumer<Partial> action) {
            for (Map<String, Partial> g : groups) {
                g.values().forEach(action);
            }
        }
    }

    /**
     * Adds events up per group and minute before the shuffle. Holds no state across checkpoints: everything it holds
     * is sent on before each checkpoint barrier. A minute is sent when the watermark passes its end, before the
     * watermark itself, so its partials reach the windows on time; an event for a minute already sent (late) starts
     * a new partial, sent with the next watermark, which the windows count as a late update.
     */
    public static final class Combiner extends AbstractStreamOperator<Partial>
            implements OneInputStreamOperator<ConnectionEvent, Partial> {
        private static final long serialVersionUID = 1L;

        private transient TreeMap<Long, Minute> minutes;
        private transient int pending;

        @Override
        public void open() throws Exception {
            super.open();
            minutes = new TreeMap<>();
        }

        @Override
        public void processElement(StreamRecord<ConnectionEvent> record) {
            long minute = Math.floorDiv(record.getTimestamp(), 60_000L) * 60_000L;
            pending += minutes.computeIfAbsent(minute, m -> new Minute()).add(record.getValue());
            if (pending >= MAX_PENDING_GROUPS) {
                sendUpTo(Long.MAX_VALUE);
            }
        }

        @Override
        public void processWatermark(Watermark mark) throws Exception {
            // a minute [m, m + 60 s) is complete once the watermark reaches its last millisecond
            sendUpTo(mark.getTimestamp() == Long.MAX_VALUE ? Long.MAX_VALUE : mark.getTimestamp() - 59_999);
            super.processWatermark(mark);
        }

        @Override
        public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
            super.prepareSnapshotPreBarrier(checkpointId);
            sendUpTo(Long.MAX_VALUE);
        }

        @Override
        public void finish() throws Exception {
            sendUpTo(Long.MAX_VALUE);
            super.finish();
        }

        /** Sends the partials of every minute starting at or before {@code lastMinute}. */
        private void sendUpTo(long lastMinute) {
            Iterator<Map.Entry<Long, Minute>> it = minutes.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Long, Minute> m = it.next();
                if (m.getKey() > lastMinute) {
                    break;
                }
                long timestamp = m.getKey();
                m.getValue().forEach(p -> output.collect(new StreamRecord<>(p, timestamp)));
                pending -= m.getValue().size;
                it.remove();
            }
        }
    }

    /**
     * The running counts of one key's minute (the window's state), and a {@link Partial}'s. A Flink POJO; the
     * destinations are declared a {@code Set} so that Flink writes them with its own set serializer: declared a
     * {@code HashSet}, they went through Kryo, on the shuffle and in every checkpoint of the windows
     * ({@code RollupTypesTest}, docs/benchmarks.md).
     */
    public static class Counts {
        public long connections;
        public long failures;
        public long rejects;
        public long bytesIn;
        public long bytesOut;
        public long events;
        public Set<String> destinations = new HashSet<>();

        public Counts() {
        }

        /** Adds {@code other}'s counts and destinations to these. */
        void add(Counts other) {
            connections += other.connections;
            failures += other.failures;
            rejects += other.rejects;
            bytesIn += other.bytesIn;
            bytesOut += other.bytesOut;
            events += other.events;
            destinations.addAll(other.destinations);
        }
    }

    /** Adds partials up into a minute's counts. */
    public static final class Count implements AggregateFunction<Partial, Counts, Counts> {
        private static final long serialVersionUID = 1L;

        @Override
        public Counts createAccumulator() {
            return new Counts();
        }

        @Override
        public Counts add(Partial p, Counts c) {
            c.add(p);
            return c;
        }

        @Override
        public Counts getResult(Counts c) {
            return c;
        }

        @Override
        public Counts merge(Counts a, Counts b) {
            a.add(b);
            return a;
        }
    }

    /** The minute's row for {@code rollup_1m}, in RowBinary (see {@link #COLUMNS}). */
    public static final class ToRow extends ProcessWindowFunction<Counts, TableRow, String, TimeWindow> {
        private static final long serialVersionUID = 1L;

        @Override
        public void process(String groupKey, Context ctx, Iterable<Counts> counts, Collector<TableRow> out) {
            out.collect(row(groupKey, ctx.window().getStart(), counts.iterator().next()));
        }
    }

    /** The rollup_1m row of a group ({@code dimension|key}) and minute. */
    static TableRow row(String groupKey, long minuteStartMs, Counts c) {
        int bar = groupKey.indexOf('|');
        String dimension = groupKey.substring(0, bar);
        int enumValue = java.util.Arrays.asList(DIMENSIONS).indexOf(dimension) + 1; // Enum8 1..4, DIMENSIONS order
        RowBinary w = RowBinary.row()
                .uint8(enumValue)
                .string(groupKey.substring(bar + 1))
                .dateTime(minuteStartMs / 1000)
                .uint64(c.connections)
                .uint64(c.failures)
                .uint64(c.rejects)
                .uint64(c.bytesIn)
                .uint64(c.bytesOut)
                .uint64(c.destinations.size())
                .uint64(c.events)
                .uint64(c.events);
        return TableRow.binary("rollup_1m", w.toBytes());
    }
}
