package io.zerotrust.platform;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The platform's settings, validated at construction with messages that name the key and say what to do. Each key
 * can be given as a command-line flag {@code --key=value} or an environment variable {@code ZT_KEY} (upper case, dots
 * as underscores); flags win over the environment, which wins over the defaults. Servers always bind to 127.0.0.1.
 *
 * <p>{@code kafka.brokers=3} (or more) starts a {@link KafkaCluster} instead of one broker: broker {@code n} (from 1)
 * listens on {@code kafka.port + 2(n-1)} and {@code kafka.controller.port + 2(n-1)}, so the defaults give brokers on
 * 9092, 9094 and 9096 with controllers on 9093, 9095 and 9097; port 0 picks a free port for each.
 *
 * <p>Bring your own servers: when {@code kafka.bootstrap}, {@code registry.url} or {@code clickhouse.url} is set,
 * that server is used as it is and not started.
 */
public final class PlatformConfig {

    /** Where every server of the platform listens. */
    public static final String HOST = "127.0.0.1";

    public static final String KAFKA_PORT = "kafka.port";
    public static final String KAFKA_CONTROLLER_PORT = "kafka.controller.port";
    public static final String KAFKA_BROKERS = "kafka.brokers";
    public static final String REGISTRY_PORT = "registry.port";
    public static final String CLICKHOUSE_HTTP_PORT = "clickhouse.http.port";
    public static final String CLICKHOUSE_TCP_PORT = "clickhouse.tcp.port";
    public static final String DATA_DIR = "data.dir";
    public static final String KAFKA_BOOTSTRAP = "kafka.bootstrap";
    public static final String REGISTRY_URL = "registry.url";
    public static final String CLICKHOUSE_URL = "clickhouse.url";
    public static final String STARTUP_TIMEOUT = "startup.timeout.seconds";

    /** Most brokers the platform starts on one machine. */
    public static final int MAX_KAFKA_BROKERS = 5;

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();
    private static final Map<String, String> HELP = new LinkedHashMap<>();

    static {
        key(KAFKA_PORT, "9092", "Kafka broker port (0 picks a free one)");
        key(KAFKA_CONTROLLER_PORT, "9093", "Kafka KRaft controller port (0 picks a free one)");
        key(KAFKA_BROKERS, "1", "Kafka brokers: 1, or 3 to " + MAX_KAFKA_BROKERS + " (replication factor 3,"
                + " min.insync.replicas 2; broker n on kafka.port+2(n-1), controller on kafka.controller.port+2(n-1))");
        key(REGISTRY_PORT, "8081", "schema registry port (0 picks a free one)");
        key(CLICKHOUSE_HTTP_PORT, "8123", "ClickHouse HTTP port (0 picks a free one)");
        key(CLICKHOUSE_TCP_PORT, "9000", "ClickHouse native port (0 picks a free one)");
        key(DATA_DIR, "var/platform", "folder for the servers' data and logs (kept across restarts)");
        key(KAFKA_BOOTSTRAP, "", "use this existing Kafka instead of starting one, e.g. broker1:9092");
        key(REGISTRY_URL, "", "use this existing schema registry instead of starting one, e.g. http://sr:8081");
        key(CLICKHOUSE_URL, "", "use this existing ClickHouse (HTTP) instead of starting one, e.g. http://ch:8123");
        key(STARTUP_TIMEOUT, "120", "how long each server may take to answer at start, in seconds");
    }

    private static void key(String key, String defaultValue, String help) {
        DEFAULTS.put(key, defaultValue);
        HELP.put(key, help);
    }

    private final Map<String, String> values;

    private PlatformConfig(Map<String, String> values) {
        this.values = values;
    }

    /** Builds the configuration from flags ({@code --key=value}) and the environment; throws on any bad key. */
    public static PlatformConfig fromArgs(List<String> args, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        for (String key : DEFAULTS.keySet()) {
            String fromEnv = env.get(envName(key));
            if (fromEnv != null) {
                values.put(key, fromEnv.trim());
            }
        }
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new ConfigException("unexpected argument '" + arg + "': settings are given as --key=value."
                        + "\n" + usage());
            }
            String key = arg.substring(2, arg.indexOf('='));
            if (!DEFAULTS.containsKey(key)) {
                throw new ConfigException("unknown setting '" + key + "'.\n" + usage());
            }
            values.put(key, arg.substring(arg.indexOf('=') + 1).trim());
        }
        return of(values);
    }

    /** Builds the configuration from explicit values over the defaults (for tests and embedding). */
    public static PlatformConfig of(Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        overrides.forEach((k, v) -> {
            if (!DEFAULTS.containsKey(k)) {
                throw new ConfigException("unknown setting '" + k + "'.\n" + usage());
            }
            values.put(k, v);
        });
        PlatformConfig config = new PlatformConfig(values);
        config.validate();
        return config;
    }

    public static String usage() {
        StringBuilder sb = new StringBuilder("settings (flag --key=value, or environment variable):\n");
        HELP.forEach((k, h) -> sb.append(String.format(Locale.ROOT, "  --%-24s %-30s %s (default: %s)%n", k,
                envName(k), h, DEFAULTS.get(k).isEmpty() ? "none" : DEFAULTS.get(k))));
        return sb.toString();
    }

    static String envName(String key) {
        return "ZT_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private void validate() {
        long brokers = longValue(KAFKA_BROKERS);
        if (brokers != 1 && (brokers < KafkaCluster.MIN_NODES || brokers > MAX_KAFKA_BROKERS)) {
            throw new ConfigException(KAFKA_BROKERS + " must be 1 (a single broker) or between " + KafkaCluster.MIN_NODES
                    + " and " + MAX_KAFKA_BROKERS + ", got " + values.get(KAFKA_BROKERS) + ": each topic gets "
                    + KafkaCluster.REPLICATION_FACTOR + " replicas and min.insync.replicas="
                    + KafkaCluster.MIN_INSYNC_REPLICAS + ", which needs " + KafkaCluster.MIN_NODES + " brokers");
        }
        if (brokers > 1 && external(KAFKA_BOOTSTRAP).isPresent()) {
            throw new ConfigException(KAFKA_BROKERS + "=" + brokers + " starts brokers, but " + KAFKA_BOOTSTRAP
                    + " says to use an existing Kafka; give one of the two");
        }
        Map<Integer, String> seen = new HashMap<>();
        for (String key : List.of(KAFKA_PORT, KAFKA_CONTROLLER_PORT, REGISTRY_PORT, CLICKHOUSE_HTTP_PORT,
                CLICKHOUSE_TCP_PORT)) {
            List<Integer> ports = key.equals(KAFKA_PORT) || key.equals(KAFKA_CONTROLLER_PORT) ? kafkaPorts(key)
                    : List.of(port(key));
            for (int i = 0; i < ports.size(); i++) {
                int port = ports.get(i);
                String name = i == 0 ? key : key + "+" + (2 * i) + " (broker " + (i + 1) + ")";
                if (port != 0 && seen.containsKey(port)) {
                    throw new ConfigException(name + " and " + seen.get(port) + " are both " + port
                            + "; give each server its own port");
                }
                seen.put(port, name);
            }
        }
        long timeout = longValue(STARTUP_TIMEOUT);
        if (timeout < 1 || timeout > 3600) {
            throw new ConfigException(STARTUP_TIMEOUT + " must be between 1 and 3600 seconds, got " + timeout);
        }
        external(REGISTRY_URL).ifPresent(u -> requireHttp(REGISTRY_URL, u));
        external(CLICKHOUSE_URL).ifPresent(u -> requireHttp(CLICKHOUSE_URL, u));
        external(KAFKA_BOOTSTRAP).ifPresent(b -> {
            for (String hostPort : b.split(",")) {
                if (!hostPort.trim().matches("[^:\\s]+:\\d{1,5}")) {
                    throw new ConfigException(KAFKA_BOOTSTRAP + " must be host:port[,host:port...], got '" + b + "'");
                }
            }
        });
        if (values.get(DATA_DIR).isBlank()) {
            throw new ConfigException(DATA_DIR + " is empty; give a folder for the servers' data, e.g. var/platform");
        }
    }

    private static void requireHttp(String key, String url) {
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new ConfigException(key + " must be an http:// or https:// URL, got '" + url + "'");
        }
    }

    /** A port setting, 0 meaning "any free port". */
    public int port(String key) {
        long port = longValue(key);
        if (port < 0 || port > 65535) {
            throw new ConfigException(key + " must be a port between 1 and 65535 (or 0 for any free port), got "
                    + values.get(key));
        }
        return (int) port;
    }

    /** How many Kafka brokers to start: 1, or 3 and more for a {@link KafkaCluster}. */
    public int kafkaBrokers() {
        return (int) longValue(KAFKA_BROKERS);
    }

    /**
     * The port of each broker for {@link #KAFKA_PORT} or {@link #KAFKA_CONTROLLER_PORT}: the setting for broker 1, two
     * more for each next one; all 0 (any free port) when the setting is 0.
     */
    public List<Integer> kafkaPorts(String key) {
        if (!key.equals(KAFKA_PORT) && !key.equals(KAFKA_CONTROLLER_PORT)) {
            throw new IllegalArgumentException("not a Kafka port setting: " + key);
        }
        int first = port(key);
        int brokers = kafkaBrokers();
        List<Integer> ports = new java.util.ArrayList<>(brokers);
        for (int i = 0; i < brokers; i++) {
            int port = first == 0 ? 0 : first + 2 * i;
            if (port > 65535) {
                throw new ConfigException(key + "=" + first + " leaves no port for broker " + (i + 1) + " ("
                        + key + "+" + (2 * i) + " is past 65535); choose a lower " + key);
            }
            ports.add(port);
        }
        return ports;
    }

    private long longValue(String key) {
        String raw = values.get(key);
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, got '" + raw + "'");
        }
    }

    /** The value of an external-server setting, when given. */
    public Optional<String> external(String key) {
        String v = values.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }

    public Path dataDir() {
        return Path.of(values.get(DATA_DIR)).toAbsolutePath().normalize();
    }

    public Duration startupTimeout() {
        return Duration.ofSeconds(longValue(STARTUP_TIMEOUT));
    }

    /** A bad setting: the message names the key and what to do. */
    public static final class ConfigException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public ConfigException(String message) {
            super(message);
        }
    }
}
