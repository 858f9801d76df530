package io.zerotrust.jobs.kafka;

import io.zerotrust.avro.DeadLetter;
import io.zerotrust.schemas.flink.RegistryAvroSerializationSchema;
import io.zerotrust.schemas.flink.SpecificRecordSerializer;
import io.zerotrust.schemas.flink.SpecificRecordTypeInfo;
import io.zerotrust.schemas.topics.Topic;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** The Kafka sources and sinks the jobs share: registry Avro in, dead letters for what cannot be decoded. */
public final class JobKafka {

    /** Records that could not be decoded, for {@code telemetry.dlq}. */
    public static final OutputTag<DeadLetter> UNDECODABLE = new OutputTag<>("undecodable",
            new SpecificRecordTypeInfo<>(DeadLetter.class));

    private JobKafka() {
    }

    /** Where a job without a checkpoint starts: committed (else earliest), earliest, latest, or an epoch-ms time. */
    public static OffsetsInitializer start(String setting) {
        return switch (setting) {
            case "committed" -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case "earliest" -> OffsetsInitializer.earliest();
            case "latest" -> OffsetsInitializer.latest();
            default -> OffsetsInitializer.timestamp(Long.parseLong(setting));
        };
    }

    /**
     * A source of {@code topic} starting at {@code start} (a restore from a checkpoint or savepoint continues from
     * the offsets in it instead), reading committed records only, decoding safely ({@link SafeAvroDeserializer}).
     */
    public static <T extends SpecificRecord> KafkaSource<Either<DeadLetter, T>> source(
            String bootstrap, String registryUrl, String groupId, Topic<String, T> topic, OffsetsInitializer start,
            String stage) {
        return KafkaSource.<Either<DeadLetter, T>>builder()
                .setBootstrapServers(bootstrap)
                .setTopics(topic.name())
                .setGroupId(groupId)
                .setStartingOffsets(start)
                .setDeserializer(SafeAvroDeserializer.forTopic(topic, registryUrl, stage))
                .setProperty("isolation.level", "read_committed")
                .build();
    }

    /**
     * Splits decoded records from undecodable ones; the latter go to the {@link #UNDECODABLE} side output. The records
     * cross shuffles with a {@link SpecificRecordSerializer} (the generated classes' own coders), not with Flink's
     * reflective Avro serializer.
     */
    public static <T extends SpecificRecord> SingleOutputStreamOperator<T> decoded(
            DataStream<Either<DeadLetter, T>> in, Topic<String, T> topic, String uid) {
        TypeInformation<T> type = new SpecificRecordTypeInfo<>(topic.valueType());
        return in.process(new ProcessFunction<Either<DeadLetter, T>, T>() {
            @Override
            public void processElement(Either<DeadLetter, T> e, Context ctx, Collector<T> out) {
                if (e.isRight()) {
                    out.collect(e.right());
                } else {
                    ctx.output(UNDECODABLE, e.left());
                }
            }
        }).returns(type).uid(uid).name("decode " + topic.name());
    }

    /** The key of a record (a serializable function). */
    public interface KeyOf<T> extends Function<T, String>, java.io.Serializable {
    }

    /** A sink to an Avro topic, keyed; exactly once through transactions prefixed {@code transactionPrefix}. */
    public static <T extends SpecificRecord> KafkaSink<T> sink(String bootstrap, String registryUrl,
                                                               Topic<String, T> topic, KeyOf<T> key,
                                                               DeliveryGuarantee guarantee, String transactionPrefix) {
        Properties p = new Properties();
        // below the broker's transaction.max.timeout.ms (15 min), above any checkpoint interval we use
        p.setProperty("transaction.timeout.ms", "600000");
        return KafkaSink.<T>builder()
                .setBootstrapServers(bootstrap)
                .setDeliveryGuarantee(guarantee)
                .setTransactionalIdPrefix(transactionPrefix)
                .setKafkaProducerConfig(p)
                .setRecordSerializer(KafkaRecordSerializationSchema.<T>builder()
                        .setTopic(topic.name())
                        .setKeySerializationSchema(v -> key.apply(v).getBytes(StandardCharsets.UTF_8))
                        .setValueSerializationSchema(RegistryAvroSerializationSchema.forTopic(topic, registryUrl))
                        .build())
                .build();
    }
}
