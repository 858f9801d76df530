package io.zerotrust.jobs.kafka;

import io.zerotrust.avro.DeadLetter;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.serde.AvroCodec;
import io.zerotrust.schemas.topics.Topic;
import java.nio.ByteBuffer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads an Avro topic of the registry without ever failing the job on a bad record: each record becomes either its
 * value (right) or a {@link DeadLetter} (left) carrying the original bytes, where it was read and why it could not be
 * decoded, for the job to send to {@code telemetry.dlq}. Tombstones (null values on compacted topics) are skipped.
 */
public final class SafeAvroDeserializer<T extends SpecificRecord>
        implements KafkaRecordDeserializationSchema<Either<DeadLetter, T>> {

    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final String registryUrl;
    private final String subject;
    private final String stage;
    private transient AvroCodec<T> codec;

    private SafeAvroDeserializer(Class<T> type, String registryUrl, String subject, String stage) {
        this.type = type;
        this.registryUrl = registryUrl;
        this.subject = subject;
        this.stage = stage;
    }

    /** Reads the values of {@code topic}; {@code stage} names the job in dead letters. */
    public static <T extends SpecificRecord> SafeAvroDeserializer<T> forTopic(Topic<?, T> topic, String registryUrl,
                                                                             String stage) {
        if (!topic.isAvro()) {
            throw new IllegalArgumentException("topic " + topic.name() + " does not hold Avro values");
        }
        return new SafeAvroDeserializer<>(topic.valueType(), registryUrl, topic.valueSubject(), stage);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        codec();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Either<DeadLetter, T>> out) {
        if (record.value() == null) {
            return;
        }
        try {
            out.collect(Either.Right(codec().decode(record.value())));
        } catch (RuntimeException e) {
            out.collect(Either.Left(deadLetter(record, e)));
        }
    }

    private DeadLetter deadLetter(ConsumerRecord<byte[], byte[]> r, RuntimeException e) {
        return DeadLetter.newBuilder()
                .setId("dlq-" + r.topic() + "-" + r.partition() + "-" + r.offset())
                .setFailedAt(System.currentTimeMillis())
                .setStage(stage)
                .setSource(r.topic())
                .setTopic(r.topic())
                .setPartition(r.partition())
                .setOffset(r.offset())
                .setReason("cannot decode a " + type.getSimpleName() + " (" + r.value().length + " bytes): "
                        + e.getMessage())
                .setErrorType("undecodable")
                .setPayload(ByteBuffer.wrap(r.value()))
                .build();
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public TypeInformation<Either<DeadLetter, T>> getProducedType() {
        // generated classes extend SpecificRecordBase, which AvroTypeInfo requires
        TypeInformation<T> value = (TypeInformation<T>) new AvroTypeInfo(type);
        return new EitherTypeInfo<>(new AvroTypeInfo<>(DeadLetter.class), value);
    }

    private AvroCodec<T> codec() {
        if (codec == null) {
            codec = new AvroCodec<>(type, RegistryClient.connect(registryUrl), subject, false);
        }
        return codec;
    }
}
