package io.zerotrust.schemas.flink;

import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.serde.AvroCodec;
import io.zerotrust.schemas.topics.Topic;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;

/**
 * Flink serialization schema for a generated Avro class in the Schema Registry wire format; registers the class's
 * schema under the subject on first use. Serializable configuration; the registry client opens on the task.
 */
public final class RegistryAvroSerializationSchema<T extends SpecificRecord> implements SerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final String registryUrl;
    private final String subject;
    private transient AvroCodec<T> codec;

    public RegistryAvroSerializationSchema(Class<T> type, String registryUrl, String subject) {
        this.type = Objects.requireNonNull(type, "type");
        this.registryUrl = Objects.requireNonNull(registryUrl, "registryUrl");
        this.subject = Objects.requireNonNull(subject, "subject");
    }

    /** Writes the values of an Avro topic of the registry. */
    public static <T extends SpecificRecord> RegistryAvroSerializationSchema<T> forTopic(Topic<?, T> topic,
                                                                                         String registryUrl) {
        if (!topic.isAvro()) {
            throw new IllegalArgumentException("topic " + topic.name() + " does not hold Avro values");
        }
        return new RegistryAvroSerializationSchema<>(topic.valueType(), registryUrl, topic.valueSubject());
    }

    @Override
    public void open(InitializationContext context) {
        codec();
    }

    @Override
    public byte[] serialize(T element) {
        return codec().encode(element);
    }

    private AvroCodec<T> codec() {
        if (codec == null) {
            codec = new AvroCodec<>(type, RegistryClient.connect(registryUrl), subject, true);
        }
        return codec;
    }
}
