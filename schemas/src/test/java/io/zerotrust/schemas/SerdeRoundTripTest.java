package io.zerotrust.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.schemas.flink.RegistryAvroDeserializationSchema;
import io.zerotrust.schemas.flink.RegistryAvroSerializationSchema;
import io.zerotrust.schemas.serde.AvroCodec;
import io.zerotrust.schemas.serde.WireFormatException;
import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every contract through every serde, against a real registry server over HTTP. */
class SerdeRoundTripTest {

    private static RegistryServerFixture registry;

    @BeforeAll
    static void start() throws Exception {
        registry = new RegistryServerFixture();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void kafkaSerdeRoundTripsEveryContract() {
        for (Topic<?, ?> topic : Topics.avroTopics()) {
            Serde serde = topic.valueSerde(registry.client);
            for (long seed = 1; seed <= 3; seed++) {
                Object record = ContractSamples.of((Class) topic.valueType(), seed);
                byte[] bytes = serde.serializer().serialize(topic.name(), record);
                assertThat(bytes[0]).as("magic byte").isZero();
                int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
                assertThat(registry.client.schemaById(id)).isEqualTo(topic.valueSchema().orElseThrow());
                assertThat(serde.deserializer().deserialize(topic.name(), bytes)).as(topic.name()).isEqualTo(record);
            }
            assertThat(registry.client.subjects()).contains(topic.valueSubject());
        }
        assertThat(Topics.CONN_EVENTS.keySerde().deserializer().deserialize("conn.events",
                Topics.CONN_EVENTS.keySerde().serializer().serialize("conn.events", "user:alice")))
                .isEqualTo("user:alice");
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void flinkSchemasRoundTripEveryContractAfterJavaSerialization() throws Exception {
        for (Topic<?, ?> topic : Topics.avroTopics()) {
            // Flink ships schemas to tasks with Java serialization: round-trip them that way first.
            RegistryAvroSerializationSchema ser = roundTrip(
                    RegistryAvroSerializationSchema.forTopic((Topic) topic, registry.server.url()));
            RegistryAvroDeserializationSchema de = roundTrip(
                    RegistryAvroDeserializationSchema.forTopic((Topic) topic, registry.server.url()));
            ser.open(null);
            de.open(null);
            SpecificRecord record = ContractSamples.of((Class<SpecificRecord>) topic.valueType(), 42);
            byte[] bytes = ser.serialize(record);
            assertThat(de.deserialize(bytes)).as(topic.name()).isEqualTo(record);
            assertThat(de.getProducedType().getTypeClass()).isEqualTo(topic.valueType());
            assertThat(de.getProducedType().getClass().getSimpleName()).as("Flink's Avro type, not Kryo")
                    .isEqualTo("AvroTypeInfo");
            // and the Kafka serde reads what Flink wrote
            assertThat(topic.valueSerde(registry.client).deserializer().deserialize(topic.name(), bytes))
                    .isEqualTo(record);
        }
    }

    @Test
    void readsRecordsWrittenWithAnOlderSchemaFillingDefaults() throws Exception {
        // An older producer that did not know the last field with a default yet.
        Schema current = ConnectionEvent.getClassSchema();
        Schema.Field added = current.getFields().stream().filter(Schema.Field::hasDefaultValue)
                .reduce((a, b) -> b).orElseThrow();
        List<Schema.Field> olderFields = current.getFields().stream().filter(f -> f != added)
                .map(f -> new Schema.Field(f, f.schema())).toList();
        Schema older = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false,
                olderFields);
        String subject = "compat-test-value";
        int olderId = registry.client.register(subject, older);

        ConnectionEvent sample = ContractSamples.of(ConnectionEvent.class, 7);
        GenericRecord asOlder = new GenericData.Record(older);
        for (Schema.Field f : older.getFields()) {
            asOlder.put(f.name(), sample.get(f.name()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(olderId).array());
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(older, SpecificData.get()).write(asOlder, enc);
        enc.flush();

        ConnectionEvent read = new AvroCodec<>(ConnectionEvent.class, registry.client, subject, false)
                .decode(out.toByteArray());
        assertThat(read.get(added.name())).as("filled from the default of " + added.name())
                .isEqualTo(SpecificData.get().getDefaultValue(added))
                .isNotEqualTo(sample.get(added.name()));
        for (Schema.Field f : older.getFields()) {
            assertThat(read.get(f.name())).as(f.name()).isEqualTo(sample.get(f.name()));
        }
    }

    @Test
    void rejectsBytesThatAreNotInTheWireFormat() {
        AvroCodec<ConnectionEvent> codec = new AvroCodec<>(ConnectionEvent.class, registry.client,
                "conn.events-value", true);
        assertThatThrownBy(() -> codec.decode("{\"json\":1}".getBytes()))
                .isInstanceOf(WireFormatException.class).hasMessageContaining("magic byte");
        assertThatThrownBy(() -> codec.decode(new byte[] {0, 0}))
                .isInstanceOf(WireFormatException.class).hasMessageContaining("fewer than the 5-byte header");
        byte[] truncated = java.util.Arrays.copyOf(codec.encode(ContractSamples.of(ConnectionEvent.class, 1)), 20);
        assertThatThrownBy(() -> codec.decode(truncated))
                .isInstanceOf(WireFormatException.class).hasMessageContaining("cannot decode a ConnectionEvent");
        Serde<ConnectionEvent> serde = Topics.CONN_EVENTS.valueSerde(registry.client);
        assertThatThrownBy(() -> serde.deserializer().deserialize("conn.events", new byte[] {1, 2, 3, 4, 5, 6}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("conn.events");
        assertThat(serde.deserializer().deserialize("conn.events", null)).isNull();
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T object) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

}
