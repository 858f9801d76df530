package io.zerotrust.demo;

import io.zerotrust.demo.monitor.Collector;
import io.zerotrust.demo.monitor.Monitor;
import io.zerotrust.demo.report.Audit;
import io.zerotrust.demo.report.Evaluation;
import io.zerotrust.demo.report.RunReport;
import io.zerotrust.demo.sim.DemoIdentityProvider;
import io.zerotrust.demo.sim.Driver;
import io.zerotrust.demo.sim.HistoryPublisher;
import io.zerotrust.demo.sim.LiveRun;
import io.zerotrust.demo.sim.Plan;
import io.zerotrust.demo.sim.Scenarios;
import io.zerotrust.demo.sim.ZeekSensor;
import io.zerotrust.gateway.Gateway;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./pipeline demo}: the closed loop on one machine. On the platform of {@code ./pipeline up} it starts the
 * demo services, the gateway, the ingest and the risk and analytics jobs (Flink mini-clusters in this process),
 * publishes the population's history, plays the live phase through the gateway — the population's habits and the
 * scripted attacks — and judges the run against its ground truth from the records the pipeline wrote.
 */
public final class DemoMain {

    private static final Clock CLOCK = Clock.systemUTC();
    /** The analysts' query pack (the demo runs from the repository's root). */
    private static final Path QUERIES = Path.of("dashboards/queries");
    private final long began = CLOCK.millis();

    private DemoMain() {
    }

    /** Settings from {@code --key=value} arguments. */
    record Settings(String kafka, String registry, String clickhouse, String database, int minutes, int people,
                    long seed, Path runDir, int workers, ClusterJobs cluster) {

        static Settings parse(String[] args) {
            Map<String, String> m = Cli.settings(args, List.of("kafka", "registry", "clickhouse", "database",
                    "minutes", "people", "seed", "dir", "workers", "flink.rest", "flink.conf", "flink.jar"), List.of());
            int minutes = number(m, "minutes", 7, (int) (Scenarios.MIN_LIVE_MS / 60_000), 120);
            int people = number(m, "people", 60, 30, 2_000);
            int workers = number(m, "workers", 16, 1, 256);
            long seed = number(m, "seed", 42, 0, Integer.MAX_VALUE);
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            return new Settings(m.getOrDefault("kafka", "127.0.0.1:9092"),
                    m.getOrDefault("registry", "http://127.0.0.1:8081"),
                    m.getOrDefault("clickhouse", "http://127.0.0.1:8123"), database(m), minutes, people, seed,
                    Path.of(m.getOrDefault("dir", "var/demo/run-" + stamp)), workers, cluster(m));
        }

        /** The session cluster of {@code --flink.rest} (with {@code --flink.conf}), or null: mini-clusters. */
        private static ClusterJobs cluster(Map<String, String> m) {
            String rest = m.get("flink.rest");
            if (rest == null || rest.isBlank()) {
                if (m.containsKey("flink.conf") || m.containsKey("flink.jar")) {
                    throw new IllegalArgumentException("--flink.conf and --flink.jar go with --flink.rest=<the "
                            + "JobManager's REST address> (./pipeline demo --cluster sets all three)");
                }
                return null;
            }
            return ClusterJobs.fromSettings(m);
        }

        private static String database(Map<String, String> m) {
            String db = m.getOrDefault("database", "zt");
            if (!db.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("--database must be a plain identifier, got '" + db + "'");
            }
            return db;
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
        Cli.main("demo", args, Settings::parse, s -> new DemoMain().run(s));
    }

    private void say(String message) {
        Cli.say(CLOCK, began, message);
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

            DemoIdentityProvider idp = new DemoIdentityProvider();
            LocalLoop loop = LocalLoop.start(new LocalLoop.Platform(s.kafka(), s.registry(), s.clickhouse(),
                    s.database(), s.runDir()), run, t0, true, true, idp, Map.of(), CLOCK, s.cluster());
            open.add(loop);
            Gateway gateway = loop.gateway();
            say("run tag " + tag + " (users u0000-" + tag + " …, attackers from " + plan.scenarios().get(0).entity()
                    + " …)");
            say("gateway: HTTP 127.0.0.1:" + gateway.httpPort() + ", admin 127.0.0.1:" + gateway.adminPort()
                    + " (metrics at /metrics), " + io.zerotrust.demo.sim.Service.ALL.size() + " services behind it");
            say("ingest, risk engine and ClickHouse sink (database " + s.database() + ") running; " + flink(s));

            RegistryClient registry = RegistryClient.connect(s.registry());
            Collector collected = Collector.start(s.kafka(), registry, t0);
            open.add(collected);
            Monitor monitor = Monitor.start(s.kafka(), loop, collected, CLOCK);
            open.add(monitor);

            List<io.zerotrust.avro.ConnectionEvent> history = HistoryPublisher.events(plan, "gw-demo");
            say("publishing the history: " + plan.history().size() + " visits of " + s.people()
                    + " people over " + Plan.HISTORY_DAYS + " days (" + history.size() + " events) ...");
            HistoryPublisher.publish(s.kafka(), registry, history, n -> { });
            awaitConsumed(s.kafka(), loop.riskGroup(), 300_000);

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
                say(progress(live, monitor, liveStart));
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
            say("checking the run's decisions with the ClickHouse decision audit ...");
            Audit audit = Audit.check(s.clickhouse(), s.database(), QUERIES, t0, collected.decisions(), 30_000);
            monitor.close();
            RunReport.Run result = new RunReport.Run(plan, e, audit, live.tallies(), monitor.samples(), liveStart,
                    s.runDir(), s.database(), QUERIES);
            Path html = s.runDir().resolve("report.html");
            Files.writeString(html, RunReport.html(result));
            System.out.println();
            System.out.println(RunReport.terminal(result));
            say(flink(s));
            say("report with charts: " + html.toAbsolutePath().toUri());
            return result.passed() ? 0 : 1;
        } finally {
            closeAll(open);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
    }

    private static String flink(Settings s) {
        return s.cluster() == null ? "the Flink jobs on mini-clusters in this process (the ClickHouse sink in a child "
                + "process)" : "the Flink jobs on the session cluster at " + s.cluster().restUrl();
    }

    private String progress(LiveRun live, Monitor monitor, long liveStart) {
        long done = live.tallies().values().stream().mapToLong(t -> t.started.sum()).sum();
        return String.format("live %3ds: %,d attempts (%d pending) · %s", (CLOCK.millis() - liveStart) / 1000, done,
                live.pending(), monitor.line());
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
                behind = Monitor.behind(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(),
                        ends);
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
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
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
}
