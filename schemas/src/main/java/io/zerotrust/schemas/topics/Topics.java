package io.zerotrust.schemas.topics;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DeadLetter;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.DeviceInventory;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.IdentityInventory;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskScore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The registry of every topic the pipeline reads or writes. The single source for names, serdes, partition counts
 * and cleanup policies: the local platform creates topics from it, and every module takes its topics from here.
 * Partition counts are sized for parallelism of the Flink jobs and the gateway fleet, not for this machine.
 */
public final class Topics {

    /** Third-party telemetry sources with a raw topic each ({@code telemetry.raw.<source>}). */
    public static final List<String> RAW_SOURCES = List.of("zeek", "windows", "sshd", "envoy", "flow");

    public static final Topic<String, ConnectionEvent> CONN_EVENTS = Topic.avro("conn.events",
            ConnectionEvent.class, 6, CleanupPolicy.DELETE, Duration.ofDays(7),
            "One event per connection open, close and rejection; key: principal (user:<name>, else ip:<address>)");

    public static final Topic<String, DeadLetter> TELEMETRY_DLQ = Topic.avro("telemetry.dlq",
            DeadLetter.class, 1, CleanupPolicy.DELETE, Duration.ofDays(30),
            "Records that could not be parsed or mapped, with their original bytes and the reason; no key");

    public static final Topic<String, RiskScore> RISK_SCORES = Topic.avro("risk.scores",
            RiskScore.class, 6, CleanupPolicy.COMPACT, null,
            "Current risk per entity; key: entity key");

    public static final Topic<String, Anomaly> ANOMALIES = Topic.avro("anomalies",
            Anomaly.class, 3, CleanupPolicy.DELETE, Duration.ofDays(30),
            "Each detector firing; key: entity key");

    public static final Topic<String, EnforcementDecision> ENFORCEMENT_DECISIONS = Topic.avro(
            "enforcement.decisions", EnforcementDecision.class, 3, CleanupPolicy.COMPACT, null,
            "The latest enforcement decision per entity, with its explanation; key: entity key");

    public static final Topic<String, DecisionApplied> ENFORCEMENT_ACKS = Topic.avro("enforcement.acks",
            DecisionApplied.class, 3, CleanupPolicy.DELETE, Duration.ofDays(7),
            "Gateways' acknowledgements of applied decisions; key: decision id");

    public static final Topic<String, PolicyRule> POLICY_RULES = Topic.avro("policy.rules",
            PolicyRule.class, 1, CleanupPolicy.COMPACT, null,
            "The live enforcement policy, one record per rule; key: rule id");

    public static final Topic<String, DeviceInventory> INVENTORY_DEVICES = Topic.avro("inventory.devices",
            DeviceInventory.class, 1, CleanupPolicy.COMPACT, null,
            "The device inventory (owner, criticality, host names, addresses); key: device id");

    public static final Topic<String, IdentityInventory> INVENTORY_IDENTITIES = Topic.avro("inventory.identities",
            IdentityInventory.class, 1, CleanupPolicy.COMPACT, null,
            "The identity directory (department, privileged); key: user name");

    private static final List<Topic<String, byte[]>> RAW = RAW_SOURCES.stream()
            .map(source -> Topic.raw("telemetry.raw." + source, 3, Duration.ofDays(3),
                    "Raw " + source + " telemetry exactly as shipped; no key"))
            .toList();

    private static final List<Topic<?, ?>> ALL;

    static {
        List<Topic<?, ?>> all = new ArrayList<>(List.of(CONN_EVENTS, TELEMETRY_DLQ, RISK_SCORES, ANOMALIES,
                ENFORCEMENT_DECISIONS, ENFORCEMENT_ACKS, POLICY_RULES, INVENTORY_DEVICES, INVENTORY_IDENTITIES));
        all.addAll(RAW);
        ALL = Collections.unmodifiableList(all);
    }

    private Topics() {
    }

    /** Every topic, in a stable order. */
    public static List<Topic<?, ?>> all() {
        return ALL;
    }

    /** The topics whose values are Avro records registered in the schema registry. */
    public static List<Topic<?, ?>> avroTopics() {
        return ALL.stream().filter(Topic::isAvro).toList();
    }

    /** The raw topic of a telemetry source, e.g. {@code telemetry.raw.zeek}. */
    public static Topic<String, byte[]> telemetryRaw(String source) {
        return RAW.stream().filter(t -> t.name().equals("telemetry.raw." + source)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown telemetry source '" + source
                        + "'; known sources: " + RAW_SOURCES));
    }

    public static Optional<Topic<?, ?>> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
