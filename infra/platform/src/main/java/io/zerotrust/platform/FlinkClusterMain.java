package io.zerotrust.platform;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ./pipeline cluster up|down|status} and {@code ./pipeline deploy risk|analytics}: a Flink standalone session
 * cluster on this machine ({@link FlinkCluster}) and the project's jobs submitted to it, or to an existing cluster
 * ({@code --flink.rest=http://host:8081}).
 */
public final class FlinkClusterMain {

    /** The settings of the cluster commands with their defaults; flags {@code --key=value} or {@code ZT_KEY}. */
    private static final Map<String, String[]> KEYS = new LinkedHashMap<>();

    static {
        key("flink.dir", "var/flink", "the cluster's folder: configuration, logs, checkpoints, savepoints, HA data");
        key("flink.taskmanagers", "2", "TaskManager processes");
        key("flink.slots", "2", "task slots per TaskManager");
        key("flink.rest.port", "8082", "REST API and web UI port (8081 is the schema registry's)");
        key("flink.rpc.port", "6123", "JobManager RPC port");
        key("flink.zookeeper.port", "2181", "ZooKeeper port (with flink.ha=zookeeper)");
        key("flink.ha", "zookeeper", "zookeeper: a restarted JobManager recovers its jobs; none: it forgets them");
        key("flink.jobmanager.memory", "1024m", "JobManager process memory");
        key("flink.taskmanager.memory", "1600m", "memory of each TaskManager process");
        key("flink.rest", "", "deploy to / report on this existing cluster instead, e.g. http://flink-jm:8081");
        key("flink.jar", "stream-jobs/target/zt-stream-jobs-job.jar", "the jobs' jar (built by ./pipeline deploy)");
        key("platform.state", "var/platform/platform.state", "where ./pipeline up wrote the servers' addresses");
        key("startup.timeout.seconds", "120", "how long the cluster may take to start");
    }

    private static void key(String key, String value, String help) {
        KEYS.put(key, new String[] {value, help});
    }

    private record Job(String name, String mainClass, String checkpointKey, boolean clickhouse) {
    }

    private static final Map<String, Job> JOBS = Map.of(
            "risk", new Job("risk-engine", "io.zerotrust.jobs.risk.RiskJob", "risk.checkpoint.dir", false),
            "analytics", new Job("analytics-sink", "io.zerotrust.jobs.analytics.AnalyticsJob",
                    "analytics.checkpoint.dir", true));

    private FlinkClusterMain() {
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println(usage());
            System.exit(2);
        }
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(usage());
            return;
        }
        String command = args[0];
        List<String> flags = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        boolean upgrade = false;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--upgrade")) {
                upgrade = true;
            } else if (a.startsWith("--") && a.contains("=") && KEYS.containsKey(a.substring(2, a.indexOf('=')))) {
                flags.add(a);
            } else {
                rest.add(a);
            }
        }
        try {
            Map<String, String> s = settings(flags, System.getenv());
            int status = switch (command) {
                case "up" -> up(s, rest);
                case "down" -> down(s);
                case "status" -> status(s);
                case "deploy" -> deploy(s, rest, upgrade);
                default -> throw new PlatformException("unknown command '" + command + "'\n" + usage());
            };
            System.exit(status);
        } catch (PlatformException | IOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    static String usage() {
        StringBuilder b = new StringBuilder("usage: ./pipeline cluster up|down|status [--key=value ...]\n"
                + "       ./pipeline deploy risk|analytics [--upgrade] [--key=value ...] [job settings ...]\n"
                + "settings (flag --key=value or environment variable ZT_KEY):\n");
        KEYS.forEach((k, v) -> b.append(String.format("  --%-26s %s (default: %s)%n", k, v[1],
                v[0].isEmpty() ? "none" : v[0])));
        return b.toString();
    }

    static Map<String, String> settings(List<String> flags, Map<String, String> env) {
        Map<String, String> s = new LinkedHashMap<>();
        KEYS.forEach((k, v) -> s.put(k, env.getOrDefault(PlatformConfig.envName(k), v[0]).trim()));
        for (String f : flags) {
            s.put(f.substring(2, f.indexOf('=')), f.substring(f.indexOf('=') + 1).trim());
        }
        return s;
    }

    private static int number(Map<String, String> s, String key) {
        try {
            return Integer.parseInt(s.get(key));
        } catch (NumberFormatException e) {
            throw new PlatformException(key + " must be a whole number, not '" + s.get(key) + "' (--" + key + "=<n> or "
                    + PlatformConfig.envName(key) + "=<n>)");
        }
    }

    private static Path dir(Map<String, String> s) {
        return Path.of(s.get("flink.dir")).toAbsolutePath().normalize();
    }

    private static boolean alive(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid.trim())).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Map<String, String> runningState(Map<String, String> s) {
        Map<String, String> state = StateFile.read(dir(s).resolve("cluster.state"));
        return alive(state.getOrDefault("jobmanager.pid", "")) ? state : Map.of();
    }

    // --- commands --------------------------------------------------------------------------------------------------

    private static int up(Map<String, String> s, List<String> rest) throws IOException {
        if (!rest.isEmpty()) {
            throw new PlatformException("unknown setting " + rest.get(0) + "\n" + usage());
        }
        Map<String, String> running = runningState(s);
        if (!running.isEmpty()) {
            System.out.println("the Flink cluster is already running: " + running.get("rest.url"));
            return 0;
        }
        FlinkCluster.Settings settings = new FlinkCluster.Settings(dir(s), number(s, "flink.rest.port"),
                number(s, "flink.rpc.port"), number(s, "flink.zookeeper.port"), number(s, "flink.taskmanagers"),
                number(s, "flink.slots"), s.get("flink.jobmanager.memory"), s.get("flink.taskmanager.memory"),
                s.get("flink.ha"), Duration.ofSeconds(number(s, "startup.timeout.seconds")));
        long start = System.nanoTime();
        System.out.println("starting a Flink session cluster: a JobManager and " + settings.taskManagers()
                + " TaskManagers of " + settings.slots() + " slots" + (settings.ha().equals("zookeeper")
                ? ", with ZooKeeper for high availability" : "") + " ...");
        FlinkCluster cluster = FlinkCluster.start(settings);
        // The processes run in sessions of their own and outlive this command; ./pipeline cluster down stops them.
        System.out.printf("Flink cluster ready in %.1f s%n", (System.nanoTime() - start) / 1e9);
        System.out.println("  web UI and REST  " + cluster.restUrl());
        System.out.println("  JobManager       pid " + cluster.jobManager().pid() + ", log "
                + dir(s).resolve("log/flink-jobmanager.log"));
        for (int i = 0; i < cluster.taskManagers().size(); i++) {
            System.out.println("  TaskManager " + (i + 1) + "    pid " + cluster.taskManagers().get(i).pid() + ", log "
                    + dir(s).resolve("log/flink-taskmanager-" + (i + 1) + ".log"));
        }
        System.out.println("  configuration    " + cluster.confDir().resolve("config.yaml"));
        System.out.println("deploy the jobs with ./pipeline deploy risk and ./pipeline deploy analytics; stop it with "
                + "./pipeline cluster down");
        return 0;
    }

    private static int down(Map<String, String> s) {
        Path file = dir(s).resolve("cluster.state");
        Map<String, String> state = StateFile.read(file);
        if (state.isEmpty()) {
            System.out.println("no Flink cluster is running from " + dir(s));
            return 0;
        }
        List<ProcessHandle> processes = new ArrayList<>();
        for (String key : List.of("taskmanager.pids", "jobmanager.pid", "zookeeper.pid")) {
            for (String pid : state.getOrDefault(key, "").trim().split("\\s+")) {
                if (alive(pid)) {
                    processes.add(ProcessHandle.of(Long.parseLong(pid)).orElseThrow());
                }
            }
        }
        System.out.println("stopping the Flink cluster (" + processes.size() + " processes) ...");
        processes.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (ProcessHandle p : processes) {
            while (p.isAlive() && System.nanoTime() < deadline) {
                sleep(100);
            }
            if (p.isAlive()) {
                System.out.println("pid " + p.pid() + " did not stop within 30 s; killing it");
                p.destroyForcibly();
                while (p.isAlive()) {
                    sleep(100);
                }
            }
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new PlatformException("could not delete " + file + ": " + e.getMessage());
        }
        System.out.println("Flink cluster stopped (its checkpoints and savepoints stay in " + dir(s) + ")");
        return 0;
    }

    private static String restUrl(Map<String, String> s) {
        if (!s.get("flink.rest").isEmpty()) {
            return s.get("flink.rest").replaceAll("/+$", "");
        }
        Map<String, String> state = runningState(s);
        if (state.isEmpty()) {
            throw new PlatformException("no Flink cluster is running from " + dir(s) + ": start one with ./pipeline "
                    + "cluster up, or name an existing one with --flink.rest=http://<jobmanager>:<rest port>");
        }
        return state.get("rest.url");
    }

    private static int status(Map<String, String> s) throws IOException {
        String url;
        try {
            url = restUrl(s);
        } catch (PlatformException e) {
            System.out.println("not running");
            return 3;
        }
        JsonNode overview;
        try {
            overview = FlinkCluster.get(url, "/overview");
        } catch (IOException e) {
            System.out.println("the JobManager at " + url + " does not answer: " + e.getMessage());
            return 3;
        }
        System.out.println("Flink " + overview.path("flink-version").asText() + " at " + url + ": "
                + overview.path("taskmanagers").asInt() + " TaskManagers, " + overview.path("slots-available").asInt()
                + " of " + overview.path("slots-total").asInt() + " slots free");
        for (JsonNode tm : FlinkCluster.get(url, "/taskmanagers").path("taskmanagers")) {
            System.out.println("  " + tm.path("id").asText() + "  " + tm.path("freeSlots").asInt() + "/"
                    + tm.path("slotsNumber").asInt() + " slots free");
        }
        for (JsonNode job : FlinkCluster.get(url, "/jobs/overview").path("jobs")) {
            String id = job.path("jid").asText();
            String state = job.path("state").asText();
            System.out.println("  job " + job.path("name").asText() + "  " + state + "  " + id
                    + (state.equals("RUNNING") ? "  on " + String.join(", ", FlinkCluster.taskManagersOf(url, id)) : ""));
        }
        return 0;
    }

    private static int deploy(Map<String, String> s, List<String> rest, boolean upgrade) throws IOException {
        if (rest.isEmpty() || !JOBS.containsKey(rest.get(0))) {
            throw new PlatformException("deploy what? ./pipeline deploy risk|analytics [--upgrade] [settings]\n"
                    + usage());
        }
        Job job = JOBS.get(rest.get(0));
        List<String> jobArgs = new ArrayList<>(rest.subList(1, rest.size()));
        String url = restUrl(s);
        boolean local = s.get("flink.rest").isEmpty();
        Path jar = Path.of(s.get("flink.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new PlatformException("the jobs' jar " + jar + " is missing; build it: mvn -q -DskipTests package "
                    + "-pl stream-jobs -am (./pipeline deploy does)");
        }
        // the servers of ./pipeline up, unless the settings name others
        Map<String, String> platform = StateFile.read(Path.of(s.get("platform.state")));
        defaultArg(jobArgs, "kafka.bootstrap", platform.get("kafka.bootstrap"));
        defaultArg(jobArgs, "registry.url", platform.get("registry.url"));
        if (job.clickhouse()) {
            defaultArg(jobArgs, "clickhouse.url", platform.get("clickhouse.url"));
        }
        if (local) {
            defaultArg(jobArgs, job.checkpointKey(), dir(s).resolve("checkpoints").resolve(rest.get(0)).toString());
        }
        Path confDir = local ? Path.of(runningState(s).get("conf.dir")) : clientConf(s);

        String savepoint = null;
        Optional<String> active = FlinkCluster.activeJob(url, job.name());
        if (active.isPresent() && !upgrade) {
            throw new PlatformException(job.name() + " is already running on " + url + " as job " + active.get()
                    + ": ./pipeline deploy " + rest.get(0) + " --upgrade replaces it through a savepoint");
        }
        if (active.isPresent()) {
            System.out.println("stopping " + job.name() + " (" + active.get() + ") with a savepoint ...");
            savepoint = FlinkCluster.stopWithSavepoint(confDir, url, active.get(), dir(s).resolve("savepoints"));
            System.out.println("savepoint " + savepoint);
        } else if (upgrade) {
            System.out.println(job.name() + " is not running on " + url + "; starting it without a savepoint");
        }
        System.out.println("submitting " + job.name() + " to " + url + (savepoint != null ? " from the savepoint" : "")
                + " ...");
        String id = FlinkCluster.submit(confDir, url, jar, job.mainClass(), jobArgs, savepoint);
        String state = FlinkCluster.awaitRunning(url, id, Duration.ofSeconds(90));
        if (!state.equals("RUNNING")) {
            throw new PlatformException(job.name() + " (" + id + ") is " + state + ", not RUNNING; see "
                    + url + "/#/job/" + id + "/exceptions" + (local ? " and " + dir(s).resolve("log") : ""));
        }
        System.out.println(job.name() + " RUNNING as job " + id + " on " + String.join(", ", FlinkCluster.taskManagersOf(url, id)));
        System.out.println("  " + url + "/#/job/running/" + id + "/overview");
        return 0;
    }

    private static void defaultArg(List<String> args, String key, String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        for (String a : args) {
            if (a.startsWith("--" + key + "=")) {
                return;
            }
        }
        args.add("--" + key + "=" + value);
    }

    /** A configuration folder for the CLI talking to a cluster it did not start: logging only. */
    private static Path clientConf(Map<String, String> s) throws IOException {
        Path conf = dir(s).resolve("client-conf");
        Files.createDirectories(conf);
        Files.createDirectories(dir(s).resolve("log"));
        Files.writeString(conf.resolve("config.yaml"), "# the Flink CLI's own settings; the cluster is --flink.rest\n");
        Files.writeString(conf.resolve("log4j.properties"), "rootLogger.level = INFO\n"
                + "rootLogger.appenderRef.file.ref = F\nappender.f.name = F\nappender.f.type = File\n"
                + "appender.f.fileName = ${sys:log.file}\nappender.f.layout.type = PatternLayout\n"
                + "appender.f.layout.pattern = %d %-5p %c - %m%n\n");
        return conf;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted");
        }
    }
}
