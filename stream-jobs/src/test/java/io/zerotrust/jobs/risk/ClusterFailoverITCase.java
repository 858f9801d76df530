package io.zerotrust.jobs.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.platform.FlinkCluster;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both Flink jobs on a real standalone cluster (a JobManager, two TaskManagers and ZooKeeper, each its own JVM, as
 * {@code ./pipeline cluster up} starts them), fed at a steady rate, with real processes killed by SIGKILL:
 *
 * <ol>
 *   <li>the TaskManager running the risk engine's tasks, a third of the way through the input: both jobs restart
 *       from their last checkpoint (the killed TaskManager is started again, as a supervisor would);
 *   <li>the JobManager, two thirds of the way through: started again, it recovers both jobs from ZooKeeper and their
 *       latest checkpoints.
 * </ol>
 *
 * Then every decision the scenario implies is there, each exactly once to a read_committed reader (the risk engine
 * runs with {@code risk.decisions.delivery=exactly-once}), no anomaly id is repeated, and ClickHouse holds every
 * event exactly once, counted with and without {@code FINAL} (the sink runs with
 * {@code analytics.clickhouse.delivery=exactly-once}). Lost and duplicated counts and recovery times are printed.
 */
@ExtendWith(PlatformExtension.class)
class ClusterFailoverITCase {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void killedTaskManagerAndJobManagerLoseAndDuplicateNothing(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        String run = "fo" + UUID.randomUUID().toString().substring(0, 6);
        String database = "zt_" + run;
        long startMs = System.currentTimeMillis();
        Scenario scenario = new Scenario(run, 11).benign().attacks();
        List<ConnectionEvent> events = scenario.ordered();
        Path jar = Path.of("target", "zt-stream-jobs-job.jar").toAbsolutePath();
        assertThat(jar).as("the jobs' jar, built by mvn package").exists();

        try (FlinkCluster cluster = FlinkCluster.start(FlinkCluster.Settings.forTest(dir.resolve("flink"), 2, 2));
             var decisions = new RiskEngineITCase.Collecting<EnforcementDecision>(platform,
                     Topics.ENFORCEMENT_DECISIONS, d -> d.getIssuedAt() >= startMs);
             var anomalies = new RiskEngineITCase.Collecting<Anomaly>(platform, Topics.ANOMALIES,
                     a -> a.getDetectedAt() >= startMs)) {
            String rest = cluster.restUrl();
            String risk = FlinkCluster.submit(cluster.confDir(), rest, jar, "io.zerotrust.jobs.risk.RiskJob", List.of(
                    "--kafka.bootstrap=" + platform.kafkaBootstrap(), "--registry.url=" + platform.registryUrl(),
                    "--risk.group.id=risk-" + run, "--risk.events.start=" + startMs,
                    "--risk.checkpoint.interval.ms=2000", "--risk.idleness.ms=2000",
                    "--risk.decisions.delivery=exactly-once",
                    "--risk.checkpoint.dir=" + dir.resolve("checkpoints/risk")), null);
            String sink = FlinkCluster.submit(cluster.confDir(), rest, jar, "io.zerotrust.jobs.analytics.AnalyticsJob",
                    List.of("--kafka.bootstrap=" + platform.kafkaBootstrap(),
                            "--registry.url=" + platform.registryUrl(), "--clickhouse.url=" + platform.clickhouseUrl(),
                            "--analytics.database=" + database, "--analytics.group.id=sink-" + run,
                            "--analytics.start=" + startMs, "--analytics.checkpoint.interval.ms=2000",
                            "--analytics.batch.interval.ms=500", "--analytics.clickhouse.delivery=exactly-once",
                            "--analytics.checkpoint.dir=" + dir.resolve("checkpoints/analytics")), null);
            awaitRunning(rest, risk, Duration.ofSeconds(90));
            awaitRunning(rest, sink, Duration.ofSeconds(90));
            awaitCheckpoint(rest, risk);
            awaitCheckpoint(rest, sink);

            // a steady offered load: the scenario over about 45 s, on one partition so its order is the same as in
            // the scenario's other tests
            AtomicInteger sent = new AtomicInteger();
            Thread producer = new Thread(() -> produceSteadily(platform, events, Duration.ofSeconds(45), sent),
                    "steady-producer");
            producer.start();

            await().atMost(Duration.ofSeconds(60)).until(() -> sent.get() >= events.size() / 3);
            awaitCheckpoint(rest, risk);
            String victim = FlinkCluster.taskManagersOf(rest, risk).iterator().next();
            int index = Integer.parseInt(victim.substring(victim.lastIndexOf('-') + 1)) - 1;
            long killed = System.nanoTime();
            cluster.killTaskManager(index);
            System.out.println("failover: killed " + victim + " (pid " + cluster.taskManagers().get(index).pid()
                    + ") with SIGKILL after " + sent.get() + " of " + events.size() + " events");
            cluster.restartTaskManager(index);
            awaitRunning(rest, risk, Duration.ofSeconds(120));
            awaitRunning(rest, sink, Duration.ofSeconds(120));
            double taskManagerRecovery = (System.nanoTime() - killed) / 1e9;
            System.out.printf("failover: TaskManager killed -> both jobs RUNNING again in %.1f s%n",
                    taskManagerRecovery);

            await().atMost(Duration.ofSeconds(90)).until(() -> sent.get() >= 2 * events.size() / 3);
            awaitCheckpoint(rest, risk);
            killed = System.nanoTime();
            cluster.killJobManager();
            System.out.println("failover: killed the JobManager with SIGKILL after " + sent.get() + " events");
            cluster.restartJobManager();
            awaitRunning(rest, risk, Duration.ofSeconds(120));
            awaitRunning(rest, sink, Duration.ofSeconds(120));
            double jobManagerRecovery = (System.nanoTime() - killed) / 1e9;
            System.out.printf("failover: JobManager restarted -> both jobs recovered and RUNNING in %.1f s%n",
                    jobManagerRecovery);
            producer.join(120_000);
            assertThat(sent.get()).isEqualTo(events.size());

            // every expected entity decided; then the counts settle
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                    assertThat(decisions.values.stream().map(EnforcementDecision::getEntity)
                            .collect(Collectors.toSet())).as("entities decided").containsAll(scenario.expected.keySet()));
            settle(() -> decisions.values.size() + anomalies.values.size(), Duration.ofSeconds(5), 1,
                    Duration.ofSeconds(90));

            List<String> decisionIds = decisions.values.stream().map(EnforcementDecision::getDecisionId).toList();
            // A finding is copied to each entity it concerns under one id, and a detector may fire again under the
            // same id with a new score (an escalation); a copy of the same finding for the same entity (its id,
            // entity, event time and score) is a duplicate. Its detection time is not compared: a replay after a
            // restart would detect it again later.
            // Device and service entities are left out: the user and the source detectors each copy a finding to the
            // service and device it concerns, under one id, so those appear twice in a run without any fault too.
            List<String> anomalyIds = anomalies.values.stream()
                    .filter(a -> !a.getEntity().startsWith("service:") && !a.getEntity().startsWith("device:")).map(a -> a.getAnomalyId() + " " + a.getEntity() + "@" + a.getEventTime()
                    + "=" + a.getScore()).toList();
            Set<String> decided = decisions.values.stream().map(EnforcementDecision::getEntity)
                    .collect(Collectors.toSet());
            long lostDecisions = scenario.expected.keySet().stream().filter(e -> !decided.contains(e)).count();
            long dupDecisions = decisionIds.size() - decisionIds.stream().distinct().count();
            long dupAnomalies = anomalyIds.size() - anomalyIds.stream().distinct().count();
            anomalyIds.stream().collect(Collectors.groupingBy(a -> a, Collectors.counting())).forEach((a, n) -> {
                if (n > 1) {
                    System.out.println("failover: anomaly seen " + n + " times: " + a);
                }
            });

            long expectedRows = events.stream().filter(e -> e.getUser() != null && e.getUser().startsWith(run))
                    .count();
            String where = " WHERE user LIKE '" + run + "%'";
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).until(() ->
                    count(platform, "SELECT uniqExact(event_id) FROM " + database + ".conn_events" + where)
                            >= expectedRows);
            settle(() -> (int) count(platform, "SELECT count() FROM " + database + ".conn_events" + where),
                    Duration.ofSeconds(5), 1, Duration.ofSeconds(90));
            long rows = count(platform, "SELECT count() FROM " + database + ".conn_events" + where);
            long rowsFinal = count(platform, "SELECT count() FROM " + database + ".conn_events FINAL" + where);
            long distinct = count(platform, "SELECT uniqExact(event_id) FROM " + database + ".conn_events" + where);

            System.out.printf("failover: decisions: %d expected entities, lost=%d, %d decisions, dup=%d; anomalies: "
                            + "%d, dup=%d%n", scenario.expected.size(), lostDecisions, decisionIds.size(), dupDecisions,
                    anomalyIds.size(), dupAnomalies);
            System.out.printf("failover: ClickHouse conn_events: %d events sent, %d distinct rows, lost=%d, dup=%d "
                            + "(without FINAL), dup=%d (with FINAL)%n", expectedRows, distinct, expectedRows - distinct,
                    rows - distinct, rowsFinal - distinct);
            System.out.printf("failover: recovery: TaskManager %.1f s, JobManager %.1f s%n", taskManagerRecovery,
                    jobManagerRecovery);

            assertThat(lostDecisions).as("expected entities without a decision").isZero();
            assertThat(dupDecisions).as("decision ids seen more than once").isZero();
            assertThat(dupAnomalies).as("anomaly ids seen more than once").isZero();
            assertThat(distinct).as("events in ClickHouse").isEqualTo(expectedRows);
            // The sink runs with analytics.clickhouse.delivery=exactly-once: its rows are inserted when their checkpoint
            // completes and a batch committed again after a restore is found by its id, so not even the parts that
            // ClickHouse has not merged yet hold a copy.
            assertThat(rows).as("rows without FINAL").isEqualTo(distinct);
            assertThat(rowsFinal).as("rows with FINAL").isEqualTo(distinct);
        }
    }

    private static void produceSteadily(TestPlatform platform, List<ConnectionEvent> events, Duration over,
                                        AtomicInteger sent) {
        long nanosPerEvent = over.toNanos() / Math.max(1, events.size());
        long start = System.nanoTime();
        try (KafkaProducer<String, ConnectionEvent> p = platform.producer(Topics.CONN_EVENTS)) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                long due = start + i * nanosPerEvent;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                ConnectionEvent e = events.get(i);
                String key = e.getUser() != null ? "user:" + e.getUser() : "ip:" + e.getSrc().getIp();
                acks.add(p.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), 0, key, e)));
                sent.incrementAndGet();
            }
            for (var a : acks) {
                a.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("producing the scenario failed", e);
        }
    }

    static void awaitRunning(String rest, String job, Duration limit) {
        await().atMost(limit).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> FlinkCluster.allTasksRunning(rest, job));
    }

    /** Waits for a checkpoint of {@code job} completed after this call. */
    private static void awaitCheckpoint(String rest, String job) {
        long after = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> FlinkCluster.get(rest, "/jobs/" + job + "/checkpoints").path("latest").path("completed")
                        .path("latest_ack_timestamp").asLong() > after);
    }

    /** Waits until {@code counter} is above zero and has not changed for {@code quietPolls} polls in a row. */
    static void settle(java.util.concurrent.Callable<Integer> counter, Duration poll, int quietPolls,
                       Duration atMost) {
        int[] last = {-1, 0};
        await().atMost(atMost).pollInterval(poll).until(() -> {
            int n = counter.call();
            last[1] = n > 0 && n == last[0] ? last[1] + 1 : 0;
            last[0] = n;
            return last[1] >= quietPolls;
        });
    }

    private static long count(TestPlatform platform, String sql) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(platform.clickhouseUrl() + "/?query="
                + URLEncoder.encode(sql, StandardCharsets.UTF_8))).GET().build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            if (response.body().contains("doesn't exist")) {
                return 0;
            }
            throw new IllegalStateException(sql + ": " + response.body());
        }
        return Long.parseLong(response.body().trim());
    }
}
