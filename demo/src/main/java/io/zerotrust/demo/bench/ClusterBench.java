package io.zerotrust.demo.bench;

import io.zerotrust.demo.Cli;
import io.zerotrust.demo.ClusterJobs;
import io.zerotrust.jobs.analytics.SinkBench;
import io.zerotrust.jobs.risk.RiskJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./pipeline bench-cluster}: the risk engine's throughput on the Flink session cluster at each parallelism. It
 * puts {@code events} synthetic connection events on {@code conn.events} once (5,000 users over six services, keyed by
 * user, spread over the topic's partitions), then, for each parallelism in turn, submits the risk engine reading from
 * just before them and times how long its sources take to reach the end (their {@code pendingRecords} at 0), from the
 * moment all its tasks run (the REST API's metrics are up to a second old, so the backlog is large enough for that not
 * to matter). Each run has a consumer group and checkpoint folder of its own and is cancelled after.
 */
public final class ClusterBench {

    private static final Clock CLOCK = Clock.systemUTC();

    private ClusterBench() {
    }

    record Settings(String kafka, String registry, int events, List<Integer> parallelisms, ClusterJobs cluster,
                    Path dir) {

        static Settings parse(String[] args) {
            // --clickhouse is accepted (the platform's address, as ./pipeline passes it to every loop command) and unused
            Map<String, String> m = Cli.settings(args, List.of("kafka", "registry", "clickhouse", "events",
                    "parallelism", "flink.rest", "flink.conf", "flink.jar", "dir"), List.of());
            int events;
            try {
                events = Integer.parseInt(m.getOrDefault("events", "1000000").replace("_", ""));
            } catch (NumberFormatException e) {
                events = -1;
            }
            if (events < 1_000 || events > 20_000_000) {
                throw new IllegalArgumentException("--events must be a whole number from 1000 to 20000000, got '"
                        + m.get("events") + "'");
            }
            List<Integer> ps = new ArrayList<>();
            for (String p : m.getOrDefault("parallelism", "1,2,4").split(",")) {
                try {
                    int n = Integer.parseInt(p.trim());
                    if (n < 1 || n > 64) {
                        throw new NumberFormatException();
                    }
                    ps.add(n);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--parallelism is a list of numbers from 1 to 64, e.g. 1,2,4; "
                            + "got '" + m.get("parallelism") + "'");
                }
            }
            if (m.get("flink.rest") == null) {
                throw new IllegalArgumentException("--flink.rest=<the JobManager's REST address> is needed "
                        + "(./pipeline bench-cluster sets it)");
            }
            ClusterJobs cluster = ClusterJobs.fromSettings(m);
            return new Settings(m.getOrDefault("kafka", "127.0.0.1:9092"),
                    m.getOrDefault("registry", "http://127.0.0.1:8081"), events, ps, cluster,
                    Path.of(m.getOrDefault("dir", "var/bench-cluster")).toAbsolutePath());
        }
    }

    /** One parallelism's run: seconds from all tasks running to the end of the input, and events per second. */
    record Result(int parallelism, double seconds, double eventsPerSecond, String taskManagers) {
    }

    public static void main(String[] args) throws Exception {
        Cli.main("bench-cluster", args, Settings::parse, ClusterBench::run);
    }

    static int run(Settings s) throws Exception {
        long began = CLOCK.millis();
        Files.createDirectories(s.dir());
        long start = CLOCK.millis();
        long t0 = System.nanoTime();
        SinkBench.putEvents(s.kafka(), s.registry(), start, s.events());
        Cli.say(CLOCK, began, String.format(Locale.ROOT, "put %,d events on conn.events in %.1f s", s.events(),
                (System.nanoTime() - t0) / 1e9));

        List<Result> results = new ArrayList<>();
        for (int parallelism : s.parallelisms()) {
            String run = "bench-p" + parallelism + "-" + start;
            Map<String, String> risk = new LinkedHashMap<>();
            risk.put("kafka.bootstrap", s.kafka());
            risk.put("registry.url", s.registry());
            risk.put("risk.group.id", run);
            risk.put("risk.events.start", Long.toString(start));
            risk.put("risk.parallelism", Integer.toString(parallelism));
            risk.put("risk.checkpoint.dir", s.dir().resolve("checkpoints").resolve(run).toString());
            Cli.say(CLOCK, began, "risk engine at parallelism " + parallelism + ": submitting ...");
            String job = s.cluster().submit(RiskJob.class.getName(), risk);
            try {
                long running = System.nanoTime();
                String where = String.join(", ", io.zerotrust.platform.FlinkCluster.taskManagersOf(
                        s.cluster().restUrl(), job));
                long pending;
                do {
                    Thread.sleep(200);
                    pending = s.cluster().pendingRecords(job);
                    if ((System.nanoTime() - running) / 1e9 > 900) {
                        throw new IllegalStateException("parallelism " + parallelism + ": still " + pending
                                + " events to read after 15 minutes");
                    }
                } while (pending != 0);
                double seconds = (System.nanoTime() - running) / 1e9;
                Result r = new Result(parallelism, seconds, s.events() / seconds, where);
                results.add(r);
                Cli.say(CLOCK, began, String.format(Locale.ROOT, "parallelism %d: %,d events in %.1f s from all "
                        + "tasks running: %,.0f events/s (on %s)", parallelism, s.events(), seconds,
                        r.eventsPerSecond(), where));
            } finally {
                s.cluster().cancel(job);
            }
        }
        System.out.println();
        System.out.println(table(s.events(), results));
        return 0;
    }

    /** The results as a Markdown table, with each parallelism's rate relative to parallelism 1's. */
    static String table(int events, List<Result> results) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "| parallelism | %,d events read in | events/s | vs the first | TaskManagers |%n"
                        + "|---:|---:|---:|---:|---|%n", events));
        double base = results.isEmpty() ? 0 : results.get(0).eventsPerSecond();
        for (Result r : results) {
            b.append(String.format(Locale.ROOT, "| %d | %.1f s | %,.0f | %.2f | %s |%n", r.parallelism(),
                    r.seconds(), r.eventsPerSecond(), r.eventsPerSecond() / base, r.taskManagers()));
        }
        return b.toString();
    }
}
