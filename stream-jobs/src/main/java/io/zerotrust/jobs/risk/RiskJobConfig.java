package io.zerotrust.jobs.risk;

import io.zerotrust.jobs.JobSettings;
import io.zerotrust.jobs.risk.detect.DetectorParams;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
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
    public static final String EVENTS_START = "risk.events.start";
    public static final String GEO_FILE = "risk.geo.file";
    public static final String POLICY_FILE = "risk.policy.file";
    public static final String CHECKPOINT_DIR = "risk.checkpoint.dir";
    public static final String BUFFER_TIMEOUT = "risk.buffer.timeout.ms";
    public static final String DECISIONS_DELIVERY = "risk.decisions.delivery";
    public static final String BACKFILL = "risk.backfill";

    /** In backfill mode, the out-of-orderness unless given: an hour. */
    static final long BACKFILL_OUT_OF_ORDERNESS_MS = 3_600_000L;
    static final String BACKFILL_GROUP_ID = "zt-risk-backfill";
    static final String BACKFILL_CHECKPOINT_DIR = "var/checkpoints/risk-backfill";

    static final JobSettings.Spec SPEC = new JobSettings.Spec("risk-engine")
            .key(KAFKA_BOOTSTRAP, "127.0.0.1:9092", "Kafka bootstrap servers")
            .key(REGISTRY_URL, "http://127.0.0.1:8081", "schema registry URL")
            .key(GROUP_ID, "zt-risk-engine", "consumer group of the job's sources (offsets also live in checkpoints)")
            .key(OUT_OF_ORDERNESS, "5000", "how late an event may arrive and still be scored, in ms")
            .key(IDLENESS, "30000", "after how long without events a partition stops holding back event time, in ms")
            .key(HALF_LIFE, "30", "half-life of a detector's contribution to risk, in minutes")
            .key(STATE_TTL, "720", "how long an entity's state is kept without activity, in hours")
            .key(CHECKPOINT_INTERVAL, "30000", "checkpoint interval in ms (scores and anomalies are committed on it)")
            .key(PARALLELISM, "1", "operator parallelism")
            .key(BUFFER_TIMEOUT, "5", "longest an event waits in a network buffer on its way to the detectors, in "
                    + "ms (Flink's default is 100: it was most of the event-to-decision time; 0 sends each event at "
                    + "once, at a higher cost per event); the job's other edges carry few records and send each at once")
            .key(EVENTS_START, "committed", "where a job without a checkpoint starts reading conn.events: committed "
                    + "(the group's offsets, else the beginning), earliest, latest, or an epoch-millisecond timestamp")
            .key(GEO_FILE, "", "address-range table file, cidr,country,lat,lon[,label] per line; none: the bundled "
                    + "table")
            .key(POLICY_FILE, "", "default policy JSON file; none: the bundled policy/default-policy.json")
            .key(DECISIONS_DELIVERY, "at-least-once", "at-least-once: each decision is sent at once and a restart may "
                    + "send one again with the same id (gateways apply a decision id once); exactly-once: decisions "
                    + "are committed with the checkpoints, so a read_committed reader sees each once, a checkpoint "
                    + "interval later")
            .key(CHECKPOINT_DIR, "var/checkpoints/risk", "folder for checkpoints (per-entity state outgrows memory)")
            .key(BACKFILL, "false", "true scores history replayed into conn.events (docs/ingest.md, Backfill): unless "
                    + "given, " + EVENTS_START + " becomes earliest, " + OUT_OF_ORDERNESS + " "
                    + BACKFILL_OUT_OF_ORDERNESS_MS + " (an hour), " + GROUP_ID + " " + BACKFILL_GROUP_ID + " and "
                    + CHECKPOINT_DIR + " " + BACKFILL_CHECKPOINT_DIR + "; every decision is issued in SHADOW mode, "
                    + "so that gateways record but never apply a decision about the past")
            .prefix("detector.", "detector thresholds, e.g. --detector.brute_force.failures=12 "
                    + "(see docs/detections.md)");

    private final JobSettings s;
    private final Map<String, Double> detectorParams;

    private RiskJobConfig(JobSettings s) {
        this.s = s;
        Map<String, Double> detector = new LinkedHashMap<>();
        s.withPrefix("detector.").forEach((k, v) -> {
            try {
                detector.put(k, Double.parseDouble(v));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("detector." + k + " must be a number, got '" + v + "'");
            }
        });
        this.detectorParams = detector;
        validate();
    }

    public static RiskJobConfig fromArgs(List<String> args, Map<String, String> env) {
        return new RiskJobConfig(SPEC.parse(args, env));
    }

    /** Explicit values over the defaults (tests, embedding); {@code detector.*} keys set detector parameters. */
    public static RiskJobConfig of(Map<String, String> overrides) {
        return new RiskJobConfig(SPEC.of(overrides));
    }

    public static String usage() {
        return SPEC.usage();
    }

    private void validate() {
        s.atLeast(OUT_OF_ORDERNESS, 0);
        s.atLeast(IDLENESS, 1);
        s.atLeast(HALF_LIFE, 1);
        s.atLeast(STATE_TTL, 1);
        s.atLeast(CHECKPOINT_INTERVAL, 100);
        s.atLeast(PARALLELISM, 1);
        s.atLeast(BUFFER_TIMEOUT, 0);
        s.httpUrl(REGISTRY_URL);
        s.bootstrap(KAFKA_BOOTSTRAP);
        s.choice(DECISIONS_DELIVERY, List.of("at-least-once", "exactly-once"), false);
        s.choice(BACKFILL, List.of("true", "false"), false);
        s.choice(EVENTS_START, List.of("committed", "earliest", "latest"), true);
        s.file(GEO_FILE);
        s.file(POLICY_FILE);
        try {
            DetectorParams.of(detectorParams);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--detector.* settings: " + e.getMessage(), e);
        }
    }

    public String kafkaBootstrap() {
        return s.get(KAFKA_BOOTSTRAP);
    }

    public String registryUrl() {
        return s.get(REGISTRY_URL);
    }

    public String groupId() {
        return backfill() && !s.given(GROUP_ID) ? BACKFILL_GROUP_ID : s.get(GROUP_ID);
    }

    /** Whether the job scores replayed history ({@code risk.backfill}). */
    public boolean backfill() {
        return s.get(BACKFILL).equals("true");
    }

    public Duration outOfOrderness() {
        return backfill() && !s.given(OUT_OF_ORDERNESS) ? Duration.ofMillis(BACKFILL_OUT_OF_ORDERNESS_MS)
                : s.millis(OUT_OF_ORDERNESS, 0);
    }

    public Duration idleness() {
        return s.millis(IDLENESS, 1);
    }

    public Duration halfLife() {
        return Duration.ofMinutes(s.number(HALF_LIFE));
    }

    public Duration stateTtl() {
        return Duration.ofHours(s.number(STATE_TTL));
    }

    public Duration checkpointInterval() {
        return s.millis(CHECKPOINT_INTERVAL, 100);
    }

    /** committed, earliest, latest, or an epoch-millisecond timestamp (validated). */
    /** Whether decisions are written in the checkpoints' Kafka transactions ({@code risk.decisions.delivery}). */
    public boolean decisionsExactlyOnce() {
        return s.get(DECISIONS_DELIVERY).equals("exactly-once");
    }

    public String eventsStart() {
        return backfill() && !s.given(EVENTS_START) ? "earliest" : s.get(EVENTS_START);
    }

    public String checkpointDir() {
        return backfill() && !s.given(CHECKPOINT_DIR) ? BACKFILL_CHECKPOINT_DIR : s.get(CHECKPOINT_DIR);
    }

    public int parallelism() {
        return (int) s.number(PARALLELISM);
    }

    /** How long a record may wait in a network buffer between operators. */
    public long bufferTimeoutMs() {
        return s.number(BUFFER_TIMEOUT);
    }

    public Optional<Path> file(String key) {
        return s.file(key);
    }

    public DetectorParams detectorParams() {
        return DetectorParams.of(detectorParams);
    }
}
