package io.zerotrust.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code ./pipeline bench-console}: the console's page load, its first live update, and whether the live view holds
 * a stream of decisions, measured in headless chromium ({@code browser-tests/bench.mjs}) against a console started
 * here, in this process, on a running platform.
 *
 * <p>It creates a users file with one admin whose password is random, starts a {@link Console} on a free loopback
 * port, and runs the browser script. The script signs in, loads the live view on fresh pages (page load, first
 * {@code stats} value, live status connected), then opens one page, installs its counters and prints
 * {@code watching}. Only then does this class publish {@code EnforcementDecision}s (issuer ENGINE, mode SHADOW, so
 * nothing enforces them; entity {@code user:bench-<n>}; decision id {@code bench-<run>-<seq>-<publish ms>}) to
 * {@code enforcement.decisions} at a paced rate for a bounded time, then tells the script how many it published
 * (a line on its standard input). The script counts the decisions the page renders and their lag (render time minus
 * publish time); this class also records when each reached the console's live feed (a listener beside the pages'),
 * and the CPU time of the feed's thread, which sends every update to every page.
 *
 * <p>Exit status: 0 when measured (whatever the verdict), 1 when the measurement failed, 2 for a bad option, 3 when
 * the browser toolchain is missing.
 */
public final class ConsoleBench {

    static final int MAX_RATE = 10_000;
    static final int MAX_SECONDS = 120;
    static final int MIN_SECONDS = 10;
    /** The live view holds the rate when the last 5 s of decisions reach the page within this p99 ... */
    static final long HELD_P99_MS = 1_000;
    /** ... and at least this share of the decisions published is rendered. */
    static final double HELD_SHARE = 0.99;
    /** The first live update's target. */
    static final long FIRST_UPDATE_TARGET_MS = 1_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("\"id\":\"(bench-[a-z0-9]+-)\\d+-(\\d+)\"");

    private ConsoleBench() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Map<String, String> o = new LinkedHashMap<>();
        o.put("kafka.bootstrap", "127.0.0.1:9092");
        o.put("registry.url", "http://127.0.0.1:8081");
        o.put("clickhouse.url", "http://127.0.0.1:8123");
        o.put("rate", "1000");
        o.put("seconds", "20");
        o.put("pages", "5");
        o.put("browser-tests", Files.isDirectory(Path.of("dashboards/console/browser-tests"))
                ? "dashboards/console/browser-tests" : "browser-tests");
        for (String a : args) {
            int eq = a.indexOf('=');
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(usage());
                return;
            }
            if (!a.startsWith("--") || eq < 3 || !o.containsKey(a.substring(2, eq))) {
                System.err.println("bench-console: unknown option '" + a + "'\n" + usage());
                System.exit(2);
            }
            o.put(a.substring(2, eq), a.substring(eq + 1).trim());
        }
        int rate;
        int seconds;
        int pages;
        try {
            rate = bounded(o, "rate", 1, MAX_RATE);
            seconds = bounded(o, "seconds", MIN_SECONDS, MAX_SECONDS);
            pages = bounded(o, "pages", 1, 20);
        } catch (IllegalArgumentException e) {
            System.err.println("bench-console: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path tests = Path.of(o.get("browser-tests")).toAbsolutePath();
        String missing = missingToolchain(tests);
        if (missing != null) {
            System.err.println("bench-console: " + missing + "; run ./pipeline browser-check, which installs "
                    + "Debian's chromium and the pinned npm playwright-core");
            System.exit(3);
        }
        try {
            System.exit(run(o, rate, seconds, pages, tests));
        } catch (Exception e) {
            System.err.println("bench-console: the measurement failed: " + e);
            System.exit(1);
        }
    }

    static String usage() {
        return "usage: ./pipeline bench-console [--rate=1000] [--seconds=20] [--pages=5]\n"
                + "  --rate     decisions published per second while the page watches (1-" + MAX_RATE + ")\n"
                + "  --seconds  how long they are published (" + MIN_SECONDS + "-" + MAX_SECONDS + ")\n"
                + "  --pages    fresh page loads measured before that (1-20)\n"
                + "  --kafka.bootstrap / --registry.url / --clickhouse.url   the platform (./pipeline up)";
    }

    private static int bounded(Map<String, String> o, String key, int min, int max) {
        try {
            int n = Integer.parseInt(o.get(key));
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("--" + key + " must be a whole number from " + min + " to " + max
                + ", got '" + o.get(key) + "'");
    }

    /** What of the browser toolchain is missing, or null. */
    static String missingToolchain(Path tests) {
        String chromium = System.getenv().getOrDefault("ZT_CHROMIUM", "/usr/bin/chromium");
        if (!Files.isExecutable(Path.of(chromium))) {
            return "chromium (" + chromium + ") is not installed";
        }
        if (!Files.isRegularFile(tests.resolve("bench.mjs"))) {
            return "the browser script " + tests.resolve("bench.mjs") + " is missing";
        }
        if (!Files.isDirectory(tests.resolve("node_modules/playwright-core"))) {
            return "npm playwright-core is not installed in " + tests.resolve("node_modules");
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "node does not run";
            }
        } catch (IOException | InterruptedException e) {
            return "node (Node.js 20 or newer) is not installed";
        }
        return null;
    }

    /** What the console's live feed saw of this run's decisions, on the feed's own thread. */
    static final class FeedProbe implements Consumer<LiveFeed.Update> {
        final String prefix;
        final long[] lags;
        final AtomicLong seen = new AtomicLong();

        FeedProbe(String prefix, int capacity) {
            this.prefix = prefix;
            this.lags = new long[capacity];
        }

        @Override
        public void accept(LiveFeed.Update u) {
            if (!u.kind().equals("decision") || !u.json().contains(prefix)) {
                return;
            }
            Matcher m = ID.matcher(u.json());
            if (m.find() && m.group(1).equals(prefix)) {
                long lag = System.currentTimeMillis() - Long.parseLong(m.group(2));
                long i = seen.getAndIncrement();
                if (i < lags.length) {
                    lags[(int) i] = lag;
                }
            }
        }

        long[] sorted() {
            long[] s = Arrays.copyOf(lags, (int) Math.min(seen.get(), lags.length));
            Arrays.sort(s);
            return s;
        }
    }

    static int run(Map<String, String> o, int rate, int seconds, int pages, Path tests) throws Exception {
        Path dir = Files.createTempDirectory("zt-console-bench");
        SecureRandom random = new SecureRandom();
        byte[] secret = new byte[18];
        random.nextBytes(secret);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String run = Long.toString(System.currentTimeMillis(), 36);
        String prefix = "bench-" + run + "-";
        int expected = rate * seconds;
        System.out.printf(Locale.ROOT, "bench-console: %d decisions/s for %d s (%,d) after %d page loads; "
                + "Kafka %s, registry %s%n", rate, seconds, expected, pages, o.get("kafka.bootstrap"),
                o.get("registry.url"));
        Users.load(dir.resolve("users.json")).put("bench", Role.ADMIN, password.toCharArray());
        Map<String, String> settings = Map.of("console.host", "127.0.0.1", "console.port", "0",
                "console.users.file", dir.resolve("users.json").toString(),
                "console.audit.file", dir.resolve("audit.jsonl").toString(),
                "kafka.bootstrap", o.get("kafka.bootstrap"), "registry.url", o.get("registry.url"),
                "clickhouse.url", o.get("clickhouse.url"));
        Process node = null;
        try (Console console = Console.start(ConsoleSettings.of(settings));
             KafkaProducer<String, EnforcementDecision> producer = producer(o)) {
            System.out.println("bench-console: console on " + console.url());
            FeedProbe probe = new FeedProbe(prefix, expected);
            console.feed().subscribe(probe);
            ProcessBuilder pb = new ProcessBuilder("node", "bench.mjs").directory(tests.toFile())
                    .redirectErrorStream(true);
            pb.environment().put("ZT_CONSOLE_URL", console.url());
            pb.environment().put("ZT_BENCH_USER", "bench");
            pb.environment().put("ZT_BENCH_PASSWORD", password);
            pb.environment().put("ZT_BENCH_RATE", Integer.toString(rate));
            pb.environment().put("ZT_BENCH_SECONDS", Integer.toString(seconds));
            pb.environment().put("ZT_BENCH_PAGES", Integer.toString(pages));
            pb.environment().put("ZT_BENCH_PREFIX", prefix);
            pb.environment().putIfAbsent("ZT_BROWSER_TIMEOUT", "15000");
            node = pb.start();
            OutputStream toNode = node.getOutputStream();
            Publisher publisher = null;
            JsonNode result = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180L + 2L * seconds + 10L * pages);
            Process nodeProcess = node;
            Thread watchdog = new Thread(() -> {
                while (nodeProcess.isAlive() && System.nanoTime() < deadline) {
                    sleep(500);
                }
                if (nodeProcess.isAlive()) {
                    System.err.println("bench-console: the browser script did not finish in time; stopping it");
                    nodeProcess.destroyForcibly();
                }
            }, "bench-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("BENCH_JSON ")) {
                        result = JSON.readTree(line.substring("BENCH_JSON ".length()));
                        continue;
                    }
                    System.out.println("[browser] " + line);
                    if (line.startsWith("watching") && publisher == null) {
                        publisher = new Publisher(producer, prefix, rate, seconds, toNode, probe);
                        publisher.start();
                    }
                }
            }
            int status = node.waitFor();
            if (publisher != null) {
                publisher.join();
            }
            if (status != 0 || result == null) {
                System.err.println("bench-console: the browser script failed (exit " + status + ")");
                return 1;
            }
            summary(result, publisher, probe, rate, seconds);
            return 0;
        } finally {
            if (node != null && node.isAlive()) {
                node.destroyForcibly();
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static KafkaProducer<String, EnforcementDecision> producer(Map<String, String> o) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.get("kafka.bootstrap"));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "zt-console-bench");
        RegistryClient registry = RegistryClient.connect(o.get("registry.url"));
        return new KafkaProducer<>(p, Topics.ENFORCEMENT_DECISIONS.keySerde().serializer(),
                Topics.ENFORCEMENT_DECISIONS.valueSerde(registry).serializer());
    }

    /** Publishes {@code rate} decisions a second for {@code seconds}, paced, then tells the browser script. */
    static final class Publisher extends Thread {
        private final KafkaProducer<String, EnforcementDecision> producer;
        private final String prefix;
        private final int rate;
        private final int seconds;
        private final OutputStream toNode;
        private final Thread feedThread;
        private final FeedProbe probe;
        /** Each second of publishing: decisions that reached the feed, and the feed thread's CPU (ms). */
        final List<long[]> perSecond = new ArrayList<>();
        final AtomicLong failed = new AtomicLong();
        final long[] ackLags;
        final AtomicLong acked = new AtomicLong();
        volatile Map<String, Long> cpuByProcess = Map.of();
        volatile long machineBusyPermille = -1;
        volatile long published;
        volatile long firstMs;
        volatile long lastMs;
        volatile long behindMax; // the most decisions the pacing was behind its schedule
        volatile long feedCpuNanos = -1;
        volatile long processCpuNanos = -1;
        volatile long wallNanos;

        Publisher(KafkaProducer<String, EnforcementDecision> producer, String prefix, int rate, int seconds,
                  OutputStream toNode, FeedProbe probe) {
            super("bench-publisher");
            this.producer = producer;
            this.prefix = prefix;
            this.rate = rate;
            this.seconds = seconds;
            this.toNode = toNode;
            this.probe = probe;
            this.feedThread = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("console-live-feed")).findFirst().orElse(null);
            this.ackLags = new long[rate * seconds];
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                publish();
            } catch (RuntimeException | Error e) {
                System.err.println("bench-console: publishing failed: " + e);
                try {
                    toNode.write(("failed " + e + "\n").getBytes(StandardCharsets.UTF_8));
                    toNode.flush();
                } catch (IOException ignored) {
                    // the script gives up on its own
                }
            }
        }

        private void publish() {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            com.sun.management.OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(
                    com.sun.management.OperatingSystemMXBean.class);
            long feedCpu0 = feedThread == null ? -1 : mx.getThreadCpuTime(feedThread.getId());
            long cpu0 = os.getProcessCpuTime();
            Map<Long, Long> cpuBefore = cpuByPid();
            long[] stat0 = machineCpu();
            long total = (long) rate * seconds;
            long start = System.nanoTime();
            long seq = 0;
            long nextSample = start + 1_000_000_000L;
            long seenBefore = probe.seen.get();
            long feedCpuBefore = feedCpu0;
            long maxBehind = 0;
            while (seq < total) {
                long due = Math.min(total, (System.nanoTime() - start) * rate / 1_000_000_000L + 1);
                maxBehind = Math.max(maxBehind, due - seq);
                while (seq < due) {
                    long now = System.currentTimeMillis();
                    if (seq == 0) {
                        firstMs = now;
                    }
                    String entity = "user:bench-" + (seq % 1000);
                    EnforcementDecision d = EnforcementDecision.newBuilder()
                            .setDecisionId(prefix + seq + "-" + now)
                            .setEntity(entity).setEntityType(EntityType.USER).setAction(Action.BLOCK)
                            .setMode(DecisionMode.SHADOW).setIssuer(DecisionIssuer.ENGINE)
                            .setIssuedBy("console benchmark").setIssuedAt(now).setExpiresAt(now + 60_000)
                            .setPolicyVersion("bench").setRuleId("console-bench")
                            .setSummary("console benchmark decision " + seq + " (shadow: never enforced)")
                            .setReasons(List.of())
                            .build();
                    producer.send(new ProducerRecord<>(Topics.ENFORCEMENT_DECISIONS.name(), entity, d),
                            (md, e) -> {
                                if (e != null) {
                                    failed.incrementAndGet();
                                } else {
                                    long i = acked.getAndIncrement();
                                    if (i < ackLags.length) {
                                        ackLags[(int) i] = System.currentTimeMillis() - now;
                                    }
                                }
                            });
                    lastMs = now;
                    seq++;
                }
                if (System.nanoTime() >= nextSample) {
                    nextSample += 1_000_000_000L;
                    long seen = probe.seen.get();
                    long cpu = feedThread == null ? 0 : mx.getThreadCpuTime(feedThread.getId());
                    perSecond.add(new long[] {seen - seenBefore, (cpu - feedCpuBefore) / 1_000_000});
                    seenBefore = seen;
                    feedCpuBefore = cpu;
                }
                LockSupport.parkNanos(500_000);
            }
            producer.flush();
            published = seq - failed.get();
            behindMax = maxBehind;
            // the CPU each part used while publishing (the browser exits soon after it hears the count)
            wallNanos = System.nanoTime() - start;
            if (feedThread != null) {
                feedCpuNanos = mx.getThreadCpuTime(feedThread.getId()) - feedCpu0;
            }
            processCpuNanos = os.getProcessCpuTime() - cpu0;
            long[] stat1 = machineCpu();
            if (stat0 != null && stat1 != null && stat1[1] > stat0[1]) {
                machineBusyPermille = 1000 * (stat1[0] - stat0[0]) / (stat1[1] - stat0[1]);
            }
            java.util.Set<Long> browser = new java.util.HashSet<>();
            ProcessHandle.current().descendants().forEach(p -> browser.add(p.pid()));
            cpuByProcess = cpuUsed(cpuBefore, cpuByPid(), browser);
            try {
                toNode.write(("published " + published + " " + firstMs + " " + lastMs + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                toNode.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        long[] sortedAckLags() {
            long[] a = Arrays.copyOf(ackLags, (int) Math.min(acked.get(), ackLags.length));
            Arrays.sort(a);
            return a;
        }
    }

    /** CPU time (ns) used so far by each process of this machine. */
    static Map<Long, Long> cpuByPid() {
        Map<Long, Long> m = new LinkedHashMap<>();
        ProcessHandle.allProcesses().forEach(p -> p.info().totalCpuDuration()
                .ifPresent(d -> m.put(p.pid(), d.toNanos())));
        return m;
    }

    /**
     * The CPU time each group of processes used between two snapshots: this JVM, the browser it started (node and
     * chromium), and every other process of the machine (the platform, and whatever else runs). A process that
     * ended between them is not counted.
     */
    static Map<String, Long> cpuUsed(Map<Long, Long> before, Map<Long, Long> after, java.util.Set<Long> browser) {
        Map<String, Long> m = new LinkedHashMap<>();
        long self = ProcessHandle.current().pid();
        after.forEach((pid, cpu) -> {
            String group = pid == self ? "this JVM (console, publisher)"
                    : browser.contains(pid) ? "the browser (node, chromium)" : "every other process";
            m.merge(group, cpu - before.getOrDefault(pid, 0L), Long::sum);
        });
        return m;
    }

    /** {busy, total} jiffies of all CPUs from /proc/stat, or null. */
    static long[] machineCpu() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void summary(JsonNode r, Publisher pub, FeedProbe probe, int rate, int seconds) {
        List<JsonNode> loads = new ArrayList<>();
        r.path("loads").forEach(loads::add);
        double load = median(loads, "loadMs");
        double firstStats = median(loads, "firstStatsMs");
        double connected = median(loads, "connectedMs");
        JsonNode w = r.path("watch");
        long published = pub == null ? 0 : pub.published;
        long rendered = w.path("rendered").asLong();
        double share = published == 0 ? 0 : (double) rendered / published;
        double lastP99 = w.path("lagLast5s").path("p99").asDouble(Double.NaN);
        boolean held = published > 0 && share >= HELD_SHARE && lastP99 < HELD_P99_MS;
        long[] feed = probe.sorted();
        StringBuilder s = new StringBuilder("\n== console benchmark ==\n");
        s.append(String.format(Locale.ROOT, "page load (navigation start to load event), median of %d: %.0f ms "
                + "(%s)%n", loads.size(), load, list(loads, "loadMs")));
        s.append(String.format(Locale.ROOT, "first live update (navigation start to the first stats value shown), "
                + "median: %.0f ms (%s); target under %d ms: %s%n", firstStats, list(loads, "firstStatsMs"),
                FIRST_UPDATE_TARGET_MS, firstStats < FIRST_UPDATE_TARGET_MS ? "met" : "NOT met"));
        s.append(String.format(Locale.ROOT, "live status connected, median: %.0f ms (%s)%n", connected,
                list(loads, "connectedMs")));
        s.append(String.format(Locale.ROOT, "published %,d decisions at %d/s for %d s (pacing at most %d behind "
                + "schedule; %d failed)%n", published, rate, seconds, pub == null ? 0 : pub.behindMax,
                pub == null ? 0 : pub.failed.get()));
        long[] acks = pub == null ? new long[0] : pub.sortedAckLags();
        s.append(String.format(Locale.ROOT, "acknowledged by Kafka: lag publish -> ack p50 %d ms, p99 %d ms, max %d ms%n",
                pct(acks, 0.50), pct(acks, 0.99), pct(acks, 1.0)));
        s.append(String.format(Locale.ROOT, "reached the console's feed: %,d; lag publish -> feed p50 %d ms, p99 "
                + "%d ms, max %d ms%n", probe.seen.get(), pct(feed, 0.50), pct(feed, 0.99), pct(feed, 1.0)));
        s.append(String.format(Locale.ROOT, "rendered in the page: %,d (%.2f %%; %,d not rendered)%n", rendered,
                100 * share, Math.max(0, published - rendered)));
        s.append(String.format(Locale.ROOT, "lag publish -> rendered: p50 %s ms, p99 %s ms, max %s ms; first 5 s "
                + "p99 %s ms, last 5 s p99 %s ms%n", w.path("lag").path("p50").asText(),
                w.path("lag").path("p99").asText(), w.path("lag").path("max").asText(),
                w.path("lagFirst5s").path("p99").asText(), w.path("lagLast5s").path("p99").asText()));
        if (pub != null) {
            s.append("reached the feed per second: ").append(String.join(",", pub.perSecond.stream()
                    .map(x -> Long.toString(x[0])).toList())).append("; the feed thread's CPU per second (ms): ")
                    .append(String.join(",", pub.perSecond.stream().map(x -> Long.toString(x[1])).toList()))
                    .append('\n');
        }
        s.append("rendered per second: ").append(w.path("perSecond")).append('\n');
        if (pub != null && pub.wallNanos > 0) {
            s.append(String.format(Locale.ROOT, "CPU over the %.1f s of publishing: the console's "
                    + "feed thread (Kafka poll, JSON, every page's SSE write) %.0f %% of a core; this JVM "
                    + "(console, publisher) %.0f %%%n", pub.wallNanos / 1e9,
                    100.0 * pub.feedCpuNanos / pub.wallNanos, 100.0 * pub.processCpuNanos / pub.wallNanos));
            s.append(String.format(Locale.ROOT, "the machine (%d cores) was %.0f %% busy; %% of a core by process: %s%n",
                    Runtime.getRuntime().availableProcessors(), pub.machineBusyPermille / 10.0,
                    String.join(", ", pub.cpuByProcess.entrySet().stream()
                            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                            .map(e -> String.format(Locale.ROOT, "%s %.0f", e.getKey(), 100.0 * e.getValue()
                                    / pub.wallNanos)).toList())));
        }
        JsonNode m = w.path("renderer");
        if (!m.isMissingNode()) {
            s.append(String.format(Locale.ROOT, "the page's main thread over the run: tasks %.0f ms of %.0f ms "
                    + "(script %.0f, layout %.0f, style %.0f); long tasks (> 50 ms) %d%n",
                    m.path("taskMs").asDouble(), m.path("wallMs").asDouble(), m.path("scriptMs").asDouble(),
                    m.path("layoutMs").asDouble(), m.path("styleMs").asDouble(), w.path("longTasks").asInt()));
        }
        s.append(String.format(Locale.ROOT, "verdict at %d decisions/s: %s (rule: last 5 s p99 lag under %d ms "
                + "and at least %.0f %% rendered)%n", rate, held ? "HELD" : "FELL BEHIND", HELD_P99_MS,
                100 * HELD_SHARE));
        System.out.print(s);
        System.out.println("BENCH_RESULT " + JSON.createObjectNode().put("rate", rate).put("seconds", seconds)
                .put("pageLoadMedianMs", load).put("firstUpdateMedianMs", firstStats)
                .put("connectedMedianMs", connected).put("published", published).put("rendered", rendered)
                .put("ackLagP50Ms", pct(acks, 0.5)).put("ackLagP99Ms", pct(acks, 0.99))
                .put("feedSeen", probe.seen.get()).put("feedLagP50Ms", pct(feed, 0.5))
                .put("feedLagP99Ms", pct(feed, 0.99)).put("lagP50Ms", w.path("lag").path("p50").asDouble())
                .put("lagP99Ms", w.path("lag").path("p99").asDouble())
                .put("lagMaxMs", w.path("lag").path("max").asDouble())
                .put("lagFirst5sP99Ms", w.path("lagFirst5s").path("p99").asDouble())
                .put("lagLast5sP99Ms", lastP99)
                .put("feedThreadCpu", pub == null || pub.wallNanos == 0 ? -1
                        : Math.round(1000.0 * pub.feedCpuNanos / pub.wallNanos) / 1000.0)
                .put("held", held));
    }

    private static double median(List<JsonNode> xs, String field) {
        double[] v = xs.stream().mapToDouble(x -> x.path(field).asDouble()).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String list(List<JsonNode> xs, String field) {
        return String.join(", ", xs.stream().map(x -> String.format(Locale.ROOT, "%.0f", x.path(field).asDouble()))
                .toList());
    }

    /** The nearest-rank percentile of sorted values; -1 when there are none. */
    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
