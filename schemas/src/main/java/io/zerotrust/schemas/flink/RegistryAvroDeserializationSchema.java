package io.zerotrust.schemas.flink;

import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.serde.AvroCodec;
import io.zerotrust.schemas.topics.Topic;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Flink deserialization schema for a generated Avro class in the Schema Registry wire format. It is serializable
 * configuration (class, registry URL, subject) and opens its registry client on the task, in {@link #open}. The
 * produced type is Flink's Avro type information when flink-avro is on the job's classpath.
 */
public final class RegistryAvroDeserializationSchema<T extends SpecificRecord> implements DeserializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final String registryUrl;
    private final String subject;
    private transient AvroCodec<T> codec;

    public RegistryAvroDeserializationSchema(Class<T> type, String registryUrl, String subject) {
        this.type = Objects.requireNonNull(type, "type");
        this.registryUrl = Objects.requireNonNull(registryUrl, "registryUrl");
        this.subject = Objects.requireNonNull(subject, "subject");
    }

    /** Reads the values of an Avro topic of the registry. */
    public static <T extends SpecificRecord> RegistryAvroDeserializationSchema<T> forTopic(Topic<?, T> topic,
                                                                                           String registryUrl) {
        if (!topic.isAvro()) {
            throw new IllegalArgumentException("topic " + topic.name() + " does not hold Avro values");
        }
        return new RegistryAvroDeserializationSchema<>(topic.valueType(), registryUrl, topic.valueSubject());
    }

    @Override
    public void open(InitializationContext context) {
        codec();
    }

    @Override
    public T deserialize(byte[] message) {
        return codec().decode(message);
    }

    @Override
    public boolean isEndOfStream(T nextElement) {
        return false;
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return TypeInformation.of(type);
    }

    private AvroCodec<T> codec() {
        if (codec == null) {
            codec = new AvroCodec<>(type, RegistryClient.connect(registryUrl), subject, false);
        }
        return codec;
    }
}
