package io.zerotrust.jobs.analytics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.jobs.risk.detect.Entities;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * One-minute rollups per user, service, gateway and source address: connections opened, authentication failures,
 * refusals, bytes each way, distinct destinations and events. Computed in event-time windows, so a replay of the same
 * events gives the same row; a late event (within the allowed lateness) updates its minute's row with a higher
 * {@code version} (the number of events counted), which the ReplacingMergeTree keeps.
 */
public final class Rollups {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String[] DIMENSIONS = {"user", "service", "gateway", "src_ip"};

    private Rollups() {
    }

    /** One event as seen by one dimension. A Flink POJO. */
    public static class Point {
        public String dimension;
        public String key;
        public boolean open;
        public boolean failure;
        public boolean reject;
        public long bytesIn;
        public long bytesOut;
        public String destination;

        public Point() {
        }

        public String groupKey() {
            return dimension + "|" + key;
        }
    }

    /** The dimensions an event counts in. */
    public static List<Point> points(ConnectionEvent e) {
        List<Point> out = new ArrayList<>(4);
        String user = e.getUser();
        String service = e.getDst() == null ? null : e.getDst().getService();
        String ip = e.getSrc() == null ? null : e.getSrc().getIp();
        String[] keys = {user, service, e.getGatewayId(), ip};
        for (int i = 0; i < DIMENSIONS.length; i++) {
            if (keys[i] == null || keys[i].isEmpty()) {
                continue;
            }
            Point p = new Point();
            p.dimension = DIMENSIONS[i];
            p.key = keys[i];
            p.open = e.getPhase() == ConnectionPhase.OPEN;
            p.failure = e.getAuth() != null && e.getAuth().getOutcome() == AuthResult.FAILURE;
            p.reject = e.getPhase() == ConnectionPhase.REJECT;
            p.bytesIn = e.getPhase() == ConnectionPhase.CLOSE ? e.getBytesIn() : 0;
            p.bytesOut = e.getPhase() == ConnectionPhase.CLOSE ? e.getBytesOut() : 0;
            p.destination = Entities.destination(e);
            out.add(p);
        }
        return out;
    }

    /** The running counts of one key's minute. A Flink POJO. */
    public static class Counts {
        public long connections;
        public long failures;
        public long rejects;
        public long bytesIn;
        public long bytesOut;
        public long events;
        public HashSet<String> destinations = new HashSet<>();

        public Counts() {
        }
    }

    public static final class Count implements AggregateFunction<Point, Counts, Counts> {
        private static final long serialVersionUID = 1L;

        @Override
        public Counts createAccumulator() {
            return new Counts();
        }

        @Override
        public Counts add(Point p, Counts c) {
            c.connections += p.open ? 1 : 0;
            c.failures += p.failure ? 1 : 0;
            c.rejects += p.reject ? 1 : 0;
            c.bytesIn += p.bytesIn;
            c.bytesOut += p.bytesOut;
            c.events++;
            if (p.destination != null) {
                c.destinations.add(p.destination);
            }
            return c;
        }

        @Override
        public Counts getResult(Counts c) {
            return c;
        }

        @Override
        public Counts merge(Counts a, Counts b) {
            a.connections += b.connections;
            a.failures += b.failures;
            a.rejects += b.rejects;
            a.bytesIn += b.bytesIn;
            a.bytesOut += b.bytesOut;
            a.events += b.events;
            a.destinations.addAll(b.destinations);
            return a;
        }
    }

    /** The minute's row for {@code rollup_1m}. */
    public static final class ToRow extends ProcessWindowFunction<Counts, TableRow, String, TimeWindow> {
        private static final long serialVersionUID = 1L;

        @Override
        public void process(String groupKey, Context ctx, Iterable<Counts> counts, Collector<TableRow> out) {
            Counts c = counts.iterator().next();
            int bar = groupKey.indexOf('|');
            ObjectNode o = JSON.createObjectNode();
            o.put("dimension", groupKey.substring(0, bar));
            o.put("key", groupKey.substring(bar + 1));
            o.put("minute", ctx.window().getStart() / 1000);
            o.put("connections", c.connections);
            o.put("failures", c.failures);
            o.put("rejects", c.rejects);
            o.put("bytes_in", c.bytesIn);
            o.put("bytes_out", c.bytesOut);
            o.put("distinct_destinations", c.destinations.size());
            o.put("events", c.events);
            o.put("version", c.events);
            out.collect(new TableRow("rollup_1m", o.toString()));
        }
    }
}
