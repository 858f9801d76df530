package io.zerotrust.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The types of the sink job as built (nothing is contacted): nothing it sends across an edge or keeps in its window
 * state goes through Kryo, which is several times slower than Flink's own serializers and every checkpoint writes
 * ten minutes of rollup windows.
 */
class RollupTypesTest {

    @TempDir
    Path dir;

    @Test
    void noEdgeOfTheSinkJobUsesKryo() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AnalyticsJob.build(env, AnalyticsJob.settings(Map.of(AnalyticsJob.CHECKPOINT_DIR,
                dir.resolve("checkpoints").toString())));
        Map<String, String> types = new HashMap<>();
        for (Transformation<?> sink : env.getTransformations()) {
            for (Transformation<?> t : sink.getTransitivePredecessors()) {
                // a Kafka source's output (a record or its dead letter) goes chained into its decoder, unserialized
                if (!(t.getOutputType() instanceof EitherTypeInfo<?, ?>)) {
                    types.put(t.getName(), t.getOutputType().toString());
                }
            }
        }
        assertThat(types).containsKeys("rollup pre-aggregation", "1-minute rollups", "decode conn.events");
        assertThat(types).allSatisfy((name, type) -> assertThat(type).as(name).doesNotContain("GenericType"));
    }

    @Test
    void aMinutesCountsAreWrittenWithFlinksOwnSerializers() throws Exception {
        TypeInformation<Rollups.Counts> info = TypeInformation.of(Rollups.Counts.class);
        assertThat(info.toString()).doesNotContain("GenericType").contains("destinations: NullableSet<String>");
        TypeSerializer<Rollups.Counts> serializer = info.createSerializer(new SerializerConfigImpl());
        Rollups.Counts c = new Rollups.Counts();
        c.connections = 3;
        c.failures = 1;
        c.bytesOut = 12_345;
        c.events = 7;
        c.destinations.addAll(Set.of("vault", "builds", "10.0.0.9:22"));
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(c, out);
        Rollups.Counts back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).usingRecursiveComparison().isEqualTo(c);
        back.destinations.add("docs"); // a window keeps adding to what a checkpoint restored
        assertThat(back.destinations).hasSize(4);
    }
}
