package io.zerotrust.jobs.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The risk job's graph as built, without running it (no broker or registry is contacted). */
class RiskJobGraphTest {

    @TempDir
    Path dir;

    /**
     * Only the two edges that carry every event batch records for up to {@code risk.buffer.timeout.ms}; every other
     * edge sends each record at once (timeout 0, which also means no flusher thread waking every few milliseconds).
     */
    @Test
    void onlyTheEventEdgesWaitForBuffersToFill() {
        StreamGraph graph = graph(Map.of(RiskJobConfig.BUFFER_TIMEOUT, "7"));
        List<String> waiting = new ArrayList<>();
        List<String> atOnce = new ArrayList<>();
        for (StreamNode node : graph.getStreamNodes()) {
            for (StreamEdge edge : node.getOutEdges()) {
                String name = node.getOperatorName() + " -> " + graph.getStreamNode(edge.getTargetId())
                        .getOperatorName();
                if (edge.getBufferTimeout() == 7) {
                    waiting.add(name);
                } else {
                    assertThat(edge.getBufferTimeout()).as(name).isZero();
                    atOnce.add(name);
                }
            }
        }
        assertThat(waiting).containsExactlyInAnyOrder("events with a user -> user detectors",
                "events with a source -> source detectors");
        assertThat(atOnce).contains("user detectors -> risk scoring", "source detectors -> risk scoring",
                        "failed authentications -> destination detectors", "destination detectors -> risk scoring")
                .anyMatch(e -> e.endsWith("-> policy"));
    }

    /**
     * Records cross the event shuffles, and every other edge that carries a generated Avro class read from Kafka, with
     * the generated classes' own coders, not with Flink's reflective AvroSerializer nor with Kryo.
     */
    @Test
    void eventsCrossTheShufflesWithTheGeneratedCoders() {
        StreamGraph graph = graph(Map.of());
        Map<String, String> serializers = new HashMap<>();
        for (StreamNode node : graph.getStreamNodes()) {
            if (node.getTypeSerializerOut() != null) {
                serializers.put(node.getOperatorName(), node.getTypeSerializerOut().getClass().getSimpleName());
            }
        }
        assertThat(serializers).containsEntry("events with a user", "SpecificRecordSerializer")
                .containsEntry("events with a source", "SpecificRecordSerializer")
                .containsEntry("manual decisions", "SpecificRecordSerializer")
                .containsEntry("late events", "SpecificRecordSerializer");
        assertThat(serializers).allSatisfy((operator, serializer) ->
                assertThat(serializer).as(operator).isNotIn("AvroSerializer", "KryoSerializer"));
    }

    /** A backfill's decisions pass through one more operator, which makes them SHADOW; a live job has none. */
    @Test
    void onlyABackfillMakesItsDecisionsShadow() {
        assertThat(graph(Map.of()).getStreamNodes()).extracting(StreamNode::getOperatorName)
                .doesNotContain("backfill: shadow decisions");
        StreamGraph backfill = graph(Map.of(RiskJobConfig.BACKFILL, "true"));
        StreamNode shadow = backfill.getStreamNodes().stream()
                .filter(n -> n.getOperatorName().equals("backfill: shadow decisions")).findFirst().orElseThrow();
        assertThat(shadow.getOutEdges()).extracting(e -> backfill.getStreamNode(e.getTargetId()).getOperatorName())
                .allMatch(name -> name.contains("enforcement.decisions"));
    }

    private StreamGraph graph(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put(RiskJobConfig.CHECKPOINT_DIR, dir.resolve("checkpoints").toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        RiskJob.build(env, RiskJobConfig.of(all));
        return env.getStreamGraph();
    }
}
