package io.zerotrust.ingest;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The normalizer end to end on the platform of {@code ./pipeline up}: puts RECORDS Zeek conn.log records (JSON) on
 * {@code telemetry.raw.zeek}, then runs the ingest application (exactly once, one stream thread) from them and
 * times until every record's events are written, with the application's CPU time over that span: records per second,
 * and records per second per core of CPU used. {@code ./pipeline bench-ingest-e2e [RECORDS]}.
 */
public final class IngestBench {

    private IngestBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        String bootstrap = System.getenv().getOrDefault("ZT_KAFKA_BOOTSTRAP", "127.0.0.1:9092");
        String registry = System.getenv().getOrDefault("ZT_REGISTRY_URL", "http://127.0.0.1:8081");
        String run = UUID.randomUUID().toString().substring(0, 8);
        Path file = Files.createTempFile("zeek-bench", ".log");
        try (java.io.BufferedWriter w = Files.newBufferedWriter(file)) {
            StringBuilder b = new StringBuilder(512);
            for (int i = 0; i < n; i++) {
                b.setLength(0);
                b.append("{\"ts\":").append(1_795_341_600 + i / 100).append('.').append(i % 1000)
                        .append(",\"uid\":\"B").append(run).append(Integer.toString(i, 36))
                        .append("\",\"id.orig_h\":\"10.").append(i % 250).append('.').append(i % 7)
                        .append(".15\",\"id.orig_p\":").append(30_000 + i % 30_000)
                        .append(",\"id.resp_h\":\"10.0.5.").append(i % 200)
                        .append("\",\"id.resp_p\":443,\"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":1.5,")
                        .append("\"orig_bytes\":").append(i % 5000).append(",\"resp_bytes\":").append(i % 90_000)
                        .append(",\"conn_state\":\"SF\",\"local_orig\":true,\"missed_bytes\":0,")
                        .append("\"history\":\"ShADadFf\",\"orig_pkts\":6,\"resp_pkts\":5}\n");
                w.append(b);
            }
        }
        try {
            Replay.replay("zeek", bootstrap, List.of(file), System.err);
        } finally {
            Files.deleteIfExists(file);
        }
        Path state = Files.createTempDirectory("ingest-bench");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "ingest-bench-" + run);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        p.put(IngestSettings.REGISTRY_URL, registry);
        IngestMain.producerDefaults(p);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        // raw topics keep 3 days: an earlier run's records are read too; only this run's count is awaited
        try (KafkaStreams streams = new KafkaStreams(IngestTopology.buildTopology(p), IngestMain.streamsOnly(p))) {
            streams.start();
            // steady state: from when a fifth of the records are through (JIT compiled, stores open) to the end
            double warmIn = -1;
            long warmNanos = 0;
            long warmCpu = 0;
            while (true) {
                Thread.sleep(200);
                double out = counter(streams, "events-out-total");
                double in = counter(streams, "records-in-total");
                if (warmIn < 0 && in >= n / 5.0) {
                    warmIn = in;
                    warmNanos = System.nanoTime();
                    warmCpu = os.getProcessCpuTime();
                }
                if (in >= n && out >= 2.0 * n && lagZero(streams)) {
                    break;
                }
                if ((System.nanoTime() - t0) / 1e9 > 600) {
                    throw new IllegalStateException("not done after 10 minutes: " + in + " records in");
                }
            }
            long end = System.nanoTime();
            long cpuEnd = os.getProcessCpuTime();
            double in = counter(streams, "records-in-total");
            double s = (end - t0) / 1e9;
            double cpu = (cpuEnd - cpu0) / 1e9;
            System.out.printf("%,.0f Zeek records (%,.0f events) in %.1f s from start: %,.0f records/s; CPU %.1f s:"
                    + " %,.0f records/s per core%n", in, counter(streams, "events-out-total"), s, in / s, cpu,
                    in / cpu);
            double steadyIn = in - warmIn;
            double steadyS = (end - warmNanos) / 1e9;
            double steadyCpu = (cpuEnd - warmCpu) / 1e9;
            System.out.printf("steady state (after the first fifth): %,.0f records in %.1f s: %,.0f records/s;"
                    + " CPU %.1f s: %,.0f records/s per core%n", steadyIn, steadyS, steadyIn / steadyS, steadyCpu,
                    steadyIn / steadyCpu);
        }
    }

    private static double counter(KafkaStreams streams, String name) {
        double sum = 0;
        for (java.util.Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (e.getKey().group().equals(Normalizer.METRIC_GROUP) && e.getKey().name().equals(name)) {
                sum += ((Number) e.getValue().metricValue()).doubleValue();
            }
        }
        return sum;
    }

    private static boolean lagZero(KafkaStreams streams) {
        for (java.util.Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (e.getKey().name().equals("records-lag") && e.getKey().tags().getOrDefault("topic", "")
                    .equals("telemetry.raw.zeek") && e.getValue().metricValue() instanceof Number v
                    && v.doubleValue() > 0) {
                return false;
            }
        }
        return true;
    }
}
