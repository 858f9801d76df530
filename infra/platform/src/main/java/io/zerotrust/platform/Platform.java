package io.zerotrust.platform;

import io.zerotrust.registry.CompatibilityLevel;
import io.zerotrust.registry.SchemaRegistryServer;
import io.zerotrust.schemas.SchemaContracts;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The local platform: a Kafka broker (KRaft, in its own JVM), or with {@code kafka.brokers=3} a {@link KafkaCluster} of
 * three, the schema registry (in this JVM) and ClickHouse (a child process), all on 127.0.0.1, with data and logs under
 * one folder. Start order: ports are checked first, so a taken port fails before anything runs; then the registry
 * (and every contract is registered), ClickHouse, Kafka, and the topics of {@link Topics}, with three replicas and
 * {@code min.insync.replicas=2} on a cluster. {@link #close()} stops them in reverse order and waits until they are gone.
 *
 * <p>A server given by address in the configuration (bring your own) is used as it is and not started.
 */
public final class Platform implements AutoCloseable {

    /** Where the platform's endpoints are; what callers connect to. */
    public record Endpoints(String kafkaBootstrap, String registryUrl, String clickhouseUrl) {
    }

    /** A Kafka broker the platform started: its node id, address and process. */
    public record Broker(int nodeId, String address, int controllerPort, long pid, Path logFile) {
    }

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final Map<String, Long> pids = new LinkedHashMap<>();
    private final Map<String, String> details = new LinkedHashMap<>();
    private final List<Broker> brokers = new java.util.ArrayList<>();
    private Endpoints endpoints;

    private Platform() {
    }

    /**
     * Starts what the configuration does not point elsewhere and returns once everything answers. {@code progress}
     * receives a line per step. On failure, whatever was started is stopped again before the exception propagates.
     */
    public static Platform start(PlatformConfig config, Consumer<String> progress) {
        Platform platform = new Platform();
        try {
            platform.startAll(config, progress);
            return platform;
        } catch (RuntimeException | IOException e) {
            platform.close();
            if (e instanceof PlatformException p) {
                throw p;
            }
            throw new PlatformException(e.getMessage(), e);
        }
    }

    private void startAll(PlatformConfig config, Consumer<String> progress) throws IOException {
        Duration timeout = config.startupTimeout();
        boolean ownKafka = config.external(PlatformConfig.KAFKA_BOOTSTRAP).isEmpty();
        boolean ownRegistry = config.external(PlatformConfig.REGISTRY_URL).isEmpty();
        boolean ownClickHouse = config.external(PlatformConfig.CLICKHOUSE_URL).isEmpty();

        // Resolve ports and check them all before starting anything: a taken port fails in a second, by name.
        List<Integer> kafkaPorts = resolveKafkaPorts(config, PlatformConfig.KAFKA_PORT, "Kafka broker", ownKafka);
        List<Integer> controllerPorts = resolveKafkaPorts(config, PlatformConfig.KAFKA_CONTROLLER_PORT,
                "Kafka controller", ownKafka);
        int registryPort = resolvePort(config, PlatformConfig.REGISTRY_PORT, "schema registry", ownRegistry);
        int chHttpPort = resolvePort(config, PlatformConfig.CLICKHOUSE_HTTP_PORT, "ClickHouse HTTP", ownClickHouse);
        int chTcpPort = resolvePort(config, PlatformConfig.CLICKHOUSE_TCP_PORT, "ClickHouse native", ownClickHouse);
        List<String> kafkaClasspath = ownKafka ? kafkaClasspath() : List.of();
        if (ownClickHouse && ClickHouseServer.findServerCommand().isEmpty()) {
            throw new PlatformException("ClickHouse is not installed: no `clickhouse` or `clickhouse-server` on the"
                    + " PATH. ./pipeline installs Debian's package (apt-get install clickhouse-server); or set"
                    + " --" + PlatformConfig.CLICKHOUSE_URL + " to use an existing server.");
        }
        Path dataDir = config.dataDir();
        Files.createDirectories(dataDir);

        String registryUrl;
        if (ownRegistry) {
            progress.accept("starting schema registry on " + PlatformConfig.HOST + ":" + registryPort);
            SchemaRegistryServer registry = SchemaRegistryServer.start(PlatformConfig.HOST, registryPort,
                    dataDir.resolve("registry").resolve("schemas.json"), CompatibilityLevel.BACKWARD);
            started.push(registry);
            registryUrl = registry.url();
            details.put("registry", "data " + dataDir.resolve("registry"));
        } else {
            registryUrl = config.external(PlatformConfig.REGISTRY_URL).orElseThrow();
            details.put("registry", "external");
        }
        try (RegistryClient client = RegistryClient.connect(registryUrl)) {
            Map<String, Integer> ids = SchemaContracts.registerAll(client);
            progress.accept("registered " + ids.size() + " contracts at " + registryUrl + " (compatibility "
                    + SchemaContracts.COMPATIBILITY + ")");
        }

        String clickhouseUrl;
        if (ownClickHouse) {
            progress.accept("starting ClickHouse on " + PlatformConfig.HOST + ":" + chHttpPort + " (HTTP) and :"
                    + chTcpPort + " (native)");
            ClickHouseServer clickhouse = ClickHouseServer.start(dataDir.resolve("clickhouse"), chHttpPort, chTcpPort,
                    timeout);
            started.push(clickhouse);
            pids.put("clickhouse", clickhouse.pid());
            clickhouseUrl = clickhouse.httpUrl();
            details.put("clickhouse", clickhouse.version() + ", native " + PlatformConfig.HOST + ":" + chTcpPort
                    + ", pid " + clickhouse.pid() + ", log " + clickhouse.logFile());
        } else {
            clickhouseUrl = config.external(PlatformConfig.CLICKHOUSE_URL).orElseThrow();
            requireClickHouse(clickhouseUrl);
            details.put("clickhouse", "external");
        }

        String bootstrap;
        short replication = 1;
        int minInsync = 0; // the broker's own default
        if (ownKafka && kafkaPorts.size() == 1) {
            progress.accept("starting Kafka broker on " + PlatformConfig.HOST + ":" + kafkaPorts.get(0)
                    + " (controller :" + controllerPorts.get(0) + ")");
            KafkaBroker broker = KafkaBroker.start(dataDir.resolve("kafka"), kafkaPorts.get(0), controllerPorts.get(0),
                    kafkaClasspath, timeout);
            started.push(broker);
            pids.put("kafka", broker.pid());
            brokers.add(broker(broker));
            bootstrap = broker.bootstrapServers();
            details.put("kafka", "KRaft, pid " + broker.pid() + ", log " + broker.logFile());
        } else if (ownKafka) {
            progress.accept("starting " + kafkaPorts.size() + " Kafka brokers on " + PlatformConfig.HOST + " ports "
                    + kafkaPorts + " (controllers " + controllerPorts + ")");
            KafkaCluster cluster = KafkaCluster.start(dataDir.resolve("kafka-cluster"), kafkaPorts, controllerPorts,
                    kafkaClasspath, timeout);
            started.push(cluster);
            for (KafkaBroker broker : cluster.brokers()) {
                pids.put("kafka-" + broker.nodeId(), broker.pid());
                brokers.add(broker(broker));
            }
            bootstrap = cluster.bootstrapServers();
            replication = KafkaCluster.REPLICATION_FACTOR;
            minInsync = KafkaCluster.MIN_INSYNC_REPLICAS;
            details.put("kafka", "KRaft, " + kafkaPorts.size() + " brokers (pids " + cluster.brokers().stream()
                    .map(b -> Long.toString(b.pid())).collect(java.util.stream.Collectors.joining(", "))
                    + "), replication factor " + replication + ", min.insync.replicas " + minInsync + ", logs "
                    + dataDir.resolve("kafka-cluster").resolve("node-<n>").resolve("logs"));
        } else {
            bootstrap = config.external(PlatformConfig.KAFKA_BOOTSTRAP).orElseThrow();
            details.put("kafka", "external");
        }
        List<String> topics = TopicProvisioner.ensure(bootstrap, Topics.all(), replication, minInsync);
        topics.stream().filter(line -> !line.startsWith("kept ")).forEach(progress);
        progress.accept(Topics.all().size() + " topics ready: " + Topics.all().stream().map(t -> t.name())
                .collect(java.util.stream.Collectors.joining(", ")));
        endpoints = new Endpoints(bootstrap, registryUrl, clickhouseUrl);
    }

    private static Broker broker(KafkaBroker b) {
        return new Broker(b.nodeId(), b.bootstrapServers(), b.controllerPort(), b.pid(), b.logFile());
    }

    /** Each broker's port for a Kafka port setting; a taken one fails naming the setting and the broker. */
    private static List<Integer> resolveKafkaPorts(PlatformConfig config, String key, String server, boolean own) {
        if (!own) {
            return List.of();
        }
        List<Integer> configured = config.kafkaPorts(key);
        List<Integer> ports = new java.util.ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            int port = configured.get(i);
            if (port == 0) {
                ports.add(PortCheck.freePort());
            } else {
                PortCheck.requireFree(key, configured.size() == 1 ? server : server + " " + (i + 1)
                        + " (" + key + "+" + 2 * i + ")", port);
                ports.add(port);
            }
        }
        return ports;
    }

    private static int resolvePort(PlatformConfig config, String key, String server, boolean own) {
        if (!own) {
            return -1;
        }
        int port = config.port(key);
        if (port == 0) {
            return PortCheck.freePort();
        }
        PortCheck.requireFree(key, server, port);
        return port;
    }

    /** The broker's classpath, resolved by Maven into the zt-kafka-runtime jar. */
    public static List<String> kafkaClasspath() {
        return ChildProcesses.classpathResource("zt/kafka-runtime.classpath", "the Kafka broker");
    }

    private static void requireClickHouse(String url) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url + "/?query=SELECT%201")).timeout(Duration.ofSeconds(10))
                            .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new PlatformException("ClickHouse at " + url + " answered HTTP " + r.statusCode() + ": "
                        + r.body().trim());
            }
        } catch (IOException e) {
            throw new PlatformException("ClickHouse at " + url + " does not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted while checking ClickHouse at " + url, e);
        }
    }

    public Endpoints endpoints() {
        return endpoints;
    }

    /** The Kafka brokers this platform started, node 1 first; empty when it uses an existing Kafka. */
    public List<Broker> kafkaBrokers() {
        return List.copyOf(brokers);
    }

    /**
     * Process ids of the servers started as child processes, by name: {@code kafka} (one broker) or {@code kafka-1},
     * {@code kafka-2}, ... (a cluster), and {@code clickhouse}.
     */
    public Map<String, Long> childPids() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pids)); // in start order
    }

    /** A line of detail per server (version, pid, log file), for the start-up summary. */
    public Map<String, String> details() {
        return Map.copyOf(details);
    }

    /** Stops every server this platform started, newest first, and waits until each is gone. Idempotent. */
    @Override
    public synchronized void close() {
        while (!started.isEmpty()) {
            AutoCloseable server = started.pop();
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("warning: stopping " + server + " failed: " + e.getMessage());
            }
        }
    }
}
