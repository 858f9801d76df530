package io.zerotrust.jobs.bench;

import io.zerotrust.jobs.analytics.Rollups;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
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
 * What one rollup window costs a checkpoint of the ClickHouse sink, which writes every window kept for late events
 * (ten minutes of every user, service, gateway and address), and costs again on the shuffle to the windows: a minute's
 * counts with three destinations, written and read back with the serializer Flink derives for the type. {@code set}:
 * {@link Rollups.Counts} as it is, its destinations declared a {@code Set} (Flink's set serializer); {@code kryo}: the
 * same fields with the destinations declared a {@code HashSet}, as they were, which Flink hands to Kryo. Run:
 * {@code ./pipeline jmh RollupState}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RollupStateBenchmark {

    /** {@link Rollups.Counts} with the destinations declared as they were. */
    public static class HashSetCounts {
        public long connections;
        public long failures;
        public long rejects;
        public long bytesIn;
        public long bytesOut;
        public long events;
        public HashSet<String> destinations = new HashSet<>();

        public HashSetCounts() {
        }
    }

    @Param({"kryo", "set"})
    String layout;

    private TypeSerializer<Object> ser;
    private Object counts;
    private DataOutputSerializer out;
    private DataInputDeserializer in;
    private byte[] written;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() throws IOException {
        List<String> destinations = List.of("vault", "builds", "10.64.3.17:5432");
        if (layout.equals("kryo")) {
            HashSetCounts c = new HashSetCounts();
            c.connections = 40;
            c.bytesOut = 1_234_567;
            c.events = 80;
            c.destinations.addAll(destinations);
            counts = c;
            ser = (TypeSerializer<Object>) (TypeSerializer<?>) TypeInformation.of(HashSetCounts.class)
                    .createSerializer(new SerializerConfigImpl());
        } else {
            Rollups.Counts c = new Rollups.Counts();
            c.connections = 40;
            c.bytesOut = 1_234_567;
            c.events = 80;
            c.destinations.addAll(destinations);
            counts = c;
            ser = (TypeSerializer<Object>) (TypeSerializer<?>) TypeInformation.of(Rollups.Counts.class)
                    .createSerializer(new SerializerConfigImpl());
        }
        out = new DataOutputSerializer(256);
        in = new DataInputDeserializer();
        ser.serialize(counts, out);
        written = out.getCopyOfBuffer();
    }

    @Benchmark
    public int write() throws IOException {
        out.clear();
        ser.serialize(counts, out);
        return out.length();
    }

    @Benchmark
    public Object read() throws IOException {
        in.setBuffer(written);
        return ser.deserialize(in);
    }
}
