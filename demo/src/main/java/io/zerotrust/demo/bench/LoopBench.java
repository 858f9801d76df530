package io.zerotrust.demo.bench;

import io.zerotrust.avro.ApplyOutcome;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.demo.ClickHouseHttp;
import io.zerotrust.demo.Cli;
import io.zerotrust.demo.LocalLoop;
import io.zerotrust.demo.monitor.Collector;
import io.zerotrust.demo.monitor.Monitor;
import io.zerotrust.demo.monitor.Monitor.Sample;
import io.zerotrust.demo.report.Evaluation.Latencies;
import io.zerotrust.demo.sim.DemoIdentityProvider;
import io.zerotrust.schemas.registry.RegistryClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.commons.text.WordUtils;

/**
 * {@code ./pipeline bench}: the closed loop at a ladder of offered rates. On the platform of {@code ./pipeline up}
 * it starts the gateway, the risk engine and the ClickHouse sink as the demo does, offers gateway-shaped events onto
 * {@code conn.events} at each rate of the ladder and finds the highest rate at which every stage keeps up (its lag
 * does not grow), then measures the loop latency — an event's time at the gateway to the gateway's ack of the
 * decision it caused — at 50 % and 80 % of that rate and at the rates the targets name. Results go to the run folder
 * and, with the machine's description, into {@code docs/benchmarks.md}.
 */
public final class LoopBench {

    private static final Clock CLOCK = Clock.systemUTC();
    /** The risk engine's lag (its readers' own) is compared over windows of this length. */
    static final long WINDOW_MS = 7_000;
    /**
     * The sink's lag is what has not landed in ClickHouse yet ({@code SinkProgress}), and its rows land in batches
     * every 5 s: it rises by the load between two and falls back after each, by how much depends on how long that
     * insert took. It is compared over windows of three batches, so that one or two slow inserts do not make a sink
     * that keeps up look behind.
     */
    static final long SINK_WINDOW_MS = 15_000;
    private static final String BEGIN = "<!-- loop-bench:begin -->";
    private static final String END = "<!-- loop-bench:end -->";

    /** One measured step: offered and achieved rate, each stage's lag growth, and the loop latencies in it. */
    record Step(String name, double offered, double achieved, long riskGrowth, long sinkGrowth, boolean flat,
                int scans, Latencies loop, Latencies decide) {
    }

    /** Settings from {@code --key=value} arguments. */
    record Settings(String kafka, String registry, String clickhouse, List<Integer> rates, int stepSeconds,
                    int users, double triggers, boolean sink, Map<String, String> risk, Path out, Path runDir) {

        static Settings parse(String[] args) {
            Map<String, String> m = Cli.settings(args, List.of("kafka", "registry", "clickhouse", "rates",
                    "step-seconds", "users", "scans-per-second", "sink", "out"), List.of("risk.", "detector."));
            Map<String, String> risk = new HashMap<>(); // the risk engine's own settings, checked when it starts
            m.forEach((k, v) -> {
                if (k.startsWith("risk.") || k.startsWith("detector.")) {
                    risk.put(k, v);
                }
            });
            List<Integer> rates = new ArrayList<>();
            for (String r : m.getOrDefault("rates", "5000,10000,15000,20000,25000,30000,40000,50000").split(",")) {
                int v = number("rates", r, 100, 1_000_000);
                if (!rates.isEmpty() && v <= rates.get(rates.size() - 1)) {
                    throw new IllegalArgumentException("--rates must go up, got " + m.get("rates"));
                }
                rates.add(v);
            }
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            return new Settings(m.getOrDefault("kafka", "127.0.0.1:9092"),
                    m.getOrDefault("registry", "http://127.0.0.1:8081"),
                    m.getOrDefault("clickhouse", "http://127.0.0.1:8123"), rates,
                    number("step-seconds", m.getOrDefault("step-seconds", "60"), 30, 600),
                    number("users", m.getOrDefault("users", "20000"), 100, 1_000_000),
                    number("scans-per-second", m.getOrDefault("scans-per-second", "10"), 1, 50), sink(m), risk,
                    Path.of(m.getOrDefault("out", "docs/benchmarks.md")), Path.of("var/bench/run-" + stamp));
        }

        private static boolean sink(Map<String, String> m) {
            String v = m.getOrDefault("sink", "true");
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException("--sink is true (the default) or false (the enforcement path "
                        + "alone, without the ClickHouse sink), got '" + v + "'");
            }
            return v.equals("true");
        }

        private static int number(String key, String v, int min, int max) {
            try {
                int n = Integer.parseInt(v.trim());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException("--" + key + " takes whole numbers from " + min + " to " + max
                    + ", got '" + v + "'");
        }
    }

    private final long began = CLOCK.millis();
    /** Every measured decision: step, trigger event time, event → issued ms, event → applied ms. */
    private final StringBuilder csv = new StringBuilder("step,event_time_ms,decide_ms,loop_ms\n");
    private LocalLoop loop;
    private Collector collected;
    private Monitor monitor;
    private BenchLoad load;

    public static void main(String[] args) throws Exception {
        Cli.main("bench", args, Settings::parse, s -> new LoopBench().run(s));
    }

    private void say(String message) {
        Cli.say(CLOCK, began, message);
    }

    int run(Settings s) throws Exception {
        Files.createDirectories(s.runDir());
        String database = "zt_loopbench";
        ClickHouseHttp.query(s.clickhouse(), "DROP DATABASE IF EXISTS " + database);
        long t0 = CLOCK.millis();
        String tag = Long.toString((t0 / 1000) % (36L * 36 * 36 * 36), 36);
        String run = "bench" + tag;
        Thread hook = new Thread(this::stop, "bench-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            say("starting the gateway, the risk engine and the ClickHouse sink (database " + database + ") ...");
            loop = LocalLoop.start(new LocalLoop.Platform(s.kafka(), s.registry(), s.clickhouse(), database,
                    s.runDir()), run, t0, false, s.sink(),
                    new DemoIdentityProvider(), s.risk(), CLOCK);
            RegistryClient registry = RegistryClient.connect(s.registry());
            collected = Collector.start(s.kafka(), registry, t0);
            monitor = Monitor.start(s.kafka(), loop, collected, CLOCK);
            load = new BenchLoad(s.kafka(), registry, CLOCK, s.users(), tag, s.triggers());
            load.start();

            // the JVMs compile their hot paths and the sink's process (at a lower priority) gets going
            say("warming up: 30 s at 2,000 events/s, 30 s at 5,000");
            load.rate(2_000);
            Thread.sleep(30_000);
            load.rate(5_000);
            Thread.sleep(30_000);

            List<Step> ladder = new ArrayList<>();
            int highest = 0;
            for (int rate : s.rates()) {
                Step step = step("ladder " + rate, rate, s.stepSeconds());
                ladder.add(step);
                say(line(step));
                if (!step.flat()) {
                    break;
                }
                highest = rate;
            }
            // each latency step starts from a pipeline that has caught up: a step measured while the sink and
            // ClickHouse still work off the previous step's backlog measures that recovery, not the rate
            List<Step> latency = new ArrayList<>();
            if (highest > 0) {
                for (double f : new double[] {0.5, 0.8}) {
                    drain(s.clickhouse());
                    int rate = (int) Math.round(highest * f / 500) * 500;
                    Step step = step(String.format(Locale.ROOT, "%.0f %% of %,d", f * 100, highest), rate,
                            s.stepSeconds());
                    latency.add(step);
                    say(line(step));
                }
            }
            drain(s.clickhouse());
            Step target = step("target 10,000", 10_000, s.stepSeconds());
            latency.add(target);
            say(line(target));

            String results = results(s, highest, ladder, latency);
            Files.writeString(s.runDir().resolve("bench.md"), results);
            Files.writeString(s.runDir().resolve("loop.csv"), csv);
            record(s.out(), results);
            System.out.println();
            System.out.println(results);
            say("written to " + s.runDir().resolve("bench.md") + " and " + s.out());
            return 0;
        } finally {
            stop();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
    }

    /**
     * Offers {@code rate} for {@code seconds}: the first quarter settles, then each stage's lag at the end of the
     * step is compared with its lag at the start of the measured part (medians of 5 s of samples). The step is flat
     * when no stage fell behind by more than one second of the offered rate (and at least 2,000 records) — a stage
     * that cannot keep up falls behind by its deficit times the measured seconds.
     */
    private Step step(String name, int rate, int seconds) throws InterruptedException {
        say(String.format(Locale.ROOT, "%s: offering %,d events/s for %d s ...", name, rate, seconds));
        load.rate(rate);
        long start = CLOCK.millis();
        Thread.sleep(seconds * 250L);
        long measureFrom = CLOCK.millis();
        long sentFrom = load.sent() - load.failed();
        long end = start + seconds * 1000L;
        while (CLOCK.millis() < end) {
            Thread.sleep(Math.min(10_000, Math.max(1, end - CLOCK.millis())));
            say("  " + monitor.line());
        }
        long measureTo = CLOCK.millis();
        // what reached Kafka: a send the producer gave up on does not count
        double achieved = (load.sent() - load.failed() - sentFrom) * 1000.0 / (measureTo - measureFrom);
        List<Sample> samples = monitor.samples();
        long riskGrowth = growth(samples, measureFrom, measureTo, Sample::riskLag, WINDOW_MS);
        long sinkGrowth = growth(samples, measureFrom, measureTo, Sample::sinkLag, SINK_WINDOW_MS);
        long riskBehind = least(samples, measureTo - WINDOW_MS, measureTo, Sample::riskLag);
        long sinkBehind = least(samples, measureTo - SINK_WINDOW_MS, measureTo, Sample::sinkLag);
        boolean flat = keepsUp(rate, achieved, riskGrowth, sinkGrowth, riskBehind, sinkBehind);
        // the last scans' decisions may still be on their way: wait a little before reading them
        Thread.sleep(3_000);
        List<Long> loopMs = new ArrayList<>();
        List<Long> decideMs = new ArrayList<>();
        int scans = latencies(name, measureFrom, measureTo, loopMs, decideMs);
        return new Step(name, rate, achieved, riskGrowth, sinkGrowth, flat, scans, Latencies.of(loopMs),
                Latencies.of(decideMs));
    }

    /**
     * The loop latency of every scan whose last probe was sent in [from, to): probe → issued, probe → applied; each
     * also goes to {@code loop.csv} in the run folder. Returns how many scans there were.
     */
    private int latencies(String step, long from, long to, List<Long> loopMs, List<Long> decideMs) {
        Map<String, Long> scans = load.scans();
        int count = (int) scans.values().stream().filter(t -> t >= from && t < to).count();
        Map<String, DecisionApplied> acks = new HashMap<>();
        for (DecisionApplied a : collected.acks()) {
            if (a.getOutcome() == ApplyOutcome.APPLIED) {
                acks.putIfAbsent(a.getDecisionId(), a);
            }
        }
        for (EnforcementDecision d : collected.decisions()) {
            Long probe = scans.get(d.getEntity());
            if (probe == null || probe < from || probe >= to || d.getMode() != DecisionMode.ENFORCE) {
                continue;
            }
            decideMs.add(d.getIssuedAt() - d.getEventTime());
            DecisionApplied a = acks.get(d.getDecisionId());
            if (a != null) {
                loopMs.add(a.getAppliedAt() - d.getEventTime());
            }
            csv.append('"').append(step).append("\",").append(d.getEventTime()).append(',')
                    .append(d.getIssuedAt() - d.getEventTime()).append(',')
                    .append(a == null ? "" : Long.toString(a.getAppliedAt() - d.getEventTime())).append('\n');
        }
        return count;
    }

    /**
     * Offers nothing but the scans until every stage has caught up for 5 s in a row and ClickHouse has merged what
     * the burst wrote (at most 3 minutes in all).
     */
    private void drain(String clickhouseUrl) throws InterruptedException {
        load.rate(0);
        long deadline = CLOCK.millis() + 180_000;
        say("letting every stage catch up ...");
        int caughtUp = 0;
        while (CLOCK.millis() < deadline && caughtUp < 5) {
            Thread.sleep(1_000);
            Sample s = monitor.latest();
            boolean ok = s != null && s.riskLag() >= 0 && s.riskLag() < 2_000
                    && (loop.sink() == null || (s.sinkLag() >= 0 && s.sinkLag() < 20_000));
            caughtUp = ok ? caughtUp + 1 : 0;
        }
        // the burst's parts are still being merged by ClickHouse, which takes CPU from the next step
        while (CLOCK.millis() < deadline && merges(clickhouseUrl) > 0) {
            Thread.sleep(1_000);
        }
        say("  " + monitor.line());
    }

    /**
     * How much a stage's lag grew over [from, to]: its least lag in the last {@code windowMs} minus its least in
     * the first. The least, because the sink's rows land in ClickHouse in batches (every 5 s): between two its lag
     * rises by the load and falls back, and only the trough after an insert says how far behind it is; for the risk
     * engine, whose readers report their own lag, it also passes over one slow poll.
     */
    static long growth(List<Sample> samples, long from, long to, ToLongFunction<Sample> lag, long windowMs) {
        return least(samples, to - windowMs, to, lag) - least(samples, from, from + windowMs, lag);
    }

    /**
     * A step keeps up when the load generator offered what was asked (within 3 %), no stage's lag grew by more than
     * one second of the offered rate (at least 2,000 records) — a stage short of the rate by a fraction {@code d}
     * falls behind by {@code d × rate} records every second — and neither stage ended with a standing backlog: the
     * risk engine at most two seconds of load behind (a flat backlog there is seconds of delay on every decision),
     * the sink at most five (its rows land in batches every 5 s anyway, so its lag includes a batch's wait and the
     * insert).
     */
    static boolean keepsUp(int rate, double achieved, long riskGrowth, long sinkGrowth, long riskBehind,
                           long sinkBehind) {
        long second = Math.max(2_000, rate);
        return achieved >= 0.97 * rate && riskGrowth <= second && sinkGrowth <= second && riskBehind <= 2 * second
                && sinkBehind <= 5 * second;
    }

    /** The least non-negative value of {@code f} in [from, to], or 0 when there is none. */
    private static long least(List<Sample> samples, long from, long to, ToLongFunction<Sample> f) {
        long least = Long.MAX_VALUE;
        for (Sample s : samples) {
            long v = f.applyAsLong(s);
            if (s.atMs() >= from && s.atMs() <= to && v >= 0) {
                least = Math.min(least, v);
            }
        }
        return least == Long.MAX_VALUE ? 0 : least;
    }

    /** The loop percentiles with how many of the step's scans were applied in time to be measured. */
    private static String measured(Step s) {
        return ms(s.loop()) + " (" + s.loop().count() + " of " + s.scans() + " scans)";
    }

    /** p50 / p95 / p99, or a dash when nothing was measured. */
    private static String ms(Latencies l) {
        return l.count() == 0 ? "—" : String.format(Locale.ROOT, "%d / %d / %d ms", l.p50(), l.p95(), l.p99());
    }

    private static String line(Step s) {
        return String.format(Locale.ROOT, "%s: achieved %,.0f events/s; lag growth risk %,d, sink %,d -> %s; loop "
                        + "p50/p95/p99 %s", s.name(), s.achieved(), s.riskGrowth(), s.sinkGrowth(),
                s.flat() ? "keeps up" : "FALLS BEHIND", measured(s));
    }

    private String results(Settings s, int highest, List<Step> ladder, List<Step> latency) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append(BEGIN).append('\n');
        b.append("### `./pipeline bench`, ").append(LocalDateTime.now().format(DateTimeFormatter
                .ofPattern("yyyy-MM-dd HH:mm"))).append("\n\n");
        b.append("Machine: ").append(Machine.describe()).append(". Everything co-located: Kafka, the registry, ")
                .append("ClickHouse (at nice 10 in a session of its own when the local platform started it), the ")
                .append("load generator, the gateway and the risk engine (a Flink mini-cluster) in ")
                .append("one process, the ClickHouse sink ").append(s.sink() ? "in a process of its own at a lower CPU "
                        + "priority (nice 10)" : "not running (`--sink=false`: the enforcement path alone)")
                .append(".\n\n");
        b.append("Load: gateway-shaped events onto `conn.events` with the gateway's producer settings (").append(
                        String.format(Locale.ROOT, "%,d", s.users())).append(" users on their usual services, an ")
                .append("OPEN and a CLOSE per visit) plus ").append((int) s.triggers()).append(" port scans a ")
                .append("second from fresh addresses; each scan's BLOCK is one loop measurement: the 15th probe's ")
                .append("event time → the gateway's ack. Steps of ").append(s.stepSeconds())
                .append(" s after a minute of warm-up; a stage keeps up when its lag (the risk engine: records its ")
                .append("Kafka readers have not read; the sink: events not in ClickHouse yet) grows by less than one ")
                .append("second of load over the step's last three quarters and ends less than two (the risk engine) ")
                .append("or five (the sink, whose rows land in batches every 5 s) seconds of load behind. ")
                .append("Each latency step (50 %, 80 %, 10,000) starts once every stage has caught up and ")
                .append("ClickHouse has merged the previous step's parts.\n\n");
        String prose = b.toString();
        b.setLength(0);
        for (String paragraph : prose.split("\n\n")) {
            b.append(paragraph.startsWith("<!--") || paragraph.startsWith("#") ? paragraph : wrap(paragraph, 120))
                    .append("\n\n");
        }
        b.append("| step | offered events/s | achieved | risk lag growth | sink lag growth | keeps up | loop p50 / "
                + "p95 / p99 (measured of scans) | event → issued p50 / p95 / p99 |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Step st : ladder) {
            row(b, st);
        }
        for (Step st : latency) {
            row(b, st);
        }
        b.append(String.format(Locale.ROOT, "%n**Highest rate with flat lag: %,d events/s** (target ≥ 20,000).",
                highest));
        Step target = latency.get(latency.size() - 1);
        b.append(String.format(Locale.ROOT, " **Loop latency p99 at 10,000 events/s: %s** (target ≤ 100 ms).%n",
                target.loop().count() == 0 ? "not measured" : target.loop().p99() + " ms"));
        b.append(END).append('\n');
        return b.toString();
    }

    private static void row(StringBuilder b, Step s) {
        b.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,d | %,d | %s | %s | %s |%n", s.name(),
                s.offered(), s.achieved(), s.riskGrowth(), s.sinkGrowth(), s.flat() ? "yes" : "**no**", measured(s),
                ms(s.decide())));
    }

    /** Breaks {@code text} into lines of at most {@code width} characters at spaces. */
    static String wrap(String text, int width) {
        return WordUtils.wrap(text, width, "\n", false);
    }

    /** Replaces the previous results between the markers in {@code file}, or appends them. */
    static void record(Path file, String results) throws IOException {
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
        int a = text.indexOf(BEGIN);
        int z = text.indexOf(END);
        if (a >= 0 && z > a) {
            text = text.substring(0, a) + results + text.substring(z + END.length() + 1);
        } else {
            text = text.stripTrailing() + "\n\n## Closed loop at a ladder of rates: `./pipeline bench`\n\n" + results;
        }
        Files.writeString(file, text);
    }

    /** Merges ClickHouse is running now (0 when it cannot say). */
    private static int merges(String url) {
        try {
            return Integer.parseInt(ClickHouseHttp.query(url, "SELECT count() FROM system.merges").trim());
        } catch (IOException | RuntimeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private void stop() {
        for (AutoCloseable c : new AutoCloseable[] {load, monitor, collected, loop}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("bench: while stopping: " + e);
                }
            }
        }
        load = null;
        monitor = null;
        collected = null;
        loop = null;
    }
}
