package io.zerotrust.ingest;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Runs the normalizer: {@code ./pipeline ingest [--key=value ...]}. Settings: the {@code ingest.*} keys of
 * {@link IngestSettings}; {@code ingest.http.port} (health, metrics and HTTP ingest, loopback, default 8086);
 * {@code ingest.http.token} (or {@code ZT_INGEST_TOKEN}; HTTP ingest is off without one),
 * {@code ingest.http.max.bytes} (16 MiB) and {@code ingest.http.max.line.bytes} (1 MiB); and any Kafka Streams
 * setting ({@code bootstrap.servers}, {@code application.id}, {@code state.dir}, ...). Exactly once
 * ({@code exactly_once_v2}) unless told otherwise.
 */
public final class IngestMain {

    private IngestMain() {
    }

    /** The properties of a run: defaults, then {@code --key=value} arguments. */
    static Properties properties(String[] args) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "zt-ingest");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv().getOrDefault("ZT_KAFKA_BOOTSTRAP",
                "127.0.0.1:9092"));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, "var/ingest/state");
        p.put(IngestSettings.REGISTRY_URL, System.getenv().getOrDefault("ZT_REGISTRY_URL", "http://127.0.0.1:8081"));
        p.put(HTTP_PORT, "8086");
        p.put(HTTP_MAX_BYTES, Integer.toString(16 << 20));
        p.put(HTTP_MAX_LINE, Integer.toString(1 << 20));
        String token = System.getenv("ZT_INGEST_TOKEN");
        if (token != null && !token.isBlank()) {
            p.put(HTTP_TOKEN, token);
        }
        producerDefaults(p);
        for (String a : args) {
            if (!a.startsWith("--") || a.indexOf('=') < 3) {
                throw new IllegalArgumentException("arguments are --key=value, got '" + a + "'");
            }
            p.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        return p;
    }

    public static void main(String[] args) throws Exception {
        Properties p;
        try {
            p = properties(args);
            validate(p);
        } catch (IllegalArgumentException e) {
            System.err.println("ingest: " + e.getMessage());
            System.exit(2);
            return;
        }
        Running running = start(p);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "ingest-shutdown"));
        System.out.println("ingest: telemetry.raw.* -> conn.events (dead letters: telemetry.dlq) via "
                + p.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG) + "; health and metrics on http://127.0.0.1:"
                + running.port() + "/metrics" + (running.ingest() == null ? " (HTTP ingest off: set "
                + HTTP_TOKEN + ")" : "; HTTP ingest: POST http://127.0.0.1:" + running.port() + "/ingest/<source>")
                + ". Ctrl-C stops.");
        stopped.await();
    }

    public static final String HTTP_PORT = "ingest.http.port";
    public static final String HTTP_TOKEN = "ingest.http.token";
    public static final String HTTP_MAX_BYTES = "ingest.http.max.bytes";
    public static final String HTTP_MAX_LINE = "ingest.http.max.line.bytes";

    /** Checks every ingest.* setting; the message names the key. */
    static void validate(Properties p) {
        IngestSettings.from(p);
        number(p, HTTP_PORT, 0, 65_535);
        number(p, HTTP_MAX_BYTES, 1_024, Integer.MAX_VALUE);
        number(p, HTTP_MAX_LINE, 64, Integer.MAX_VALUE);
        Object token = p.get(HTTP_TOKEN);
        if (token != null && token.toString().length() < 16) {
            throw new IllegalArgumentException(HTTP_TOKEN + " must be at least 16 characters (a random secret that"
                    + " shippers send as a bearer token), got " + token.toString().length());
        }
    }

    private static long number(Properties p, String key, long min, long max) {
        String v = String.valueOf(p.get(key));
        try {
            long n = Long.parseLong(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(key + " must be a number from " + min + " to " + max + ", got '" + v + "'");
    }

    /** A running ingest: the Kafka Streams application and its HTTP endpoints. */
    public record Running(KafkaStreams streams, HttpServer http, HttpIngest ingest) implements AutoCloseable {
        public int port() {
            return http.getAddress().getPort();
        }

        @Override
        public void close() {
            http.stop(0);
            if (ingest != null) {
                ingest.close();
            }
            streams.close(java.time.Duration.ofSeconds(30));
        }
    }

    /** Starts the normalizer and the HTTP endpoints (on 127.0.0.1) with validated properties. */
    public static Running start(Properties p) throws IOException {
        validate(p);
        KafkaStreams streams = new KafkaStreams(IngestTopology.buildTopology(p), streamsOnly(p));
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1",
                (int) number(p, HTTP_PORT, 0, 65_535)), 64);
        http.createContext("/healthz", ex -> HttpIngest.answer(ex,
                streams.state().isRunningOrRebalancing() ? 200 : 503, HttpIngest.TEXT, streams.state().name() + "\n"));
        http.createContext("/readyz", ex -> HttpIngest.answer(ex,
                streams.state() == KafkaStreams.State.RUNNING ? 200 : 503, HttpIngest.TEXT,
                streams.state().name() + "\n"));
        HttpIngest ingest = null;
        if (p.get(HTTP_TOKEN) != null) {
            ingest = new HttpIngest(p.getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG), p.get(HTTP_TOKEN).toString(),
                    number(p, HTTP_MAX_BYTES, 1_024, Integer.MAX_VALUE),
                    (int) number(p, HTTP_MAX_LINE, 64, Integer.MAX_VALUE));
            http.createContext(HttpIngest.PATH, ingest);
        } else {
            http.createContext(HttpIngest.PATH, ex -> HttpIngest.answer(ex, 404, HttpIngest.TEXT,
                    "HTTP ingest is off: start the ingest with " + HTTP_TOKEN + " set\n"));
        }
        HttpIngest counted = ingest;
        http.createContext("/metrics", ex -> HttpIngest.answer(ex, 200, HttpIngest.TEXT, prometheus(streams.metrics())
                + (counted == null ? "" : "zt_ingest_http_records_accepted_total " + counted.accepted.get()
                + "\nzt_ingest_http_requests_refused_total " + counted.refused.get() + "\n")));
        http.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        streams.start();
        http.start();
        return new Running(streams, http, ingest);
    }

    /**
     * Larger, compressed produce batches than Kafka's defaults (16 KiB, no compression), and fewer transactions: at
     * tens of thousands of events per second the per-batch work of the producer and the broker was a large share of
     * the ingest's CPU.
     */
    static void producerDefaults(Properties p) {
        // exactly-once commits (a transaction each) every 500 ms instead of 100 ms: events of third-party telemetry
        // reach conn.events at most half a second later, for a fifth of the transactions
        p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 500);
        p.putIfAbsent(StreamsConfig.producerPrefix("batch.size"), 256 * 1024);
        p.putIfAbsent(StreamsConfig.producerPrefix("linger.ms"), 20);
        p.putIfAbsent(StreamsConfig.producerPrefix("compression.type"), "lz4");
    }

    /** The properties without the ingest's own keys (Kafka Streams warns about keys it does not know). */
    static Properties streamsOnly(Properties p) {
        Properties s = new Properties();
        p.forEach((k, v) -> {
            if (!k.toString().startsWith("ingest.")) {
                s.put(k, v);
            }
        });
        return s;
    }

    /** The ingest's counters in Prometheus text format: zt_ingest_<name>{source=...,reason=...}. */
    static String prometheus(Map<MetricName, ? extends Metric> metrics) {
        StringBuilder out = new StringBuilder();
        metrics.forEach((name, metric) -> {
            if (!Normalizer.METRIC_GROUP.equals(name.group())) {
                return;
            }
            out.append("zt_ingest_").append(name.name().replace('-', '_')).append('{');
            String sep = "";
            for (Map.Entry<String, String> t : name.tags().entrySet()) {
                out.append(sep).append(t.getKey().replace('-', '_')).append("=\"").append(t.getValue()).append('"');
                sep = ",";
            }
            out.append("} ").append(metric.metricValue()).append('\n');
        });
        return out.toString();
    }

}
