package io.zerotrust.platform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Flink standalone session cluster on this machine: a JobManager ({@code StandaloneSessionClusterEntrypoint}), a
 * number of TaskManagers ({@code TaskManagerRunner}) and, for high availability, a ZooKeeper
 * ({@code FlinkZooKeeperQuorumPeer}), each in its own JVM, as a Flink distribution's scripts start them. The
 * classpath is the "lib" folder a distribution would have, assembled by Maven from Flink's own artifacts (resource
 * {@code zt/flink-runtime.classpath} of module {@code zt-flink-runtime}); the JVMs' memory options are computed by
 * Flink's own {@code BashJavaUtils} from the generated {@code conf/config.yaml}, as {@code taskmanager.sh} does.
 *
 * <p>Layout under the cluster folder: {@code conf/} (config.yaml, log4j.properties, zoo.cfg), {@code log/} (one log
 * and one .out file per process), {@code checkpoints/}, {@code savepoints/}, {@code ha/}, {@code zookeeper/} and
 * {@code cluster.state} (REST address and process ids, read by {@code ./pipeline cluster down|status|deploy}).
 *
 * <p>The processes are started in sessions of their own and outlive the JVM that starts them; {@link #close()} (or
 * {@code ./pipeline cluster down}) stops them. Every server binds 127.0.0.1 only.
 */
public final class FlinkCluster implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FlinkCluster.class.getName());

    public static final String JOBMANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    public static final String TASKMANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    public static final String ZOOKEEPER_MAIN = "org.apache.flink.runtime.zookeeper.FlinkZooKeeperQuorumPeer";
    public static final String CLI_MAIN = "org.apache.flink.client.cli.CliFrontend";
    private static final String MEMORY_UTILS = "org.apache.flink.runtime.util.bash.BashJavaUtils";

    /** What Flink's distribution passes every JVM on Java 17 ({@code env.java.default-opts.all}). */
    static final List<String> JAVA_MODULE_OPTIONS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * The cluster's shape. Memory sizes are Flink's ({@code 1600m}); {@code ha} is {@code zookeeper} (a ZooKeeper
     * JVM on {@code zookeeperPort}: a restarted JobManager recovers its jobs from their latest checkpoint) or
     * {@code none}.
     */
    public record Settings(Path dir, int restPort, int rpcPort, int zookeeperPort, int taskManagers, int slots,
                           String jobManagerMemory, String taskManagerMemory, String ha, Duration timeout) {
        public Settings {
            if (taskManagers < 1 || taskManagers > 8) {
                throw new PlatformException("flink.taskmanagers must be between 1 and 8, not " + taskManagers);
            }
            if (slots < 1 || slots > 16) {
                throw new PlatformException("flink.slots must be between 1 and 16, not " + slots);
            }
            if (!ha.equals("zookeeper") && !ha.equals("none")) {
                throw new PlatformException("flink.ha must be zookeeper or none, not '" + ha + "'");
            }
            dir = dir.toAbsolutePath().normalize();
        }

        /** Settings for a test: free ports, {@code n} TaskManagers of {@code slots} slots, ZooKeeper HA. */
        public static Settings forTest(Path dir, int n, int slots) {
            return new Settings(dir, PortCheck.freePort(), PortCheck.freePort(), PortCheck.freePort(), n, slots,
                    "1024m", "1400m", "zookeeper", Duration.ofSeconds(120));
        }
    }

    private final Settings settings;
    private final List<String> classpath;
    private final Path conf;
    private final Path logs;
    private Process zookeeper;
    private Process jobManager;
    private final List<Process> taskManagers = new ArrayList<>();

    private FlinkCluster(Settings settings, List<String> classpath) {
        this.settings = settings;
        this.classpath = classpath;
        this.conf = settings.dir().resolve("conf");
        this.logs = settings.dir().resolve("log");
    }

    /**
     * Writes the configuration, starts ZooKeeper (with HA), the JobManager and the TaskManagers, and returns once
     * the REST API reports every TaskManager registered; stops whatever it started when that fails.
     */
    public static FlinkCluster start(Settings settings) throws IOException {
        FlinkCluster cluster = new FlinkCluster(settings, runtimeClasspath());
        try {
            cluster.startAll();
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void startAll() throws IOException {
        PortCheck.requireFree("flink.rest.port", "Flink REST and web UI", settings.restPort());
        PortCheck.requireFree("flink.rpc.port", "Flink JobManager RPC", settings.rpcPort());
        if (ha()) {
            PortCheck.requireFree("flink.zookeeper.port", "ZooKeeper for Flink HA", settings.zookeeperPort());
        }
        Files.createDirectories(conf);
        Files.createDirectories(logs);
        for (String sub : List.of("checkpoints", "savepoints", "ha", "zookeeper", "tmp")) {
            Files.createDirectories(settings.dir().resolve(sub));
        }
        Files.writeString(conf.resolve("config.yaml"), configYaml());
        Files.writeString(conf.resolve("log4j.properties"), LOG4J);
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        if (ha()) {
            Files.writeString(conf.resolve("zoo.cfg"), zooCfg());
            zookeeper = launch("zookeeper", ZOOKEEPER_MAIN, List.of("-Xms64m", "-Xmx256m"),
                    List.of("--zkConfigFile", conf.resolve("zoo.cfg").toString(), "--peerId", "1"));
            awaitPort(zookeeper, "ZooKeeper", settings.zookeeperPort(), deadline);
        }
        startJobManager();
        awaitRest(deadline);
        for (int i = 1; i <= settings.taskManagers(); i++) {
            taskManagers.add(launchTaskManager(i));
        }
        awaitTaskManagers(settings.taskManagers(), deadline);
        writeState();
    }

    /** The REST and web UI address, e.g. {@code http://127.0.0.1:8082}. */
    public String restUrl() {
        return "http://" + PlatformConfig.HOST + ":" + settings.restPort();
    }

    public Settings settings() {
        return settings;
    }

    /** The folder of the generated config.yaml, for Flink's CLI ({@code FLINK_CONF_DIR}). */
    public Path confDir() {
        return conf;
    }

    public Process jobManager() {
        return jobManager;
    }

    public List<Process> taskManagers() {
        return List.copyOf(taskManagers);
    }

    /** Kills TaskManager {@code index} (0-based) with SIGKILL, as a crash would, and waits for it to be gone. */
    public void killTaskManager(int index) {
        kill(taskManagers.get(index));
    }

    /** Starts TaskManager {@code index} (0-based) again after it died; it registers with the JobManager. */
    public void restartTaskManager(int index) throws IOException {
        if (taskManagers.get(index).isAlive()) {
            throw new IllegalStateException("TaskManager " + (index + 1) + " is still running");
        }
        taskManagers.set(index, launchTaskManager(index + 1));
        writeState();
    }

    /** Kills the JobManager with SIGKILL and waits for it to be gone. */
    public void killJobManager() {
        kill(jobManager);
    }

    /** Starts the JobManager again; with HA it recovers the jobs it had from ZooKeeper and their checkpoints. */
    public void restartJobManager() throws IOException {
        if (jobManager.isAlive()) {
            throw new IllegalStateException("the JobManager is still running");
        }
        startJobManager();
        awaitRest(System.nanoTime() + settings.timeout().toNanos());
        writeState();
    }

    private static void kill(Process process) {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void startJobManager() throws IOException {
        List<String> memory = memoryOptions("GET_JM_RESOURCE_PARAMS");
        jobManager = launch("jobmanager", JOBMANAGER_MAIN, jvmOptions(memory.get(0)),
                concat(List.of("--configDir", conf.toString(), "--executionMode", "cluster"), dynamic(memory.get(1))));
    }

    private Process launchTaskManager(int number) throws IOException {
        List<String> memory = memoryOptions("GET_TM_RESOURCE_PARAMS");
        return launch("taskmanager-" + number, TASKMANAGER_MAIN, jvmOptions(memory.get(0)),
                concat(List.of("--configDir", conf.toString(),
                        "-D", "taskmanager.resource-id=taskmanager-" + number), dynamic(memory.get(1))));
    }

    private Process launch(String name, String main, List<String> jvm, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        ClickHouseServer.findExecutable("setsid", ClickHouseServer.pathDirectories())
                .ifPresent(setsid -> command.add(setsid.toString()));
        command.add(javaBinary());
        command.addAll(jvm);
        command.addAll(JAVA_MODULE_OPTIONS);
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-Dlog.file=" + logs.resolve("flink-" + name + ".log"));
        command.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
        command.add("-cp");
        command.add(String.join(java.io.File.pathSeparator, classpath));
        command.add(main);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("FLINK_CONF_DIR", conf.toString());
        return ChildProcesses.launch("Flink " + name, builder, settings.dir(), logs.resolve("flink-" + name + ".out"));
    }

    private static List<String> jvmOptions(String memory) {
        List<String> options = new ArrayList<>(Arrays.asList(memory.trim().split("\\s+")));
        // JIT and GC threads for a small machine the cluster shares with Kafka, ClickHouse and the gateway
        options.addAll(List.of("-XX:CICompilerCount=2", "-XX:ParallelGCThreads=2", "-XX:ConcGCThreads=1"));
        return options;
    }

    /** {@code -D key=value} pairs of BashJavaUtils' second line, as separate arguments. */
    private static List<String> dynamic(String line) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("-D\\s+(\\S+)").matcher(line);
        while (m.find()) {
            out.add("-D");
            out.add(m.group(1));
        }
        return out;
    }

    /** Flink's own computation of the JVM's memory flags and the matching dynamic settings, as its scripts use. */
    private List<String> memoryOptions(String what) throws IOException {
        List<String> command = List.of(javaBinary(), "-Xmx128m", "-cp", String.join(java.io.File.pathSeparator,
                classpath), MEMORY_UTILS, what, "--configDir", conf.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while computing the Flink memory settings");
        }
        List<String> results = out.lines().filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
                .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length())).toList();
        if (p.exitValue() != 0 || results.size() < 2) {
            throw new PlatformException("Flink could not size the " + (what.contains("TM") ? "TaskManager" : "JobManager")
                    + "'s memory from " + conf.resolve("config.yaml") + " (check flink.jobmanager.memory and "
                    + "flink.taskmanager.memory):\n" + out.lines().filter(l -> !l.startsWith("BASH_JAVA"))
                    .reduce("", (a, b) -> a + b + "\n"));
        }
        return results.subList(results.size() - 2, results.size());
    }

    String configYaml() {
        Path dir = settings.dir();
        StringBuilder y = new StringBuilder();
        y.append("# Generated by the platform's FlinkCluster on every start; edit the settings, not this file.\n");
        line(y, "jobmanager.rpc.address", PlatformConfig.HOST);
        line(y, "jobmanager.rpc.port", settings.rpcPort());
        line(y, "jobmanager.bind-host", PlatformConfig.HOST);
        line(y, "jobmanager.memory.process.size", settings.jobManagerMemory());
        line(y, "taskmanager.bind-host", PlatformConfig.HOST);
        line(y, "taskmanager.host", PlatformConfig.HOST);
        line(y, "taskmanager.numberOfTaskSlots", settings.slots());
        line(y, "taskmanager.memory.process.size", settings.taskManagerMemory());
        // the jobs keep most state on the heap; RocksDB (the sink's windows) needs little managed memory here
        line(y, "taskmanager.memory.managed.fraction", "0.2");
        line(y, "rest.address", PlatformConfig.HOST);
        line(y, "rest.bind-address", PlatformConfig.HOST);
        line(y, "rest.port", settings.restPort());
        line(y, "blob.server.port", "0");
        line(y, "parallelism.default", 1);
        // the slots of a job spread over the TaskManagers instead of filling the first one
        line(y, "taskmanager.load-balance.mode", "SLOTS");
        line(y, "execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        line(y, "execution.checkpointing.savepoint-dir", dir.resolve("savepoints").toUri().toString());
        line(y, "execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        line(y, "restart-strategy.type", "exponential-delay");
        line(y, "restart-strategy.exponential-delay.initial-backoff", "1 s");
        line(y, "restart-strategy.exponential-delay.max-backoff", "30 s");
        // a TaskManager killed with SIGKILL is noticed by its heartbeat: 10 s instead of 50 s
        line(y, "heartbeat.interval", "2000");
        line(y, "heartbeat.timeout", "10000");
        line(y, "io.tmp.dirs", dir.resolve("tmp").toString());
        line(y, "web.submit.enable", "true");
        line(y, "web.cancel.enable", "true");
        // the REST API's metric values are at most 1 s old instead of 10 s: the web UI, the demo's live view and
        // ./pipeline bench-cluster read them
        line(y, "metrics.fetcher.update-interval", "1000");
        line(y, "metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        line(y, "metrics.reporter.prom.port", "9250-9260");
        line(y, "metrics.reporter.prom.host", PlatformConfig.HOST);
        if (ha()) {
            line(y, "high-availability.type", "zookeeper");
            line(y, "high-availability.zookeeper.quorum", PlatformConfig.HOST + ":" + settings.zookeeperPort());
            line(y, "high-availability.storageDir", dir.resolve("ha").toUri().toString());
            line(y, "high-availability.cluster-id", "zt-local");
            // a JobManager that died is replaced once its ZooKeeper session expires: 10 s instead of 60 s
            line(y, "high-availability.zookeeper.client.session-timeout", "10000");
            line(y, "high-availability.zookeeper.client.connection-timeout", "5000");
        }
        return y.toString();
    }

    private static void line(StringBuilder y, String key, Object value) {
        y.append(key).append(": ").append(value).append('\n');
    }

    private String zooCfg() {
        return "tickTime=2000\ninitLimit=10\nsyncLimit=5\n"
                + "dataDir=" + settings.dir().resolve("zookeeper") + "\n"
                + "clientPort=" + settings.zookeeperPort() + "\n"
                + "clientPortAddress=" + PlatformConfig.HOST + "\n"
                + "admin.enableServer=false\n"
                + "4lw.commands.whitelist=ruok,srvr\n";
    }

    private static final String LOG4J = String.join("\n",
            "# one log file per process (-Dlog.file), as Flink's distribution writes them",
            "monitorInterval = 30",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = MainAppender",
            "logger.kafka.name = org.apache.kafka",
            "logger.kafka.level = WARN",
            "logger.zookeeper.name = org.apache.flink.shaded.zookeeper3",
            "logger.zookeeper.level = WARN",
            "appender.main.name = MainAppender",
            "appender.main.type = RollingFile",
            "appender.main.append = true",
            "appender.main.fileName = ${sys:log.file}",
            "appender.main.filePattern = ${sys:log.file}.%i",
            "appender.main.layout.type = PatternLayout",
            "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
            "appender.main.policies.type = Policies",
            "appender.main.policies.size.type = SizeBasedTriggeringPolicy",
            "appender.main.policies.size.size = 100MB",
            "appender.main.strategy.type = DefaultRolloverStrategy",
            "appender.main.strategy.max = 5",
            "");

    private boolean ha() {
        return settings.ha().equals("zookeeper");
    }

    private void awaitPort(Process process, String name, int port, long deadline) throws IOException {
        while (true) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(PlatformConfig.HOST, port), 500);
                return;
            } catch (IOException e) {
                checkAlive(process, name);
                pause(deadline, name + " did not listen on port " + port);
            }
        }
    }

    private void awaitRest(long deadline) throws IOException {
        while (true) {
            try {
                get(restUrl(), "/overview");
                return;
            } catch (IOException e) {
                checkAlive(jobManager, "the JobManager");
                pause(deadline, "the JobManager's REST API did not answer on " + restUrl());
            }
        }
    }

    /** Waits until at least {@code n} TaskManagers are registered. */
    public void awaitTaskManagers(int n, long deadline) throws IOException {
        while (true) {
            try {
                if (get(restUrl(), "/overview").path("taskmanagers").asInt() >= n) {
                    return;
                }
            } catch (IOException e) {
                // the JobManager is still starting
            }
            for (int i = 0; i < taskManagers.size(); i++) {
                checkAlive(taskManagers.get(i), "TaskManager " + (i + 1));
            }
            pause(deadline, n + " TaskManagers did not register with the JobManager");
        }
    }

    private void checkAlive(Process process, String name) {
        if (!process.isAlive()) {
            throw new PlatformException(name + " exited with status " + process.exitValue() + "; see the logs in "
                    + logs);
        }
    }

    private void pause(long deadline, String message) {
        if (System.nanoTime() > deadline) {
            throw new PlatformException(message + " within " + settings.timeout().toSeconds() + " s; see the logs in "
                    + logs);
        }
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted: " + message);
        }
    }

    private void writeState() throws IOException {
        Map<String, String> state = new LinkedHashMap<>();
        state.put("rest.url", restUrl());
        state.put("conf.dir", conf.toString());
        state.put("jobmanager.pid", Long.toString(jobManager.pid()));
        state.put("taskmanager.pids", String.join(" ", taskManagers.stream().map(p -> Long.toString(p.pid())).toList()));
        if (zookeeper != null) {
            state.put("zookeeper.pid", Long.toString(zookeeper.pid()));
        }
        StateFile.write(settings.dir().resolve("cluster.state"), state);
    }

    /** Stops the TaskManagers, the JobManager and ZooKeeper (SIGTERM, then SIGKILL after 30 s). Idempotent. */
    @Override
    public void close() {
        for (Process tm : taskManagers) {
            stopQuietly(tm, "TaskManager");
        }
        stopQuietly(jobManager, "JobManager");
        stopQuietly(zookeeper, "ZooKeeper");
        try {
            Files.deleteIfExists(settings.dir().resolve("cluster.state"));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete " + settings.dir().resolve("cluster.state"));
        }
    }

    private static void stopQuietly(Process process, String name) {
        if (process != null && process.isAlive()) {
            ChildProcesses.stop(process, STOP_GRACE, "Flink " + name);
        }
    }

    // --- the REST API and the CLI ----------------------------------------------------------------------------------

    /** GET {@code restUrl + path} as JSON; IOException when the server does not answer 200. */
    public static JsonNode get(String restUrl, String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(restUrl + path)).timeout(Duration.ofSeconds(5)).GET()
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The id of the RUNNING (or restarting, created) job called {@code name}, if there is one. */
    public static Optional<String> activeJob(String restUrl, String name) throws IOException {
        for (JsonNode job : get(restUrl, "/jobs/overview").path("jobs")) {
            String state = job.path("state").asText();
            if (job.path("name").asText().equals(name)
                    && List.of("RUNNING", "RESTARTING", "CREATED", "INITIALIZING", "RECONCILING").contains(state)) {
                return Optional.of(job.path("jid").asText());
            }
        }
        return Optional.empty();
    }

    /** The TaskManagers that run a task of job {@code id}. */
    public static java.util.Set<String> taskManagersOf(String url, String id) throws IOException {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (JsonNode vertex : FlinkCluster.get(url, "/jobs/" + id).path("vertices")) {
            JsonNode tms = FlinkCluster.get(url, "/jobs/" + id + "/vertices/" + vertex.path("id").asText()
                    + "/taskmanagers").path("taskmanagers");
            for (JsonNode tm : tms) {
                out.add(tm.path("taskmanager-id").asText());
            }
        }
        return out;
    }

    /**
     * Waits until job {@code id} is RUNNING with every one of its tasks running, or has ended (FAILED, CANCELED,
     * FINISHED), or {@code timeout} has passed; returns its state then ({@code RUNNING} when it runs).
     */
    public static String awaitRunning(String url, String id, java.time.Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String state = jobState(url, id);
            if (state.equals("RUNNING") && allTasksRunning(url, id)) {
                return state;
            }
            if (List.of("FAILED", "CANCELED", "FINISHED").contains(state) || System.nanoTime() > deadline) {
                return state;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for job " + id, e);
            }
        }
    }

    /** Whether job {@code id} is RUNNING with every one of its tasks running. */
    public static boolean allTasksRunning(String url, String id) throws IOException {
        JsonNode tasks = FlinkCluster.get(url, "/jobs/" + id).path("status-counts");
        int total = 0;
        for (var it = tasks.fields(); it.hasNext(); ) {
            total += it.next().getValue().asInt();
        }
        return total > 0 && tasks.path("RUNNING").asInt() == total;
    }

    /** Cancels job {@code jobId} through the REST API and waits until it is no longer running. */
    public void cancel(String jobId) throws IOException {
        cancel(restUrl(), jobId);
    }

    /** Cancels job {@code jobId} of the cluster at {@code restUrl} and waits until it is no longer running. */
    public static void cancel(String restUrl, String jobId) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(restUrl + "/jobs/" + jobId + "?mode=cancel"))
                .timeout(Duration.ofSeconds(10)).method("PATCH", HttpRequest.BodyPublishers.noBody()).build();
        try {
            HTTP.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!List.of("CANCELED", "FAILED", "FINISHED").contains(jobState(restUrl, jobId))) {
            if (System.nanoTime() > deadline) {
                throw new IOException("job " + jobId + " was not cancelled within 60 s; see " + restUrl + "/#/job/"
                        + jobId + "/exceptions");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while cancelling job " + jobId, e);
            }
        }
    }

    /** The state of job {@code jobId} ({@code RUNNING}, {@code RESTARTING}, …). */
    public static String jobState(String restUrl, String jobId) throws IOException {
        return get(restUrl, "/jobs/" + jobId).path("state").asText();
    }

    /**
     * Runs Flink's CLI ({@code CliFrontend}) in a JVM of its own with the cluster's classpath, as {@code bin/flink}
     * does, and returns what it printed; throws with that output when it exits with an error.
     */
    public static String cli(Path confDir, List<String> args, Duration timeout) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.add("-Xmx512m");
        command.addAll(JAVA_MODULE_OPTIONS);
        command.add("-Dlog.file=" + confDir.resolveSibling("log").resolve("flink-cli.log"));
        command.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        command.add("-cp");
        command.add(String.join(java.io.File.pathSeparator, runtimeClasspath()));
        command.add(CLI_MAIN);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("FLINK_CONF_DIR", confDir.toString());
        Process p = builder.start();
        p.getOutputStream().close();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                out.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("(output lost: ").append(e.getMessage()).append(")");
            }
        }, "flink-cli-output");
        reader.start();
        try {
            if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("flink " + String.join(" ", args) + " did not finish within "
                        + timeout.toSeconds() + " s");
            }
            reader.join(5000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        synchronized (out) {
            if (p.exitValue() != 0) {
                throw new IOException("flink " + args.get(0) + " failed (exit " + p.exitValue() + "):\n" + out);
            }
            return out.toString();
        }
    }

    /** {@code flink run -d}: submits a job; returns its id. */
    public static String submit(Path confDir, String restUrl, Path jar, String mainClass, List<String> jobArgs,
                                String savepoint) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "-d", "-m", hostPort(restUrl), "-c", mainClass));
        if (savepoint != null) {
            args.addAll(List.of("-s", savepoint));
        }
        args.add(jar.toString());
        args.addAll(jobArgs);
        String out = cli(confDir, args, Duration.ofMinutes(3));
        Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(out);
        if (!m.find()) {
            throw new IOException("flink run printed no job id:\n" + out);
        }
        return m.group(1);
    }

    /** {@code flink stop --savepointPath}: stops a job with a savepoint; returns the savepoint's path. */
    public static String stopWithSavepoint(Path confDir, String restUrl, String jobId, Path savepointDir)
            throws IOException {
        String out = cli(confDir, List.of("stop", "-m", hostPort(restUrl), "--type", "canonical",
                "--savepointPath", savepointDir.toUri().toString(), jobId), Duration.ofMinutes(5));
        Matcher m = Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(out);
        if (!m.find()) {
            throw new IOException("flink stop printed no savepoint path:\n" + out);
        }
        return m.group(1);
    }

    private static String hostPort(String restUrl) {
        URI uri = URI.create(restUrl);
        return uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : 80);
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** The jars of resource {@code zt/flink-runtime.classpath}, each checked to exist. */
    public static List<String> runtimeClasspath() {
        return ChildProcesses.classpathResource("zt/flink-runtime.classpath", "the Flink cluster");
    }
}
