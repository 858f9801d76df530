package io.zerotrust.jobs.risk;

import io.zerotrust.jobs.risk.detect.DetectorParams;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The risk job's settings: flags {@code --key=value} over environment variables {@code ZT_KEY} over defaults.
 * Detector parameters are given as {@code --detector.<name>=<number>} (see {@link DetectorParams}). Every value is
 * checked at start; a bad one fails with a message naming the key and what to do.
 */
public final class RiskJobConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final String KAFKA_BOOTSTRAP = "kafka.bootstrap";
    public static final String REGISTRY_URL = "registry.url";
    public static final String GROUP_ID = "risk.group.id";
    public static final String OUT_OF_ORDERNESS = "risk.out.of.orderness.ms";
    public static final String IDLENESS = "risk.idleness.ms";
    public static final String HALF_LIFE = "risk.half.life.minutes";
    public static final String STATE_TTL = "risk.state.ttl.hours";
    public static final String CHECKPOINT_INTERVAL = "risk.checkpoint.interval.ms";
    public static final String PARALLELISM = "risk.parallelism";
    public static final String GEO_FILE = "risk.geo.file";
    public static final String EVENTS_START = "risk.events.start";
    public static final String POLICY_FILE = "risk.policy.file";

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();
    private static final Map<String, String> HELP = new LinkedHashMap<>();

    static {
        key(KAFKA_BOOTSTRAP, "127.0.0.1:9092", "Kafka bootstrap servers");
        key(REGISTRY_URL, "http://127.0.0.1:8081", "schema registry URL");
        key(GROUP_ID, "zt-risk-engine", "consumer group of the job's sources (offsets also live in checkpoints)");
        key(OUT_OF_ORDERNESS, "5000", "how late an event may arrive and still be scored, in ms");
        key(IDLENESS, "30000", "after how long without events a partition stops holding back event time, in ms");
        key(HALF_LIFE, "30", "half-life of a detector's contribution to risk, in minutes");
        key(STATE_TTL, "720", "how long an entity's state is kept without activity, in hours");
        key(CHECKPOINT_INTERVAL, "10000", "checkpoint interval in ms (scores and anomalies are committed on it)");
        key(PARALLELISM, "1", "operator parallelism");
        key(EVENTS_START, "committed", "where a job without a checkpoint starts reading conn.events: committed "
                + "(the group's offsets, else the beginning), earliest, latest, or an epoch-millisecond timestamp");
        key(GEO_FILE, "", "address-range table file, cidr,country,lat,lon[,label] per line; none: the bundled table");
        key(POLICY_FILE, "", "default policy JSON file; none: the bundled policy/default-policy.json");
    }

    private static void key(String key, String dflt, String help) {
        DEFAULTS.put(key, dflt);
        HELP.put(key, help);
    }

    private final Map<String, String> values;
    private final Map<String, Double> detectorParams;

    private RiskJobConfig(Map<String, String> values, Map<String, Double> detectorParams) {
        this.values = values;
        this.detectorParams = detectorParams;
    }

    public static RiskJobConfig fromArgs(List<String> args, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : DEFAULTS.keySet()) {
            String v = env.get(envName(key));
            if (v != null) {
                values.put(key, v.trim());
            }
        }
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "': settings are given as "
                        + "--key=value.\n" + usage());
            }
            values.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1).trim());
        }
        return of(values);
    }

    /** Explicit values over the defaults (tests, embedding); {@code detector.*} keys set detector parameters. */
    public static RiskJobConfig of(Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        Map<String, Double> detector = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (e.getKey().startsWith("detector.")) {
                String name = e.getKey().substring("detector.".length());
                try {
                    detector.put(name, Double.parseDouble(e.getValue()));
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException(e.getKey() + " must be a number, got '" + e.getValue() + "'");
                }
            } else if (!DEFAULTS.containsKey(e.getKey())) {
                throw new IllegalArgumentException("unknown setting '" + e.getKey() + "'.\n" + usage());
            } else {
                values.put(e.getKey(), e.getValue());
            }
        }
        RiskJobConfig c = new RiskJobConfig(values, detector);
        c.validate();
        return c;
    }

    public static String usage() {
        StringBuilder sb = new StringBuilder("settings (flag --key=value, or environment variable):\n");
        HELP.forEach((k, h) -> sb.append(String.format(Locale.ROOT, "  --%-28s %-32s %s (default: %s)%n", k,
                envName(k), h, DEFAULTS.get(k).isEmpty() ? "none" : DEFAULTS.get(k))));
        sb.append("  --detector.<parameter>=<number>  detector thresholds, e.g. --detector.brute_force.failures=12")
                .append(" (see docs/detections.md)\n");
        return sb.toString();
    }

    static String envName(String key) {
        return "ZT_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private void validate() {
        positive(OUT_OF_ORDERNESS, 0);
        positive(IDLENESS, 1);
        positive(HALF_LIFE, 1);
        positive(STATE_TTL, 1);
        positive(CHECKPOINT_INTERVAL, 100);
        positive(PARALLELISM, 1);
        if (!values.get(REGISTRY_URL).startsWith("http://") && !values.get(REGISTRY_URL).startsWith("https://")) {
            throw new IllegalArgumentException(REGISTRY_URL + " must be an http:// or https:// URL, got '"
                    + values.get(REGISTRY_URL) + "'");
        }
        if (!values.get(KAFKA_BOOTSTRAP).matches("[^:\\s,]+:\\d{1,5}(,[^:\\s,]+:\\d{1,5})*")) {
            throw new IllegalArgumentException(KAFKA_BOOTSTRAP + " must be host:port[,host:port...], got '"
                    + values.get(KAFKA_BOOTSTRAP) + "'");
        }
        String start = values.get(EVENTS_START);
        if (!List.of("committed", "earliest", "latest").contains(start) && !start.matches("\\d{1,15}")) {
            throw new IllegalArgumentException(EVENTS_START + " must be committed, earliest, latest or an epoch "
                    + "timestamp in milliseconds, got '" + start + "'");
        }
        for (String file : List.of(GEO_FILE, POLICY_FILE)) {
            file(file).ifPresent(p -> {
                if (!Files.isReadable(p)) {
                    throw new IllegalArgumentException(file + " names " + p + ", which cannot be read");
                }
            });
        }
        try {
            DetectorParams.of(detectorParams);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--detector.* settings: " + e.getMessage(), e);
        }
    }

    private void positive(String key, long min) {
        long v = number(key);
        if (v < min) {
            throw new IllegalArgumentException(key + " must be at least " + min + ", got " + v);
        }
    }

    private long number(String key) {
        try {
            return Long.parseLong(values.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got '" + values.get(key) + "'");
        }
    }

    public String kafkaBootstrap() {
        return values.get(KAFKA_BOOTSTRAP);
    }

    public String registryUrl() {
        return values.get(REGISTRY_URL);
    }

    public String groupId() {
        return values.get(GROUP_ID);
    }

    public Duration outOfOrderness() {
        return Duration.ofMillis(number(OUT_OF_ORDERNESS));
    }

    public Duration idleness() {
        return Duration.ofMillis(number(IDLENESS));
    }

    public Duration halfLife() {
        return Duration.ofMinutes(number(HALF_LIFE));
    }

    public Duration stateTtl() {
        return Duration.ofHours(number(STATE_TTL));
    }

    public Duration checkpointInterval() {
        return Duration.ofMillis(number(CHECKPOINT_INTERVAL));
    }

    /** committed, earliest, latest, or an epoch-millisecond timestamp (validated). */
    public String eventsStart() {
        return values.get(EVENTS_START);
    }

    public int parallelism() {
        return (int) number(PARALLELISM);
    }

    public Optional<Path> file(String key) {
        String v = values.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(Path.of(v));
    }

    public DetectorParams detectorParams() {
        return DetectorParams.of(detectorParams);
    }
}
