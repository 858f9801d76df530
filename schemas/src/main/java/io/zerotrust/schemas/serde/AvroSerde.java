package io.zerotrust.schemas.serde;

import io.zerotrust.schemas.registry.RegistryClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a generated Avro class in the Schema Registry wire format, with Confluent's topic-name subject
 * strategy ({@code <topic>-value} or {@code <topic>-key}). Records written by Confluent's own serializers read here
 * and the other way round. Wire-format problems surface as Kafka's {@link SerializationException}.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final Class<T> type;
    private final RegistryClient registry;
    private final boolean autoRegister;
    private final boolean isKey;
    private final Map<String, AvroCodec<T>> codecs = new ConcurrentHashMap<>();

    public AvroSerde(Class<T> type, RegistryClient registry, boolean autoRegister, boolean isKey) {
        this.type = type;
        this.registry = registry;
        this.autoRegister = autoRegister;
        this.isKey = isKey;
    }

    /** A value serde that registers the class's schema on first write. */
    public static <T extends SpecificRecord> AvroSerde<T> forValues(Class<T> type, RegistryClient registry) {
        return new AvroSerde<>(type, registry, true, false);
    }

    /** The codec used for {@code topic}. */
    public AvroCodec<T> codec(String topic) {
        return codecs.computeIfAbsent(topic,
                t -> new AvroCodec<>(type, registry, t + (isKey ? "-key" : "-value"), autoRegister));
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                return codec(topic).encode(data);
            } catch (RuntimeException e) {
                throw new SerializationException("topic " + topic + ": " + e.getMessage(), e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> {
            try {
                return codec(topic).decode(data);
            } catch (RuntimeException e) {
                throw new SerializationException("topic " + topic + ": " + e.getMessage(), e);
            }
        };
    }
}
