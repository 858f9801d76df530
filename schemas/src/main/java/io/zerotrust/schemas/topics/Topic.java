package io.zerotrust.schemas.topics;

import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.serde.AvroSerde;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One Kafka topic of the pipeline: its name, key and value types and serdes, partition count and cleanup policy.
 * Immutable. Keys are typed entity-key strings (or absent); values are either a generated Avro class in the Schema
 * Registry wire format or raw bytes exactly as shipped. Every module gets its topics from {@link Topics}.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class Topic<K, V> {

    private final String name;
    private final Class<K> keyType;
    private final Class<V> valueType;
    private final int partitions;
    private final CleanupPolicy cleanupPolicy;
    private final Duration retention;
    private final String description;

    private Topic(String name, Class<K> keyType, Class<V> valueType, int partitions, CleanupPolicy cleanupPolicy,
                  Duration retention, String description) {
        if (name == null || !name.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("invalid topic name '" + name
                    + "': use 1-249 letters, digits, '.', '_' or '-'");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions must be at least 1, got " + partitions);
        }
        if (cleanupPolicy == CleanupPolicy.DELETE && (retention == null || retention.isNegative()
                || retention.isZero())) {
            throw new IllegalArgumentException("topic " + name + ": a delete-policy topic needs a positive retention");
        }
        this.name = name;
        this.keyType = Objects.requireNonNull(keyType, "keyType");
        this.valueType = Objects.requireNonNull(valueType, "valueType");
        this.partitions = partitions;
        this.cleanupPolicy = Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
        this.retention = retention;
        this.description = description;
    }

    /** A topic with String keys and generated-Avro values. */
    static <V extends SpecificRecord> Topic<String, V> avro(String name, Class<V> valueType, int partitions,
                                                            CleanupPolicy cleanup, Duration retention,
                                                            String description) {
        return new Topic<>(name, String.class, valueType, partitions, cleanup, retention, description);
    }

    /** A topic with (usually absent) String keys and raw byte values. */
    static Topic<String, byte[]> raw(String name, int partitions, Duration retention, String description) {
        return new Topic<>(name, String.class, byte[].class, partitions, CleanupPolicy.DELETE, retention, description);
    }

    public String name() {
        return name;
    }

    public Class<K> keyType() {
        return keyType;
    }

    public Class<V> valueType() {
        return valueType;
    }

    public int partitions() {
        return partitions;
    }

    public CleanupPolicy cleanupPolicy() {
        return cleanupPolicy;
    }

    /** Retention for DELETE topics; empty for compacted topics, which keep the latest value per key forever. */
    public Optional<Duration> retention() {
        return Optional.ofNullable(retention);
    }

    public String description() {
        return description;
    }

    /** True when values are Avro records in the Schema Registry wire format. */
    public boolean isAvro() {
        return SpecificRecord.class.isAssignableFrom(valueType);
    }

    /** The registry subject of the values (Confluent topic-name strategy). */
    public String valueSubject() {
        return name + "-value";
    }

    /** The Avro schema of the values, for Avro topics. */
    public Optional<Schema> valueSchema() {
        return isAvro() ? Optional.of(SpecificData.get().getSchema(valueType)) : Optional.empty();
    }

    /** The topic-level configs to create the topic with. */
    public Map<String, String> configs() {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("cleanup.policy", cleanupPolicy.config());
        if (retention != null) {
            configs.put("retention.ms", Long.toString(retention.toMillis()));
        }
        return configs;
    }

    @SuppressWarnings("unchecked")
    public Serde<K> keySerde() {
        return (Serde<K>) Serdes.String();
    }

    /**
     * The value serde. Avro topics resolve schemas through {@code registry} (and register the value schema on first
     * write); raw topics ignore it.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Serde<V> valueSerde(RegistryClient registry) {
        if (isAvro()) {
            Objects.requireNonNull(registry, "topic " + name + " holds Avro values and needs a schema registry");
            return (Serde<V>) AvroSerde.forValues((Class) valueType, registry);
        }
        return (Serde<V>) Serdes.ByteArray();
    }

    @Override
    public String toString() {
        return name;
    }
}
