package io.zerotrust.platform;

import static io.zerotrust.platform.ChildProcesses.LOOPBACK;

import io.zerotrust.platform.KafkaBroker.NodeSpec;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * Runs a Kafka cluster of three or more KRaft nodes on 127.0.0.1, each node a broker and a controller in a JVM of
 * its own ({@link KafkaBroker}) with its own ports and its own folder {@code baseDir/node-<id>}. Every node votes in
 * the controller quorum (static voters, the same list on every node) and every node's storage is formatted with the
 * same cluster id, so the nodes form one cluster that keeps working, and keeps every acknowledged write, while any
 * one node is down.
 *
 * <p>The rule it keeps: every topic, internal ones included, has {@value #REPLICATION_FACTOR} replicas and takes a
 * write with {@code acks=all} only once {@value #MIN_INSYNC_REPLICAS} of them have it. With one node down the
 * cluster still has two in-sync replicas of everything, so producers and transactions carry on; with two down,
 * writes are refused rather than acknowledged on one copy.
 *
 * <p>Nodes are numbered from 1; node {@code i} listens on {@code ports.get(i - 1)} and
 * {@code controllerPorts.get(i - 1)}. A node's data is kept across restarts; the cluster id is read back from the
 * storage of any node already formatted. No shutdown hook is registered: the caller must call {@link #close()}.
 */
public final class KafkaCluster implements AutoCloseable {

    /** Replicas of every topic of a cluster. */
    public static final short REPLICATION_FACTOR = 3;
    /** Replicas that must have a write before an {@code acks=all} producer is told it succeeded. */
    public static final int MIN_INSYNC_REPLICAS = 2;
    /** Fewest nodes: a replication factor of three needs three brokers. */
    public static final int MIN_NODES = REPLICATION_FACTOR;

    private final Path baseDir;
    private final List<String> classpath;
    private final List<KafkaBroker> brokers;
    private boolean closed;

    private KafkaCluster(Path baseDir, List<String> classpath, List<KafkaBroker> brokers) {
        this.baseDir = baseDir;
        this.classpath = classpath;
        this.brokers = brokers;
    }

    /**
     * Starts a node per entry of {@code ports} (formatting the storage of those that have none) and returns once
     * every node answers and every node is registered with the quorum. On failure every node started is stopped
     * before the exception propagates.
     *
     * @param ports each node's PLAINTEXT listener port, node 1 first
     * @param controllerPorts each node's controller listener port, in the same order
     * @param timeout upper bound for formatting and starting all nodes together
     */
    public static KafkaCluster start(Path baseDir, List<Integer> ports, List<Integer> controllerPorts,
                                     List<String> classpath, Duration timeout) throws IOException {
        Objects.requireNonNull(baseDir, "baseDir");
        Objects.requireNonNull(classpath, "classpath");
        if (ports.size() < MIN_NODES) {
            throw new IllegalArgumentException("a cluster needs at least " + MIN_NODES + " nodes, got " + ports.size());
        }
        if (controllerPorts.size() != ports.size()) {
            throw new IllegalArgumentException("one controller port per node: " + ports.size() + " ports but "
                    + controllerPorts.size() + " controller ports");
        }
        Set<Integer> distinct = new HashSet<>(ports);
        distinct.addAll(controllerPorts);
        if (distinct.size() != 2 * ports.size()) {
            throw new IllegalArgumentException("every node needs two ports of its own, got " + ports
                    + " and controller ports " + controllerPorts);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Path base = baseDir.toAbsolutePath().normalize();
        Files.createDirectories(base);

        String voters = java.util.stream.IntStream.range(0, ports.size())
                .mapToObj(i -> (i + 1) + "@" + LOOPBACK + ":" + controllerPorts.get(i))
                .collect(Collectors.joining(","));
        String clusterId = existingClusterId(base, ports.size()).orElseGet(() -> Uuid.randomUuid().toString());
        List<KafkaBroker> brokers = new ArrayList<>();
        KafkaCluster cluster = new KafkaCluster(base, List.copyOf(classpath), brokers);
        try {
            // Launch every node before waiting for any: none answers until a majority of the quorum runs.
            for (int i = 0; i < ports.size(); i++) {
                NodeSpec node = new NodeSpec(i + 1, ports.get(i), controllerPorts.get(i), voters, clusterId,
                        REPLICATION_FACTOR, MIN_INSYNC_REPLICAS);
                brokers.add(KafkaBroker.launch(nodeDir(base, i + 1), node, classpath, deadline));
            }
            for (KafkaBroker broker : brokers) {
                broker.awaitReadyOrStop(deadline);
            }
            cluster.awaitAllRegistered(deadline);
            return cluster;
        } catch (IOException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** Every node's address, node 1 first: {@code 127.0.0.1:<port>,127.0.0.1:<port>,...}. */
    public String bootstrapServers() {
        return brokers.stream().map(KafkaBroker::bootstrapServers).collect(Collectors.joining(","));
    }

    /** The nodes, node 1 first. A node stopped or killed stays in the list until {@link #restart} replaces it. */
    public synchronized List<KafkaBroker> brokers() {
        return Collections.unmodifiableList(new ArrayList<>(brokers));
    }

    /** The node with id {@code nodeId} (1-based). */
    public synchronized KafkaBroker broker(int nodeId) {
        if (nodeId < 1 || nodeId > brokers.size()) {
            throw new IllegalArgumentException("no node " + nodeId + "; the nodes are 1 to " + brokers.size());
        }
        return brokers.get(nodeId - 1);
    }

    /**
     * Starts node {@code nodeId} again on its ports and its data, stopping it first if it still runs (SIGTERM, a
     * controlled shutdown), and returns once it answers. A node that died is brought back this way.
     */
    public synchronized KafkaBroker restart(int nodeId, Duration timeout) throws IOException {
        KafkaBroker old = broker(nodeId);
        old.close();
        long deadline = System.nanoTime() + timeout.toNanos();
        KafkaBroker broker = KafkaBroker.launch(old.baseDir(), old.spec(), classpath, deadline);
        brokers.set(nodeId - 1, broker);
        broker.awaitReadyOrStop(deadline);
        return broker;
    }

    /**
     * Stops every node and returns once all are gone. All nodes are asked at once: stopped one after another, the
     * last ones would wait for a controller quorum that the first ones took away. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Thread> stopping = new ArrayList<>();
        for (KafkaBroker broker : brokers) {
            Thread t = new Thread(broker::close, "stop-kafka-node-" + broker.nodeId());
            t.start();
            stopping.add(t);
        }
        boolean interrupted = false;
        for (Thread t : stopping) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true; // stopping must not be cut short; KafkaBroker.close() ignores it too
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "KafkaCluster[" + bootstrapServers() + ", " + baseDir + "]";
    }

    private static Path nodeDir(Path base, int nodeId) {
        return base.resolve("node-" + nodeId);
    }

    /** The cluster id in the storage of the first node already formatted, if any. */
    private static Optional<String> existingClusterId(Path base, int nodes) throws IOException {
        for (int id = 1; id <= nodes; id++) {
            Path meta = nodeDir(base, id).resolve("data").resolve("meta.properties");
            Properties p = new Properties();
            try (var in = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (NoSuchFileException e) {
                continue;
            }
            String clusterId = p.getProperty("cluster.id");
            if (clusterId != null && !clusterId.isBlank()) {
                return Optional.of(clusterId.trim());
            }
        }
        return Optional.empty();
    }

    /** Waits until the cluster's metadata lists every node as a live broker, so topics of 3 replicas can be made. */
    private void awaitAllRegistered(long deadline) throws IOException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "kafka-cluster-readiness");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        Set<Integer> want = brokers.stream().map(KafkaBroker::nodeId).collect(Collectors.toSet());
        Set<Integer> seen = Set.of();
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                try {
                    seen = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes()
                            .get(3, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toSet());
                    if (seen.containsAll(want)) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // not all registered yet
                }
                for (KafkaBroker b : brokers) {
                    if (!b.isAlive()) {
                        throw new IOException("Kafka node " + b.nodeId() + " (pid " + b.pid() + ") exited while the"
                                + " cluster was starting; see " + b.logFile());
                    }
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the Kafka nodes to register");
        }
        throw new IOException("the Kafka cluster at " + bootstrapServers() + " lists nodes " + seen + " but not all of "
                + want + " within the start timeout");
    }
}
