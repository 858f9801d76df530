package io.zerotrust.schemas.flink;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer for a generated Avro class: each record as its Avro binary body behind a 4-byte length, written
 * and read by the generated class's own coders ({@code customEncode}, {@code customDecode}) through a buffer.
 *
 * <p>Flink's own {@code AvroSerializer} walks the schema reflectively, through call sites shared by every record type
 * of the job, and writes through an unbuffered encoder. In the risk job it encodes each connection event twice, for
 * the two shuffles (by user, by source address); with this serializer the reading thread and the detectors use less
 * CPU at 10,000 events/s (docs/benchmarks.md; {@code ./pipeline jmh ShuffleSerializer} compares the two alone). The
 * bytes after the length are plain Avro binary of the class's schema, so a snapshot of this serializer restores data
 * written with an older schema by Avro's schema resolution.
 *
 * <p>Not thread-safe (it reuses its buffers and coders): Flink gives each thread its own {@link #duplicate()}.
 */
public final class SpecificRecordSerializer<T extends SpecificRecord> extends TypeSerializer<T> {

    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    /** The schema the bytes to read were written with, as JSON; null: the class's own (all but restored data). */
    private final String writerSchema;

    private transient Schema schema;
    private transient SpecificData data;
    private transient SpecificDatumWriter<T> writer;
    private transient SpecificDatumReader<T> reader;
    private transient Buffer buffer;
    private transient BinaryEncoder encoder;
    private transient BinaryDecoder decoder;
    private transient byte[] input;

    public SpecificRecordSerializer(Class<T> type) {
        this(type, null);
    }

    /** Reads bytes written with {@code writerSchema} (JSON; null for the class's own schema) into the class. */
    SpecificRecordSerializer(Class<T> type, String writerSchema) {
        this.type = Objects.requireNonNull(type, "type");
        this.writerSchema = writerSchema;
    }

    public Class<T> type() {
        return type;
    }

    private Schema schema() {
        if (schema == null) {
            schema = SpecificData.get().getSchema(type);
        }
        return schema;
    }

    private SpecificData data() {
        if (data == null) {
            data = new SpecificData(type.getClassLoader());
            // the generated coders write the same bytes as the reflective path, several times faster
            data.setCustomCoders(true);
        }
        return data;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<T> duplicate() {
        return new SpecificRecordSerializer<>(type, writerSchema);
    }

    @Override
    public T createInstance() {
        @SuppressWarnings("unchecked")
        T record = (T) data().newRecord(null, schema());
        return record;
    }

    @Override
    public T copy(T from) {
        return from == null ? null : data().deepCopy(schema(), from);
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        if (writer == null) {
            writer = new SpecificDatumWriter<>(schema(), data());
            buffer = new Buffer();
        }
        buffer.count = 0;
        encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
        writer.write(record, encoder);
        encoder.flush();
        target.writeInt(buffer.count);
        target.write(buffer.bytes, 0, buffer.count);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        return deserialize(null, source);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        if (reader == null) {
            Schema written = writerSchema == null ? schema() : new Schema.Parser().parse(writerSchema);
            reader = new SpecificDatumReader<>(written, schema(), data());
            input = new byte[256];
        }
        int length = source.readInt();
        if (length < 0) {
            throw new IOException("corrupt " + type.getSimpleName() + " record: length " + length);
        }
        if (length > input.length) {
            input = new byte[Math.max(length, input.length * 2)];
        }
        source.readFully(input, 0, length);
        decoder = DecoderFactory.get().binaryDecoder(input, 0, length, decoder);
        return reader.read(reuse, decoder);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        int length = source.readInt();
        target.writeInt(length);
        target.write(source, length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpecificRecordSerializer<?> other && type.equals(other.type)
                && Objects.equals(writerSchema, other.writerSchema);
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new Snapshot<>(type, schema());
    }

    /** A growable byte array without the locks of {@code ByteArrayOutputStream}. */
    private static final class Buffer extends OutputStream {
        byte[] bytes = new byte[512];
        int count;

        @Override
        public void write(int b) {
            ensure(1);
            bytes[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, count, len);
            count += len;
        }

        private void ensure(int more) {
            if (count + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(count + more, bytes.length * 2));
            }
        }
    }

    /**
     * The class and the schema its data was written with. Data of an older schema is restored when the current class
     * can read it by Avro's resolution rules (then Flink migrates it); otherwise restore fails, naming both.
     */
    public static final class Snapshot<T extends SpecificRecord> implements TypeSerializerSnapshot<T> {
        private static final int VERSION = 1;
        private Class<T> type;
        private Schema schema;

        /** For Flink, which reads the fields with {@link #readSnapshot}. */
        public Snapshot() {
        }

        Snapshot(Class<T> type, Schema schema) {
            this.type = type;
            this.schema = schema;
        }

        @Override
        public int getCurrentVersion() {
            return VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeUTF(type.getName());
            byte[] json = schema.toString().getBytes(StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) throws IOException {
            if (version != VERSION) {
                throw new IOException("unknown version " + version + " of a SpecificRecordSerializer snapshot");
            }
            String name = in.readUTF();
            byte[] json = new byte[in.readInt()];
            in.readFully(json);
            try {
                type = (Class<T>) Class.forName(name, false, classLoader);
            } catch (ClassNotFoundException e) {
                throw new IOException("the snapshot's record class " + name + " is not on the class path", e);
            }
            schema = new Schema.Parser().parse(new String(json, StandardCharsets.UTF_8));
        }

        @Override
        public TypeSerializer<T> restoreSerializer() {
            return new SpecificRecordSerializer<>(type, schema.toString());
        }

        @Override
        public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
                TypeSerializerSnapshot<T> oldSnapshot) {
            if (!(oldSnapshot instanceof Snapshot<T> old) || !old.type.getName().equals(type.getName())) {
                return TypeSerializerSchemaCompatibility.incompatible();
            }
            if (old.schema.equals(schema)) {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            return SchemaCompatibility.checkReaderWriterCompatibility(schema, old.schema).getType()
                    == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE
                    ? TypeSerializerSchemaCompatibility.compatibleAfterMigration()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
