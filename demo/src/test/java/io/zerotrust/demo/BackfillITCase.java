package io.zerotrust.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zerotrust.ingest.IngestMain;
import io.zerotrust.ingest.IngestSettings;
import io.zerotrust.ingest.Replay;
import io.zerotrust.ingest.ReplayReport;
import io.zerotrust.jobs.risk.RiskJob;
import io.zerotrust.jobs.risk.RiskJobConfig;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * History from three sensors whose time ranges interleave, through the real replay, ingest and risk engine: replayed
 * together (merged by time) every event is scored and none is dropped as late; the same files replayed file after
 * file, as replay used to send them, leave the risk engine's watermark behind most of the second and third files,
 * and every event it drops is counted in the late-events metric of its sensor, so that scored plus counted late is
 * every event written; a risk engine in backfill mode over those same out-of-order events scores all of them.
 */
@ExtendWith(PlatformExtension.class)
public class BackfillITCase {

    /** The counters the risk engine registers, by job and name (per sensor for late events), as Flink reports them. */
    public static final class Counters implements MetricReporter {
        static final Map<String, Counter> BY_NAME = new ConcurrentHashMap<>();

        static long get(String job, String name) {
            Counter c = BY_NAME.get(job + "|" + name);
            return c == null ? 0 : c.getCount();
        }

        @Override
        public void open(MetricConfig config) {
        }

        @Override
        public void close() {
        }

        @Override
        public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
            Map<String, String> v = group.getAllVariables();
            if (!(metric instanceof Counter c) || !"source detectors".equals(v.get("<operator_name>"))) {
                return;
            }
            String job = v.get("<job_name>");
            if (name.equals("lateEvents") && v.containsKey("<sensor>")) {
                BY_NAME.put(job + "|late " + v.get("<origin>") + "/" + v.get("<sensor>"), c);
            } else if (name.equals("lateEvents") || name.equals("events")) {
                BY_NAME.put(job + "|" + name, c);
            }
        }

        @Override
        public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        }

        public static final class Factory implements MetricReporterFactory {
            @Override
            public MetricReporter createMetricReporter(Properties properties) {
                return new Counters();
            }
        }
    }

    private static final java.time.format.DateTimeFormatter ISO = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx").withZone(java.time.ZoneOffset.UTC);
    private static final List<String> SENSORS = List.of("bastion-1", "bastion-2", "bastion-3");

    /**
     * One sensor's sshd log (rsyslog's ISO framing): a line every 5 s for 50 minutes from {@code start} plus
     * {@code offsetS}, so the three sensors' lines interleave; failed and accepted logons of many users from many
     * addresses (so that every partition of conn.events carries events).
     */
    private static Path sensorLog(Path dir, String day, String sensor, Instant start, int offsetS) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 600; i++) {
            Instant t = start.plusSeconds(offsetS + 5L * i);
            String user = "u" + (i * 7 + offsetS) % 40;
            String ip = "10.72." + offsetS + "." + (i % 60 + 1);
            b.append(ISO.format(t)).append(' ').append(sensor).append(" sshd[").append(1000 + i).append("]: ")
                    .append(i % 3 == 0 ? "Accepted password for " : "Failed password for ").append(user)
                    .append(" from ").append(ip).append(" port ").append(40_000 + i).append(" ssh2\n");
        }
        return Files.writeString(dir.resolve(day + "-" + sensor + ".log"), b);
    }

    private static JobClient risk(TestPlatform platform, String name, Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of(
                RiskJobConfig.KAFKA_BOOTSTRAP, platform.kafkaBootstrap(),
                RiskJobConfig.REGISTRY_URL, platform.registryUrl(),
                RiskJobConfig.CHECKPOINT_INTERVAL, "2000"));
        all.putAll(settings);
        Configuration conf = new Configuration();
        conf.setString("metrics.reporter.zt_counters.factory.class", Counters.Factory.class.getName());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        RiskJob.build(env, RiskJobConfig.of(all));
        return env.executeAsync(name);
    }

    private static long lateOf(String job) {
        return SENSORS.stream().mapToLong(s -> Counters.get(job, "late sshd/" + s)).sum();
    }

    @Test
    void mergedHistoryIsScoredWholeAndHistoryOutOfOrderIsCountedLatePerSensor(TestPlatform platform,
                                                                              @TempDir Path dir) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        Properties ingest = new Properties();
        ingest.put(StreamsConfig.APPLICATION_ID_CONFIG, "backfill-it-" + run);
        ingest.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        ingest.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        ingest.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("ingest-state").toString());
        ingest.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        ingest.put(IngestSettings.REGISTRY_URL, platform.registryUrl());
        ingest.put(IngestMain.HTTP_PORT, "0");
        ingest.put(IngestMain.HTTP_MAX_BYTES, Integer.toString(16 << 20));
        ingest.put(IngestMain.HTTP_MAX_LINE, Integer.toString(1 << 20));
        String live = "risk-live-" + run;
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        long startMs = System.currentTimeMillis();
        JobClient liveJob = null;
        JobClient backfillJob = null;
        try (IngestMain.Running ingesting = IngestMain.start(ingest)) {
            liveJob = risk(platform, live, Map.of(RiskJobConfig.GROUP_ID, live,
                    RiskJobConfig.EVENTS_START, Long.toString(startMs),
                    RiskJobConfig.CHECKPOINT_DIR, dir.resolve("live").toString()));

            // day 1: the three sensors' files replayed together, merged by time
            Instant day1 = Instant.parse("2026-11-02T09:00:00Z");
            List<Path> merged = List.of(sensorLog(dir, "d1", SENSORS.get(0), day1, 0),
                    sensorLog(dir, "d1", SENSORS.get(1), day1, 1), sensorLog(dir, "d1", SENSORS.get(2), day1, 2));
            Replay.Options o = Replay.Options.of("sshd", platform.kafkaBootstrap(), merged)
                    .ingest(platform.registryUrl(), "backfill-it-" + run).waiting(Duration.ofSeconds(60));
            ReplayReport.Result r1 = ReplayReport.collect(o, Replay.send(o, true, quiet), quiet);
            assertThat(r1.consumed()).isTrue();
            long written1 = r1.tallies().get(3).events();
            assertThat(written1).as("an event per line").isEqualTo(1800);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                    Counters.get(live, "events") + Counters.get(live, "lateEvents") >= written1);
            assertThat(Counters.get(live, "lateEvents")).as("merged: nothing late").isZero();
            assertThat(Counters.get(live, "events")).as("merged: every event scored").isEqualTo(written1);

            // day 2: the same kind of files, sent file after file, as replay used to
            long day2StartMs = System.currentTimeMillis();
            Instant day2 = Instant.parse("2026-11-03T09:00:00Z");
            List<Path> fileByFile = List.of(sensorLog(dir, "d2", SENSORS.get(0), day2, 0),
                    sensorLog(dir, "d2", SENSORS.get(1), day2, 1), sensorLog(dir, "d2", SENSORS.get(2), day2, 2));
            Replay.Options o2 = Replay.Options.of("sshd", platform.kafkaBootstrap(), fileByFile)
                    .ingest(platform.registryUrl(), "backfill-it-" + run).waiting(Duration.ofSeconds(60))
                    .fileOrder(true);
            ReplayReport.Result r2 = ReplayReport.collect(o2, Replay.send(o2, true, quiet), quiet);
            long written2 = r2.tallies().get(3).events();
            assertThat(written2).isEqualTo(1800);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                    Counters.get(live, "events") + Counters.get(live, "lateEvents") >= written1 + written2);
            long late = Counters.get(live, "lateEvents");
            long scored = Counters.get(live, "events") - written1;
            System.out.printf("[backfill] file by file: %d events written, %d scored, %d late (%s)%n", written2,
                    scored, late, SENSORS.stream().map(s -> s + " " + Counters.get(live, "late sshd/" + s)).toList());
            assertThat(late).as("file by file: the later files fall behind the first one's watermark")
                    .isGreaterThan(written2 / 4);
            assertThat(scored + late).as("nothing lost silently: scored or counted late").isEqualTo(written2);
            assertThat(lateOf(live)).as("the per-sensor counts add up to the total").isEqualTo(late);
            assertThat(Counters.get(live, "late sshd/bastion-2") + Counters.get(live, "late sshd/bastion-3"))
                    .as("the second and third sensors' records were dropped").isPositive();

            // the risk engine in backfill mode, over the day-2 events as they lie in conn.events: all scored
            String backfill = "risk-backfill-" + run;
            backfillJob = risk(platform, backfill, Map.of(RiskJobConfig.BACKFILL, "true",
                    RiskJobConfig.GROUP_ID, backfill, RiskJobConfig.EVENTS_START, Long.toString(day2StartMs),
                    RiskJobConfig.CHECKPOINT_DIR, dir.resolve("backfill").toString()));
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                    Counters.get(backfill, "events") + Counters.get(backfill, "lateEvents") >= written2);
            assertThat(Counters.get(backfill, "lateEvents")).as("backfill: an hour of disorder allowed").isZero();
            assertThat(Counters.get(backfill, "events")).isEqualTo(written2);
        } finally {
            for (JobClient j : new JobClient[] {liveJob, backfillJob}) {
                if (j != null) {
                    j.cancel().get();
                }
            }
        }
    }
}
