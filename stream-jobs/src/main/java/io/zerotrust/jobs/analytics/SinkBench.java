package io.zerotrust.jobs.analytics;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.SourceEndpoint;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Rows per second from Kafka into ClickHouse through the sink job: puts {@code events} connection events on
 * {@code conn.events} first, then starts the job (database zt_sinkbench, dropped first) reading from just before them
 * and times how long until every event is a row (plus the rollup rows it also writes).
 *
 * <pre>java ... io.zerotrust.jobs.analytics.SinkBench [events] [parallelism] [kafka] [registry] [clickhouse]</pre>
 */
public final class SinkBench {

    private SinkBench() {
    }

    /**
     * The {@code i}-th of a run's synthetic events (run {@code start}): 5,000 users, each on a laptop of its own,
     * opening and closing successful connections to six services over the hour before {@code start}, in event-time
     * order.
     */
    public static ConnectionEvent event(long start, long i) {
        return ConnectionEvent.newBuilder().setEventId("sb-" + start + "-" + i)
                .setEventTime(start - 3_600_000 + i % 3_600_000).setGatewayId("gw-" + i % 3)
                .setConnectionId("c-" + i / 2).setPhase(i % 2 == 0 ? ConnectionPhase.OPEN : ConnectionPhase.CLOSE)
                .setUser("user" + i % 5000).setDeviceId("laptop-" + i % 5000)
                .setAuth(new AuthInfo(AuthMethod.JWT, AuthResult.SUCCESS, null, null))
                .setSrc(new SourceEndpoint("10.0." + i % 250 + ".1", 40000, null, null, null))
                .setDst(new DestinationEndpoint("svc" + i % 6, "svc.internal", "10.1.0.1", 443))
                .setBytesOut(i % 100_000).setAttributes(Map.of()).build();
    }

    /**
     * Puts events 0 to {@code n - 1} of run {@code start} ({@link #event}) on {@code conn.events}, keyed by user, with
     * acks=all and idempotence, in batches of up to 256 KiB; returns once every one is acknowledged.
     */
    public static void putEvents(String kafka, String registryUrl, long start, long n) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (RegistryClient registry = RegistryClient.connect(registryUrl);
             KafkaProducer<String, ConnectionEvent> producer = new KafkaProducer<>(p,
                     Topics.CONN_EVENTS.keySerde().serializer(), Topics.CONN_EVENTS.valueSerde(registry).serializer())) {
            for (long i = 0; i < n; i++) {
                ConnectionEvent e = event(start, i);
                producer.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), "user:" + e.getUser(), e));
            }
            producer.flush();
        }
    }

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        String parallelism = args.length > 1 ? args[1] : "1";
        String kafka = args.length > 2 ? args[2] : "127.0.0.1:9092";
        String registry = args.length > 3 ? args[3] : "http://127.0.0.1:8081";
        String clickhouse = args.length > 4 ? args[4] : "http://127.0.0.1:8123";
        String db = "zt_sinkbench";
        try (Client ch = ClickHouseSink.client(clickhouse)) {
            Inserts.count(ch, "DROP DATABASE IF EXISTS " + db);
            long start = System.currentTimeMillis();
            long t0 = System.nanoTime();
            putEvents(kafka, registry, start, n);
            System.out.printf("put %,d events on conn.events in %.1f s; sink job parallelism %s%n", n,
                    (System.nanoTime() - t0) / 1e9, parallelism);

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            AnalyticsJob.build(env, AnalyticsJob.settings(Map.of(
                    AnalyticsJob.KAFKA_BOOTSTRAP, kafka, AnalyticsJob.REGISTRY_URL, registry,
                    AnalyticsJob.CLICKHOUSE_URL, clickhouse, AnalyticsJob.DATABASE, db,
                    AnalyticsJob.GROUP_ID, "sink-bench-" + start, AnalyticsJob.START, Long.toString(start),
                    AnalyticsJob.IDLENESS, "1000", AnalyticsJob.PARALLELISM, parallelism)));
            long j0 = System.nanoTime();
            JobClient job = env.executeAsync("sink-bench");
            try {
                long rows = 0;
                long firstRowNanos = 0;
                while (rows < n) {
                    Thread.sleep(250);
                    try {
                        rows = Inserts.count(ch, "SELECT count() FROM " + db + ".conn_events");
                    } catch (RuntimeException notYet) {
                        rows = 0; // the job has not created its tables yet
                    }
                    if (rows > 0 && firstRowNanos == 0) {
                        firstRowNanos = System.nanoTime();
                    }
                    if ((System.nanoTime() - j0) / 1e9 > 900) {
                        throw new IllegalStateException("only " + rows + " of " + n + " rows after 15 minutes");
                    }
                }
                double total = (System.nanoTime() - j0) / 1e9;
                double steady = (System.nanoTime() - firstRowNanos) / 1e9;
                long rollups = Inserts.count(ch, "SELECT count() FROM " + db + ".rollup_1m");
                System.out.printf("%,d event rows (+%,d rollup rows so far) in %.1f s from job start: %,.0f event rows/s;"
                        + " %.1f s from the first row: %,.0f rows/s%n", rows, rollups, total, rows / total, steady,
                        rows / steady);
            } finally {
                job.cancel().get();
            }
        }
    }
}
