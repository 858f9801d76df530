package io.zerotrust.schemas.serde;

import io.zerotrust.schemas.registry.RegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Encodes and decodes one generated Avro class in the Schema Registry wire format: a zero magic byte, the writer
 * schema's 4-byte big-endian registry id, then the Avro binary body. Decoding resolves the writer schema by id (one
 * registry call per id, then cached) against the class's own schema, so old and new producers can be read.
 * Used by the Kafka serde and by the Flink (de)serialization schemas alike. Thread-safe.
 */
public final class AvroCodec<T extends SpecificRecord> {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private final Class<T> type;
    private final Schema schema;
    private final RegistryClient registry;
    private final String subject;
    private final boolean autoRegister;
    private final SpecificDatumWriter<T> writer;
    private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();
    private volatile int writerId = -1;

    /**
     * @param subject      the registry subject written records are registered under (e.g. {@code conn.events-value})
     * @param autoRegister register the class's schema on first write; when false it must already be registered
     */
    public AvroCodec(Class<T> type, RegistryClient registry, String subject, boolean autoRegister) {
        this.type = type;
        this.schema = SpecificData.get().getSchema(type);
        this.registry = registry;
        this.subject = subject;
        this.autoRegister = autoRegister;
        // The generated classes' own encoders (customEncode) write the same bytes as the generic, reflective path,
        // several times faster; they only ever write the class's own schema, which is what is written here.
        SpecificData data = new SpecificData(type.getClassLoader());
        data.setCustomCoders(true);
        this.writer = new SpecificDatumWriter<>(schema, data);
    }

    public Class<T> type() {
        return type;
    }

    public Schema schema() {
        return schema;
    }

    public String subject() {
        return subject;
    }

    /** The registry id records are written with (registering or looking it up on first use). */
    public int writerSchemaId() {
        int id = writerId;
        if (id < 0) {
            id = autoRegister ? registry.register(subject, schema) : registry.idOf(subject, schema);
            writerId = id;
        }
        return id;
    }

    public byte[] encode(T record) {
        int id = writerSchemaId();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new WireFormatException("cannot encode a " + type.getSimpleName() + " for subject '" + subject
                    + "': " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    public T decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length < HEADER_SIZE || bytes[0] != MAGIC_BYTE) {
            throw new WireFormatException("not in the Schema Registry wire format: " + (bytes.length < HEADER_SIZE
                    ? bytes.length + " bytes, fewer than the 5-byte header"
                    : "first byte is " + bytes[0] + ", expected the magic byte 0"), null);
        }
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        SpecificDatumReader<T> reader = readers.computeIfAbsent(id,
                i -> new SpecificDatumReader<>(registry.schemaById(i), schema));
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(bytes, HEADER_SIZE, bytes.length - HEADER_SIZE, null);
        try {
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new WireFormatException("cannot decode a " + type.getSimpleName() + " written with schema id " + id
                    + " (" + bytes.length + " bytes): " + e.getMessage(), e);
        }
    }
}
