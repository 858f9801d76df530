package io.zerotrust.schemas.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.schemas.ContractSamples;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Flink's own contract tests for a serializer ({@link SerializerTestBase}: copies, reuse, sequences, snapshots,
 * duplicates, Java serialization) over fully populated and sparse connection events, plus what is particular to this
 * one: the bytes are plain Avro binary, and a snapshot restores data of an older schema or refuses it by name.
 */
class SpecificRecordSerializerTest extends SerializerTestBase<ConnectionEvent> {

    @Override
    protected TypeSerializer<ConnectionEvent> createSerializer() {
        return new SpecificRecordSerializer<>(ConnectionEvent.class);
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<ConnectionEvent> getTypeClass() {
        return ConnectionEvent.class;
    }

    @Override
    protected ConnectionEvent[] getTestData() {
        List<ConnectionEvent> events = new ArrayList<>();
        for (long seed = 1; seed <= 4; seed++) {
            events.add(ContractSamples.of(ConnectionEvent.class, seed));
            events.add(sparse(ContractSamples.of(ConnectionEvent.class, seed + 100)));
        }
        ConnectionEvent large = ContractSamples.of(ConnectionEvent.class, 7);
        large.setEventId("e".repeat(5_000)); // longer than the serializer's first buffers
        events.add(large);
        return events.toArray(new ConnectionEvent[0]);
    }

    /** The record with every optional (union with null) field set to null. */
    private static ConnectionEvent sparse(ConnectionEvent e) {
        for (Schema.Field f : e.getSchema().getFields()) {
            if (f.schema().isNullable()) {
                e.put(f.pos(), null);
            }
        }
        return e;
    }

    @Test
    void writesPlainAvroBinaryBehindALength() throws IOException {
        ConnectionEvent e = ContractSamples.of(ConnectionEvent.class, 3);
        DataOutputSerializer out = new DataOutputSerializer(64);
        createSerializer().serialize(e, out);
        byte[] written = out.getCopyOfBuffer();

        java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(plain, null);
        new GenericDatumWriter<GenericRecord>(e.getSchema(), GenericData.get()).write(e, encoder);
        encoder.flush();
        byte[] avro = plain.toByteArray();

        assertThat(new DataInputDeserializer(written).readInt()).isEqualTo(avro.length);
        assertThat(Arrays.copyOfRange(written, 4, written.length)).isEqualTo(avro);
    }

    @Test
    void restoresDataOfAnOlderSchemaThatTheClassCanRead() throws IOException {
        Schema current = ConnectionEvent.getClassSchema();
        Schema older = withoutField(current, "requestCount");
        GenericRecord old = new GenericData.Record(older);
        ConnectionEvent sample = ContractSamples.of(ConnectionEvent.class, 5);
        for (Schema.Field f : older.getFields()) {
            old.put(f.name(), SpecificData.get().deepCopy(f.schema(), sample.get(current.getField(f.name()).pos())));
        }
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(body, null);
        new GenericDatumWriter<GenericRecord>(older, GenericData.get()).write(old, encoder);
        encoder.flush();
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeInt(body.size());
        out.write(body.toByteArray());

        SpecificRecordSerializer.Snapshot<ConnectionEvent> oldSnapshot =
                new SpecificRecordSerializer.Snapshot<>(ConnectionEvent.class, older);
        assertThat(createSerializer().snapshotConfiguration().resolveSchemaCompatibility(oldSnapshot)
                .isCompatibleAfterMigration()).isTrue();
        ConnectionEvent restored = oldSnapshot.restoreSerializer()
                .deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(restored.getEventId()).isEqualTo(sample.getEventId());
        assertThat(restored.getUser()).isEqualTo(sample.getUser());
        assertThat(restored.getRequestCount()).as("the field's default").isEqualTo(
                current.getField("requestCount").defaultVal());
    }

    @Test
    void refusesASnapshotOfAnotherClassOrOfDataTheClassCannotRead() {
        Schema current = ConnectionEvent.getClassSchema();
        TypeSerializerSchemaCompatibility<ConnectionEvent> sameSchema = createSerializer().snapshotConfiguration()
                .resolveSchemaCompatibility(new SpecificRecordSerializer.Snapshot<>(ConnectionEvent.class, current));
        assertThat(sameSchema.isCompatibleAsIs()).isTrue();

        // eventId written as a long: no Avro resolution turns that into a string
        Schema unreadable = withField(current, "eventId", Schema.create(Schema.Type.LONG));
        assertThat(createSerializer().snapshotConfiguration()
                .resolveSchemaCompatibility(new SpecificRecordSerializer.Snapshot<>(ConnectionEvent.class, unreadable))
                .isIncompatible()).isTrue();
    }

    @Test
    void aCopySharesNothingWithItsOriginal() {
        ConnectionEvent original = ContractSamples.of(ConnectionEvent.class, 9);
        String service = original.getDst().getService();
        ConnectionEvent copy = createSerializer().copy(original);
        copy.getDst().setService("changed");
        copy.getAttributes().clear();
        assertThat(original.getDst().getService()).isEqualTo(service);
        assertThat(original.getAttributes()).isNotEmpty();
    }

    @Test
    void aCorruptLengthIsAClearError() {
        DataOutputSerializer out = new DataOutputSerializer(8);
        assertThatThrownBy(() -> {
            out.writeInt(-3);
            createSerializer().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        }).isInstanceOf(IOException.class).hasMessageContaining("ConnectionEvent").hasMessageContaining("-3");
    }

    private static Schema withoutField(Schema schema, String dropped) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            if (!f.name().equals(dropped)) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    private static Schema withField(Schema schema, String name, Schema type) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            fields.add(f.name().equals(name) ? new Schema.Field(name, type) : new Schema.Field(f, f.schema()));
        }
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }
}
