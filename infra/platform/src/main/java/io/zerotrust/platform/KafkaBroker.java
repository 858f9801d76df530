package io.zerotrust.platform;

import static io.zerotrust.platform.ChildProcesses.LOOPBACK;

import io.zerotrust.platform.ChildProcesses.LogTails;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * Runs a KRaft Kafka node (broker and controller in one process) in its own JVM, with its data and logs under one
 * folder, listening on 127.0.0.1 only: on its own ({@link #start}, a single-node cluster whose topics have one
 * replica) or as one node of a {@link KafkaCluster}.
 *
 * <p>The pipeline needs a real broker (transactions, compaction, consumer groups behave exactly
 * as in production) without an external installation. The broker runs as a child JVM because
 * Kafka's server jars clash with the libraries of the calling process; the caller passes the
 * broker's own classpath (the jars of {@code org.apache.kafka:kafka_2.13} and its dependencies).
 * That classpath should also hold an SLF4J binding for log4j2, otherwise the broker discards nearly
 * all of its log output: {@code org.apache.logging.log4j:log4j-slf4j-impl} with the slf4j-api 1.7
 * that Kafka 4.1 declares, or {@code log4j-slf4j2-impl} when slf4j-api is managed up to 2.x.
 *
 * <p>Layout under {@code baseDir}: {@code server.properties} and {@code log4j2.properties} (rewritten
 * on every start), {@code classpath.argfile}, {@code broker.pid}, {@code data/} (the log dir, kept
 * across restarts) and {@code logs/} ({@code server.log}, {@code stdout.log}).
 *
 * <p>No shutdown hook is registered: the caller owns the lifecycle and must call {@link #close()}.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(KafkaBroker.class.getName());

    /** The node id of a single broker started by {@link #start}. */
    private static final int SINGLE_NODE_ID = 1;
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 200;
    private static final int LOG_TAIL_LINES = 40;

    /**
     * What makes one node of a cluster: its id, its two listener ports, the controller quorum it votes in
     * ({@code id@host:port,...}, the same on every node), the cluster id its storage is formatted with, and the
     * replication of the internal topics and the default for new topics.
     */
    record NodeSpec(int nodeId, int port, int controllerPort, String quorumVoters, String clusterId,
                int replicationFactor, int minInsyncReplicas) {
        NodeSpec {
            ChildProcesses.checkPorts("port", port, "controllerPort", controllerPort);
            if (nodeId < 0) {
                throw new IllegalArgumentException("nodeId must not be negative: " + nodeId);
            }
            if (replicationFactor < 1 || minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
                throw new IllegalArgumentException("need 1 <= minInsyncReplicas <= replicationFactor, got "
                        + minInsyncReplicas + " and " + replicationFactor);
            }
        }

        /** A node that is a whole cluster by itself: one replica of everything. */
        static NodeSpec single(int port, int controllerPort) {
            return new NodeSpec(SINGLE_NODE_ID, port, controllerPort,
                    SINGLE_NODE_ID + "@" + LOOPBACK + ":" + controllerPort, Uuid.randomUuid().toString(), 1, 1);
        }
    }

    private final Path baseDir;
    private final NodeSpec node;
    private final Process process;
    private final Path logFile;
    private final LogTails startLogs;
    private boolean closed;

    private KafkaBroker(Path baseDir, NodeSpec node, Process process, Path logFile, LogTails startLogs) {
        this.baseDir = baseDir;
        this.node = node;
        this.process = process;
        this.logFile = logFile;
        this.startLogs = startLogs;
    }

    /**
     * Formats the storage if it is not formatted yet (keeps data across restarts), starts the broker
     * JVM and returns once an Admin client's describeCluster() answers.
     *
     * @param baseDir folder that holds configuration, data and logs; created if missing
     * @param port PLAINTEXT listener port on 127.0.0.1
     * @param controllerPort KRaft controller listener port on 127.0.0.1; may change between restarts
     * @param classpath the broker JVM's classpath (jar files or directories)
     * @param timeout upper bound for formatting plus startup together
     * @throws IOException with the tail of the broker's logs if the JVM exits or the broker does not
     *     answer within {@code timeout}; the child JVM is stopped before the exception is thrown
     */
    public static KafkaBroker start(
            Path baseDir, int port, int controllerPort, List<String> classpath, Duration timeout)
            throws IOException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        KafkaBroker broker = launch(baseDir, NodeSpec.single(port, controllerPort), classpath, deadline);
        broker.awaitReadyOrStop(deadline);
        return broker;
    }

    /**
     * Formats the node's storage if it is not formatted yet and starts its JVM, without waiting for it to answer:
     * a node of a quorum cannot answer until a majority of the quorum runs, so a cluster launches every node first
     * and then waits ({@link #awaitReadyOrStop}).
     */
    static KafkaBroker launch(Path baseDir, NodeSpec node, List<String> classpath, long deadline) throws IOException {
        Objects.requireNonNull(baseDir, "baseDir");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(classpath, "classpath");
        if (classpath.isEmpty()) {
            throw new IllegalArgumentException("classpath is empty");
        }

        Path base = baseDir.toAbsolutePath().normalize();
        Path dataDir = base.resolve("data");
        Path logsDir = base.resolve("logs");
        Files.createDirectories(dataDir);
        Files.createDirectories(logsDir);
        Path serverLog = logsDir.resolve("server.log");
        Path stdoutLog = logsDir.resolve("stdout.log");
        Path pidFile = base.resolve("broker.pid");

        for (String entry : classpath) {
            if (!Files.exists(Paths.get(entry))) {
                throw new IOException("Kafka broker classpath entry does not exist: " + entry);
            }
        }
        warnIfNoSlf4jBinding(classpath);

        // A leftover broker (e.g. from a caller that crashed) would hold the data directory lock or
        // answer the readiness probe in place of the new one, so refuse to start rather than report a
        // dying JVM as ready.
        ensureNoLiveBroker(pidFile);
        ChildProcesses.requireFreePort("Kafka broker", "port", node.port());
        ChildProcesses.requireFreePort("Kafka broker", "controllerPort", node.controllerPort());

        Path serverProperties = base.resolve("server.properties");
        Path log4jConfig = base.resolve("log4j2.properties");
        Path argFile = base.resolve("classpath.argfile");
        writeString(serverProperties, serverProperties(node, dataDir));
        writeString(log4jConfig, log4jConfig(serverLog));
        writeString(argFile, "-cp " + quoteForArgFile(String.join(java.io.File.pathSeparator, classpath)) + "\n");

        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        String log4jProperty = "-Dlog4j2.configurationFile=" + log4jConfig.toUri();

        if (!Files.exists(dataDir.resolve("meta.properties"))) {
            format(java, argFile, log4jProperty, serverProperties, node.clusterId(), stdoutLog, serverLog, deadline);
        }

        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Xms256m");
        command.add("-Xmx768m");
        command.add("-XX:+UseG1GC");
        command.add("-XX:MaxGCPauseMillis=20");
        command.add("-XX:InitiatingHeapOccupancyPercent=35");
        command.add("-XX:+ExplicitGCInvokesConcurrent");
        // Fewer JIT and GC threads: the broker shares a small machine with the rest of the pipeline.
        command.add("-XX:CICompilerCount=2");
        command.add("-XX:ParallelGCThreads=2");
        command.add("-XX:ConcGCThreads=1");
        command.add("-XX:MaxDirectMemorySize=256m");
        // A broker stuck in OOM answers nothing useful; dying makes start() or the caller notice.
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-Djava.awt.headless=true");
        command.add("-Dfile.encoding=UTF-8");
        command.add(log4jProperty);
        command.add("@" + argFile);
        command.add("kafka.Kafka");
        command.add(serverProperties.toString());

        LogTails logs = LogTails.since(LOG_TAIL_LINES, serverLog, stdoutLog);
        Process process = ChildProcesses.launch("Kafka broker", jvm(command), base, stdoutLog);
        try {
            writeString(pidFile, process.pid() + "\n");
        } catch (IOException | RuntimeException e) {
            stop(process, "Kafka broker");
            throw e;
        }
        return new KafkaBroker(base, node, process, serverLog, logs);
    }

    /**
     * Returns once the node answers an Admin client's describeCluster() and lists itself; otherwise stops its JVM
     * and throws, with the tail of its logs.
     */
    void awaitReadyOrStop(long deadline) throws IOException {
        try {
            awaitReady(process, node.port(), node.nodeId(), deadline, startLogs);
        } catch (IOException | RuntimeException | Error e) {
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Returns {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return LOOPBACK + ":" + node.port();
    }

    public int port() {
        return node.port();
    }

    public int controllerPort() {
        return node.controllerPort();
    }

    /** The node id ({@code node.id}); 1 for a single broker. */
    public int nodeId() {
        return node.nodeId();
    }

    public long pid() {
        return process.pid();
    }

    /** Whether the broker's JVM still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The folder of its configuration, data and logs. */
    public Path baseDir() {
        return baseDir;
    }

    NodeSpec spec() {
        return node;
    }

    /** The broker's main log ({@code baseDir/logs/server.log}). */
    public Path logFile() {
        return logFile;
    }

    /**
     * Sends SIGTERM so the broker shuts down in a controlled way, waits up to 30 s, then kills it
     * forcibly; returns only once the process is gone. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        stop(process, "Kafka broker");
        closed = true;
        try {
            Files.deleteIfExists(baseDir.resolve("broker.pid"));
        } catch (IOException e) {
            // A stale pid file is harmless: start() also checks that the pid is a live broker.
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[node " + node.nodeId() + ", " + bootstrapServers() + ", pid " + process.pid() + ", "
                + baseDir + "]";
    }

    private static void format(
            String java,
            Path argFile,
            String log4jProperty,
            Path serverProperties,
            String clusterId,
            Path stdoutLog,
            Path serverLog,
            long deadline)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Xmx256m");
        // A short-lived tool: a small GC and the C1 compiler start faster and are ample.
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Djava.awt.headless=true");
        command.add(log4jProperty);
        command.add("@" + argFile);
        command.add("kafka.tools.StorageTool");
        command.add("format");
        command.add("--cluster-id");
        command.add(clusterId);
        command.add("--config");
        command.add(serverProperties.toString());
        command.add("--ignore-formatted");

        LogTails logs = LogTails.since(LOG_TAIL_LINES, serverLog, stdoutLog);
        Process process = ChildProcesses.launch(
                "Kafka storage tool", jvm(command), serverProperties.getParent(), stdoutLog);
        try {
            if (!process.waitFor(remainingNanos(deadline), TimeUnit.NANOSECONDS)) {
                stop(process, "Kafka storage tool");
                throw new IOException(
                        "Formatting Kafka storage did not finish within the start timeout" + logs.describe());
            }
        } catch (InterruptedException e) {
            stop(process, "Kafka storage tool");
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while formatting Kafka storage");
        }
        if (process.exitValue() != 0) {
            throw new IOException(
                    "Formatting Kafka storage failed with exit code " + process.exitValue() + logs.describe());
        }
    }

    private static ProcessBuilder jvm(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        // Options meant for the caller's JVM (agents, heap sizes, a classpath) must not leak into Kafka.
        builder.environment().keySet()
                .removeAll(List.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH"));
        return builder;
    }

    private static void stop(Process process, String name) {
        ChildProcesses.stop(process, GRACEFUL_STOP, name);
    }

    private static void awaitReady(Process process, int port, int nodeId, long deadline, LogTails logs)
            throws IOException {
        try {
            // Probe the socket first: an Admin client pointed at a closed port logs a warning on every
            // reconnect attempt into the caller's log.
            while (!canConnect(port)) {
                checkAlive(process, logs);
                checkDeadline(deadline, port, logs);
                Thread.sleep(POLL_MILLIS);
            }
            try (Admin admin = Admin.create(adminConfig(port))) {
                while (true) {
                    checkAlive(process, logs);
                    checkDeadline(deadline, port, logs);
                    int callTimeout = (int) Math.max(100, Math.min(2_000, remainingNanos(deadline) / 1_000_000));
                    try {
                        Collection<Node> nodes = admin
                                .describeCluster(new DescribeClusterOptions().timeoutMs(callTimeout))
                                .nodes()
                                .get(callTimeout + 1_000L, TimeUnit.MILLISECONDS);
                        if (nodes.stream().anyMatch(n -> n.id() == nodeId)) {
                            return;
                        }
                    } catch (ExecutionException | TimeoutException e) {
                        // Not serving requests yet; keep polling until the deadline.
                    }
                    Thread.sleep(POLL_MILLIS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while waiting for the Kafka broker to start");
        }
    }

    private static Map<String, Object> adminConfig(int port) {
        return Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, LOOPBACK + ":" + port,
                AdminClientConfig.CLIENT_ID_CONFIG, "kafka-broker-readiness-" + port,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 100,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500,
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    }

    private static void checkAlive(Process process, LogTails logs) throws IOException {
        if (!process.isAlive()) {
            throw new IOException(
                    "Kafka broker JVM (pid " + process.pid() + ") exited with code " + process.exitValue()
                            + " before it became ready" + logs.describe());
        }
    }

    private static void checkDeadline(long deadline, int port, LogTails logs) throws IOException {
        if (remainingNanos(deadline) <= 0) {
            throw new IOException(
                    "Kafka broker on " + LOOPBACK + ":" + port + " did not answer within the start timeout"
                            + logs.describe());
        }
    }

    private static boolean canConnect(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void ensureNoLiveBroker(Path pidFile) throws IOException {
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
        } catch (java.nio.file.NoSuchFileException | NumberFormatException e) {
            return;
        }
        // The command line check guards against a recycled pid after a reboot.
        boolean brokerAlive = ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .flatMap(h -> h.info().commandLine())
                .map(cmd -> cmd.contains("kafka.Kafka"))
                .orElse(false);
        if (brokerAlive) {
            throw new IOException("Cannot start Kafka broker: a broker started earlier from "
                    + pidFile.getParent() + " still runs as pid " + pid + " (see " + pidFile + ")");
        }
    }

    private static long remainingNanos(long deadline) {
        return deadline - System.nanoTime();
    }

    private static String serverProperties(NodeSpec node, Path dataDir) {
        int port = node.port();
        int controllerPort = node.controllerPort();
        StringBuilder s = new StringBuilder();
        s.append("# Written by ").append(KafkaBroker.class.getName())
                .append(" on every start; edits are overwritten.\n");
        prop(s, "process.roles", "broker,controller");
        prop(s, "node.id", Integer.toString(node.nodeId()));
        // Static voters: the formatted metadata holds no controller address, so the controller port
        // may change between restarts of the same data directory.
        prop(s, "controller.quorum.voters", node.quorumVoters());
        prop(s, "listeners",
                "PLAINTEXT://" + LOOPBACK + ":" + port + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
        prop(s, "advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + port);
        prop(s, "controller.listener.names", "CONTROLLER");
        prop(s, "inter.broker.listener.name", "PLAINTEXT");
        prop(s, "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        prop(s, "log.dirs", dataDir.toString());

        // One node: every internal topic must accept a single replica, or consumer groups,
        // transactions (Kafka Streams exactly-once, Flink's transactional sink) and share groups
        // cannot start. In a cluster, every write of the internal topics (offsets, transaction
        // state) and of topics created without their own settings must reach two replicas.
        String replicas = Integer.toString(node.replicationFactor());
        String minIsr = Integer.toString(node.minInsyncReplicas());
        prop(s, "offsets.topic.replication.factor", replicas);
        prop(s, "transaction.state.log.replication.factor", replicas);
        prop(s, "transaction.state.log.min.isr", minIsr);
        prop(s, "share.coordinator.state.topic.replication.factor", replicas);
        prop(s, "share.coordinator.state.topic.min.isr", minIsr);
        prop(s, "default.replication.factor", replicas);
        prop(s, "min.insync.replicas", minIsr);
        // The defaults of 50 partitions per internal topic mean hundreds of files and slower
        // startup for no gain on one node; these only take effect when the topics are first created.
        prop(s, "offsets.topic.num.partitions", "1");
        prop(s, "transaction.state.log.num.partitions", "1");
        prop(s, "share.coordinator.state.topic.num.partitions", "1");

        prop(s, "group.initial.rebalance.delay.ms", "0");
        // Topics are declared explicitly so a typo in a topic name fails instead of creating a topic.
        prop(s, "auto.create.topics.enable", "false");
        prop(s, "num.partitions", "1");

        // Thread pools sized for a 2-core machine shared with the rest of the pipeline.
        prop(s, "num.network.threads", "2");
        prop(s, "num.io.threads", "2");
        prop(s, "background.threads", "2");
        prop(s, "num.recovery.threads.per.data.dir", "1");
        prop(s, "num.replica.fetchers", "1");
        prop(s, "log.cleaner.threads", "1");
        prop(s, "group.coordinator.threads", "1");
        prop(s, "share.coordinator.threads", "1");
        // The cleaner allocates this buffer on the heap; 128 MiB by default is a sixth of our heap.
        prop(s, "log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        return s.toString();
    }

    private static void prop(StringBuilder s, String key, String value) {
        s.append(key).append('=').append(escapeProperty(value)).append('\n');
    }

    private static String escapeProperty(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                out.append("\\\\");
            } else if (c == ' ' && i == 0) {
                out.append("\\ ");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String log4jConfig(Path serverLog) {
        String file = escapeProperty(serverLog.toString());
        String pattern = escapeProperty(serverLog.getParent().resolve("server.log.%i").toString());
        return String.join("\n",
                "# Written by " + KafkaBroker.class.getName() + " on every start; edits are overwritten.",
                "status = warn",
                // Kafka's own shutdown hook logs the controlled shutdown; log4j must still be running then.
                "shutdownHook = disable",
                "appender.server.type = RollingFile",
                "appender.server.name = server",
                "appender.server.fileName = " + file,
                "appender.server.filePattern = " + pattern,
                "appender.server.layout.type = PatternLayout",
                "appender.server.layout.pattern = [%d] %p %m (%c)%n",
                "appender.server.policies.type = Policies",
                "appender.server.policies.size.type = SizeBasedTriggeringPolicy",
                "appender.server.policies.size.size = 50MB",
                "appender.server.strategy.type = DefaultRolloverStrategy",
                "appender.server.strategy.max = 5",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.server.ref = server",
                // Per-request and per-partition-state chatter drowns the lines that explain failures.
                // Every config object is dumped in full, the broker config several times per start;
                // server.properties already holds it.
                quietLogger("config", "org.apache.kafka.common.config.AbstractConfig"),
                quietLogger("request", "kafka.request.logger"),
                quietLogger("requestChannel", "kafka.network.RequestChannel$"),
                quietLogger("stateChange", "state.change.logger"),
                quietLogger("authorizer", "kafka.authorizer.logger"),
                quietLogger("clients", "org.apache.kafka.clients"),
                quietLogger("appInfo", "org.apache.kafka.common.utils.AppInfoParser"),
                "");
    }

    private static String quietLogger(String id, String name) {
        return "logger." + id + ".name = " + name + "\nlogger." + id + ".level = WARN";
    }

    private static String quoteForArgFile(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void warnIfNoSlf4jBinding(List<String> classpath) {
        boolean bound = classpath.stream()
                .map(e -> Paths.get(e).getFileName())
                .filter(Objects::nonNull)
                .map(p -> p.toString().toLowerCase(Locale.ROOT))
                .anyMatch(n -> n.startsWith("log4j-slf4j-impl") || n.startsWith("log4j-slf4j2-impl")
                        || n.startsWith("slf4j-reload4j") || n.startsWith("slf4j-simple")
                        || n.startsWith("logback-classic"));
        if (!bound) {
            LOG.log(System.Logger.Level.WARNING,
                    "Kafka broker classpath has no SLF4J binding (e.g. "
                            + "org.apache.logging.log4j:log4j-slf4j-impl); the broker's log will be nearly empty");
        }
    }

    private static void writeString(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
