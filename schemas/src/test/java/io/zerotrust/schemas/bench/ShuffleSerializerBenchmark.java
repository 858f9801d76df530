package io.zerotrust.schemas.bench;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.schemas.ContractSamples;
import io.zerotrust.schemas.flink.SpecificRecordSerializer;
import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one connection event costs to cross a Flink shuffle: written into a network buffer and read back, with Flink's
 * own {@code AvroSerializer} ({@code flink}) and with {@link SpecificRecordSerializer} ({@code specific}), which the
 * jobs use. The event has every field set. Run: {@code ./pipeline jmh ShuffleSerializer}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ShuffleSerializerBenchmark {

    @Param({"flink", "specific"})
    String serializer;

    private TypeSerializer<ConnectionEvent> ser;
    private ConnectionEvent event;
    private DataOutputSerializer out;
    private DataInputDeserializer in;
    private byte[] written;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        ser = serializer.equals("flink") ? new AvroSerializer<>(ConnectionEvent.class)
                : new SpecificRecordSerializer<>(ConnectionEvent.class);
        event = ContractSamples.of(ConnectionEvent.class, 42);
        out = new DataOutputSerializer(4096);
        in = new DataInputDeserializer();
        everyContractThroughBoth();
        out.clear();
        ser.serialize(event, out);
        written = out.getCopyOfBuffer();
    }

    /**
     * In a job the same Avro code serves every record type (events, anomalies, scores, decisions, dead letters), so
     * its call sites see many schemas before the measured one: both serializers first move each contract's samples.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void everyContractThroughBoth() throws IOException {
        List<TypeSerializer> serializers = new ArrayList<>();
        List<SpecificRecord> records = new ArrayList<>();
        for (Topic<?, ?> topic : Topics.avroTopics()) {
            Class type = topic.valueType();
            for (TypeSerializer s : new TypeSerializer[] {new AvroSerializer<>(type),
                    new SpecificRecordSerializer<>(type)}) {
                serializers.add(s);
                records.add(ContractSamples.of(type, serializers.size()));
            }
        }
        for (int round = 0; round < 5_000; round++) {
            for (int i = 0; i < serializers.size(); i++) {
                out.clear();
                serializers.get(i).serialize(records.get(i), out);
                in.setBuffer(out.getCopyOfBuffer());
                serializers.get(i).deserialize(in);
            }
        }
    }

    @Benchmark
    public int write() throws IOException {
        out.clear();
        ser.serialize(event, out);
        return out.length();
    }

    @Benchmark
    public ConnectionEvent read() throws IOException {
        in.setBuffer(written);
        return ser.deserialize(in);
    }
}
