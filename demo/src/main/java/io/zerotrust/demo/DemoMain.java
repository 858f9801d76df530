package io.zerotrust.demo;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.demo.report.Evaluation;
import io.zerotrust.demo.report.RunReport;
import io.zerotrust.demo.services.DemoUpstreams;
import io.zerotrust.demo.sim.DemoIdentityProvider;
import io.zerotrust.demo.sim.Driver;
import io.zerotrust.demo.sim.HistoryPublisher;
import io.zerotrust.demo.sim.LiveRun;
import io.zerotrust.demo.sim.Plan;
import io.zerotrust.demo.sim.Scenarios;
import io.zerotrust.demo.sim.ZeekSensor;
import io.zerotrust.gateway.Gateway;
import io.zerotrust.gateway.config.GatewayConfig;
import io.zerotrust.ingest.IngestMain;
import io.zerotrust.ingest.IngestSettings;
import io.zerotrust.jobs.analytics.AnalyticsJob;
import io.zerotrust.jobs.risk.RiskJob;
import io.zerotrust.jobs.risk.RiskJobConfig;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * {@code ./pipeline demo}: the closed loop on one machine. On the platform of {@code ./pipeline up} it starts the
 * demo services, the gateway, the ingest and the risk and analytics jobs (Flink mini-clusters in this process),
 * publishes the population's history, plays the live phase through the gateway — the population's habits and the
 * scripted attacks — and judges the run against its ground truth from the records the pipeline wrote.
 */
public final class DemoMain {

    private static final Clock CLOCK = Clock.systemUTC();
    private final long began = CLOCK.millis();

    private DemoMain() {
    }

    /** Settings from {@code --key=value} arguments. */
    record Settings(String kafka, String registry, String clickhouse, int minutes, int people, long seed,
                    Path runDir, int workers) {

        static Settings parse(String[] args) {
            Map<String, String> m = new HashMap<>();
            for (String a : args) {
                int eq = a.indexOf('=');
                if (!a.startsWith("--") || eq < 3) {
                    throw new IllegalArgumentException("arguments are --key=value, got '" + a + "'");
                }
                m.put(a.substring(2, eq), a.substring(eq + 1));
            }
            List<String> known = List.of("kafka", "registry", "clickhouse", "minutes", "people", "seed", "dir",
                    "workers");
            for (String k : m.keySet()) {
                if (!known.contains(k)) {
                    throw new IllegalArgumentException("unknown setting --" + k + "; known: --" + String.join(", --",
                            known));
                }
            }
            int minutes = number(m, "minutes", 7, (int) (Scenarios.MIN_LIVE_MS / 60_000), 120);
            int people = number(m, "people", 60, 30, 2_000);
            int workers = number(m, "workers", 16, 1, 256);
            long seed = number(m, "seed", 42, 0, Integer.MAX_VALUE);
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            return new Settings(m.getOrDefault("kafka", "127.0.0.1:9092"),
                    m.getOrDefault("registry", "http://127.0.0.1:8081"),
                    m.getOrDefault("clickhouse", "http://127.0.0.1:8123"), minutes, people, seed,
                    Path.of(m.getOrDefault("dir", "var/demo/run-" + stamp)), workers);
        }

        private static int number(Map<String, String> m, String key, int dflt, int min, int max) {
            String v = m.get(key);
            if (v == null) {
                return dflt;
            }
            try {
                int n = Integer.parseInt(v.trim());
                if (n < min || n > max) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be a whole number from " + min + " to " + max
                        + ", got '" + v + "'");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Settings s;
        try {
            s = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(new DemoMain().run(s));
    }

    private void say(String message) {
        System.out.printf("[%4ds] %s%n", (CLOCK.millis() - began) / 1000, message);
    }

    int run(Settings s) throws Exception {
        Files.createDirectories(s.runDir());
        String run = s.runDir().getFileName().toString().replaceAll("[^A-Za-z0-9]", "");
        List<AutoCloseable> open = new ArrayList<>();
        Thread hook = new Thread(() -> closeAll(open), "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            long t0 = CLOCK.millis();
            say("run folder " + s.runDir() + "; live phase " + s.minutes() + " min, " + s.people() + " people, seed "
                    + s.seed());
            // the history ends now: everything live happens after it, in event time too. The run's tag is in every
            // name and address, so decisions still live from an earlier run on this platform touch nobody here.
            String tag = Long.toString((t0 / 1000) % (36L * 36 * 36 * 36), 36);
            Plan plan = Plan.generate(s.seed(), s.people(), tag, t0, s.minutes() * 60_000L, 20_000);

            DemoUpstreams upstreams = DemoUpstreams.start(DemoGatewayConfig.TCP_SERVICES);
            open.add(upstreams);
            DemoIdentityProvider idp = new DemoIdentityProvider();
            idp.writePublicKey(s.runDir().resolve("idp.pem"));
            Path gatewayYaml = DemoGatewayConfig.write(s.runDir(), "gw-demo", s.kafka(), s.registry(), upstreams,
                    "demo-admin-" + Long.toHexString(Double.doubleToLongBits(Math.random())));
            Gateway gateway = Gateway.start(GatewayConfig.load(gatewayYaml), s.runDir(), CLOCK);
            open.add(gateway);
            say("run tag " + tag + " (users u0000-" + tag + " …, attackers from " + plan.scenarios().get(0).entity()
                    + " …)");
            say("gateway: HTTP 127.0.0.1:" + gateway.httpPort() + ", admin 127.0.0.1:" + gateway.adminPort()
                    + " (metrics at /metrics), " + io.zerotrust.demo.sim.Service.ALL.size() + " services behind it");

            Properties ingest = new Properties();
            ingest.put(StreamsConfig.APPLICATION_ID_CONFIG, "zt-demo-ingest-" + run);
            ingest.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafka());
            ingest.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            ingest.put(StreamsConfig.STATE_DIR_CONFIG, s.runDir().resolve("ingest-state").toString());
            ingest.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "latest");
            ingest.put(IngestSettings.REGISTRY_URL, s.registry());
            ingest.put(IngestMain.HTTP_PORT, "0");
            ingest.put(IngestMain.HTTP_MAX_BYTES, Integer.toString(16 << 20));
            ingest.put(IngestMain.HTTP_MAX_LINE, Integer.toString(1 << 20));
            IngestMain.Running ingestRun = IngestMain.start(ingest);
            open.add(ingestRun);

            StreamExecutionEnvironment riskEnv = StreamExecutionEnvironment.createLocalEnvironment();
            RiskJob.build(riskEnv, RiskJobConfig.of(Map.of(RiskJobConfig.KAFKA_BOOTSTRAP, s.kafka(),
                    RiskJobConfig.REGISTRY_URL, s.registry(), RiskJobConfig.GROUP_ID, "zt-demo-risk-" + run,
                    RiskJobConfig.EVENTS_START, Long.toString(t0),
                    RiskJobConfig.CHECKPOINT_DIR, s.runDir().resolve("checkpoints/risk").toAbsolutePath().toString())));
            JobClient risk = riskEnv.executeAsync(RiskJob.STAGE);
            open.add(() -> risk.cancel().get());
            StreamExecutionEnvironment sinkEnv = StreamExecutionEnvironment.createLocalEnvironment();
            AnalyticsJob.build(sinkEnv, AnalyticsJob.settings(Map.of(AnalyticsJob.KAFKA_BOOTSTRAP, s.kafka(),
                    AnalyticsJob.REGISTRY_URL, s.registry(), AnalyticsJob.CLICKHOUSE_URL, s.clickhouse(),
                    AnalyticsJob.GROUP_ID, "zt-demo-analytics-" + run, AnalyticsJob.START, Long.toString(t0),
                    AnalyticsJob.CHECKPOINT_DIR,
                    s.runDir().resolve("checkpoints/analytics").toAbsolutePath().toString())));
            JobClient sink = sinkEnv.executeAsync(AnalyticsJob.STAGE);
            open.add(() -> sink.cancel().get());
            say("risk engine and ClickHouse sink running on Flink mini-clusters; ingest "
                    + ingestRun.streams().state());

            RegistryClient registry = RegistryClient.connect(s.registry());
            Collector collected = Collector.start(s.kafka(), registry, t0);
            open.add(collected);

            List<io.zerotrust.avro.ConnectionEvent> history = HistoryPublisher.events(plan, "gw-demo");
            say("publishing the history: " + plan.history().size() + " visits of " + s.people()
                    + " people over " + Plan.HISTORY_DAYS + " days (" + history.size() + " events) ...");
            HistoryPublisher.publish(s.kafka(), registry, history, n -> { });
            awaitConsumed(s.kafka(), "zt-demo-risk-" + run, 300_000);

            Map<String, Integer> tcp = new HashMap<>();
            for (int i = 0; i < DemoGatewayConfig.TCP_SERVICES.size(); i++) {
                tcp.put(DemoGatewayConfig.TCP_SERVICES.get(i), gateway.tcpPort(i));
            }
            KafkaProducer<byte[], byte[]> sensor = sensorProducer(s.kafka());
            open.add(sensor);
            Driver driver = new Driver(gateway.httpPort(), tcp, idp, CLOCK, probe -> sensor.send(new ProducerRecord<>(
                    Topics.telemetryRaw("zeek").name(), ZeekSensor.connRecord(probe, CLOCK.millis())
                    .getBytes(StandardCharsets.UTF_8))));
            LiveRun live = new LiveRun(driver::run, CLOCK, s.workers());
            open.add(live);
            long liveStart = live.start(plan.liveTimeline());
            say("live phase started: " + plan.live().size() + " visits by the population and "
                    + plan.scenarios().size() + " scripted attacks over " + s.minutes() + " min");
            long end = liveStart + plan.liveMs();
            while (CLOCK.millis() < end || live.pending() > 0) {
                Thread.sleep(10_000);
                say(progress(live, collected, liveStart));
                if (CLOCK.millis() > end + 120_000) {
                    say("attempts still pending 2 min after the live phase: " + live.pending() + "; going on");
                    break;
                }
            }
            say("live phase over; waiting 30 s for the last decisions and acks ...");
            Thread.sleep(30_000);

            Map<String, Long> started = new HashMap<>();
            live.tallies().forEach((k, t) -> started.put(k, t.firstStartMs.get()));
            Evaluation e = Evaluation.of(plan, liveStart, started, collected.anomalies(), collected.decisions(),
                    collected.acks());
            String report = RunReport.markdown(plan, e, live.tallies(), s.runDir());
            Files.writeString(s.runDir().resolve("report.md"), report);
            System.out.println();
            System.out.println(RunReport.terminal(e));
            say("report: " + s.runDir().resolve("report.md"));
            return e.passed() ? 0 : 1;
        } finally {
            closeAll(open);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
    }

    private String progress(LiveRun live, Collector c, long liveStart) {
        long done = live.tallies().values().stream().mapToLong(t -> t.started.sum()).sum();
        return String.format("live %3ds: %d attempts made (%d pending); anomalies %d, decisions %d, acks %d",
                (CLOCK.millis() - liveStart) / 1000, done, live.pending(), c.anomalies().size(),
                c.decisions().size(), c.acks().size());
    }

    /** Waits until the risk engine's group has committed the end of conn.events (checkpoints commit offsets). */
    private void awaitConsumed(String kafka, String group, long timeoutMs) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < Topics.CONN_EVENTS.partitions(); i++) {
                latest.put(new TopicPartition(Topics.CONN_EVENTS.name(), i), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, r) -> ends.put(tp, r.offset()));
            long deadline = CLOCK.millis() + timeoutMs;
            long behind = Long.MAX_VALUE;
            while (CLOCK.millis() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                behind = 0;
                for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                    OffsetAndMetadata c = committed.get(end.getKey());
                    behind += Math.max(0, end.getValue() - (c == null ? 0 : c.offset()));
                }
                if (behind == 0) {
                    say("the risk engine has read the history");
                    return;
                }
                Thread.sleep(2_000);
            }
            say("the risk engine is still " + behind + " events behind the history after " + timeoutMs / 1000
                    + " s; starting the live phase anyway");
        }
    }

    private static KafkaProducer<byte[], byte[]> sensorProducer(String kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "demo-zeek-sensor");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void closeAll(List<AutoCloseable> open) {
        synchronized (open) {
            for (int i = open.size() - 1; i >= 0; i--) {
                try {
                    open.get(i).close();
                } catch (Exception e) {
                    System.err.println("demo: while stopping: " + e);
                }
            }
            open.clear();
        }
    }

    /** Reads anomalies, decisions and acks from the demo's start while the run goes on. */
    static final class Collector implements AutoCloseable {
        private final List<Anomaly> anomalies = new CopyOnWriteArrayList<>();
        private final List<EnforcementDecision> decisions = new CopyOnWriteArrayList<>();
        private final List<DecisionApplied> acks = new CopyOnWriteArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean running = true;

        static Collector start(String kafka, RegistryClient registry, long fromMs) {
            Collector c = new Collector();
            c.follow(kafka, Topics.ANOMALIES, registry, fromMs, c.anomalies);
            c.follow(kafka, Topics.ENFORCEMENT_DECISIONS, registry, fromMs, c.decisions);
            c.follow(kafka, Topics.ENFORCEMENT_ACKS, registry, fromMs, c.acks);
            return c;
        }

        private <V> void follow(String kafka, io.zerotrust.schemas.topics.Topic<String, V> topic,
                                RegistryClient registry, long fromMs, List<V> into) {
            Thread t = new Thread(() -> {
                Properties p = new Properties();
                p.put("bootstrap.servers", kafka);
                p.put("isolation.level", "read_committed");
                p.put("enable.auto.commit", "false");
                try (org.apache.kafka.clients.consumer.KafkaConsumer<String, V> consumer =
                             new org.apache.kafka.clients.consumer.KafkaConsumer<>(p,
                                     new org.apache.kafka.common.serialization.StringDeserializer(),
                                     topic.valueSerde(registry).deserializer())) {
                    List<TopicPartition> parts = consumer.partitionsFor(topic.name()).stream()
                            .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                    consumer.assign(parts);
                    Map<TopicPartition, Long> at = new HashMap<>();
                    parts.forEach(tp -> at.put(tp, fromMs));
                    consumer.offsetsForTimes(at).forEach((tp, o) -> {
                        if (o == null) {
                            consumer.seekToEnd(List.of(tp));
                        } else {
                            consumer.seek(tp, o.offset());
                        }
                    });
                    while (running) {
                        consumer.poll(java.time.Duration.ofMillis(500)).forEach(r -> {
                            if (r.value() != null) {
                                into.add(r.value());
                            }
                        });
                    }
                }
            }, "demo-collect-" + topic.name());
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }

        List<Anomaly> anomalies() {
            return anomalies;
        }

        List<EnforcementDecision> decisions() {
            return decisions;
        }

        List<DecisionApplied> acks() {
            return acks;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            for (Thread t : threads) {
                t.join(2_000);
            }
        }
    }
}
