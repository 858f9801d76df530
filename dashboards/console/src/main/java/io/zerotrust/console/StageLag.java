package io.zerotrust.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Each stage's lag for the live view: how many records its consumer group has yet to read (committed offset to the
 * last committed record of each partition it reads), polled every two seconds on a thread of its own so a slow broker
 * never holds up the feed. A stage is named by consumer groups, exact or ending in {@code *} (the demo's groups carry
 * its run): {@code console.stages=ingest=zt-ingest|zt-demo-ingest-*,...}. When several groups match, a group with
 * members now (a Kafka Streams ingest that runs) is preferred, and among the rest the one furthest along is the stage
 * (an earlier run's group stopped earlier, so it lags more; the Flink jobs commit without joining their group). The Flink jobs commit their offsets
 * at each checkpoint, so their lag is as of their last checkpoint; a Kafka Streams ingest commits every 100 ms.
 */
final class StageLag implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A stage of the loop and the groups that may be it. */
    record Stage(String name, List<String> groups) {
        boolean matches(String group) {
            for (String g : groups) {
                if (g.endsWith("*") ? group.startsWith(g.substring(0, g.length() - 1)) : group.equals(g)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The default: the ingest, the risk engine and the ClickHouse sink, as started alone or by the demo. */
    static final String DEFAULT = "ingest=zt-ingest|zt-demo-ingest-*,risk engine=zt-risk-engine|zt-demo-risk-*,"
            + "analytics sink=zt-analytics-sink|zt-demo-analytics-*";
    private static final Pattern STAGE = Pattern.compile("[^=,|]+=[^=,|]+(\\|[^=,|]+)*");

    private final List<Stage> stages;
    private final Admin admin;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile ArrayNode last = JSON.createArrayNode();

    StageLag(String bootstrap, List<Stage> stages) {
        this.stages = List.copyOf(stages);
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "zt-console-lag");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        this.admin = Admin.create(p);
        this.thread = new Thread(this::run, "console-stage-lag");
        thread.setDaemon(true);
    }

    /**
     * Parses {@code name=group|group*,...}; an {@link IllegalArgumentException} names what is wrong.
     */
    static List<Stage> parse(String spec) {
        List<Stage> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String s = part.trim();
            if (s.isEmpty()) {
                continue;
            }
            if (!STAGE.matcher(s).matches()) {
                throw new IllegalArgumentException("'" + s + "' is not name=group[|group...] (a group may end in *)");
            }
            int eq = s.indexOf('=');
            List<String> groups = new ArrayList<>();
            for (String g : s.substring(eq + 1).split("\\|")) {
                groups.add(g.trim());
            }
            out.add(new Stage(s.substring(0, eq).trim(), groups));
        }
        return out;
    }

    StageLag start() {
        thread.start();
        return this;
    }

    /** The latest figures: one object per stage ({@code stage}, {@code group}, {@code lag}, {@code partitions}). */
    ArrayNode snapshot() {
        return last;
    }

    private void run() {
        while (running) {
            try {
                last = measure();
            } catch (Exception e) {
                ArrayNode failed = JSON.createArrayNode();
                for (Stage s : stages) {
                    failed.addObject().put("stage", s.name()).put("error", "lag unknown: " + e.getMessage());
                }
                last = failed;
            }
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    ArrayNode measure() throws Exception {
        List<String> groups = new ArrayList<>();
        java.util.Set<String> active = new java.util.HashSet<>();
        for (GroupListing g : admin.listGroups().all().get(10, TimeUnit.SECONDS)) {
            groups.add(g.groupId());
            if (g.groupState().map(st -> st == GroupState.STABLE || st == GroupState.PREPARING_REBALANCE
                    || st == GroupState.COMPLETING_REBALANCE || st == GroupState.RECONCILING
                    || st == GroupState.ASSIGNING).orElse(false)) {
                active.add(g.groupId());
            }
        }
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
        Map<TopicPartition, OffsetSpec> wanted = new HashMap<>();
        for (String g : groups) {
            if (stages.stream().noneMatch(s -> s.matches(g))) {
                continue;
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
                    .forEach((tp, o) -> {
                        // a Kafka Streams application's own repartition topics are named after it: not a stage's input
                        if (o != null && !tp.topic().startsWith(g + "-")) {
                            offsets.put(tp, o);
                            wanted.put(tp, OffsetSpec.latest());
                        }
                    });
            committed.put(g, offsets);
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = wanted.isEmpty() ? Map.of()
                : admin.listOffsets(wanted, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                        .get(10, TimeUnit.SECONDS);
        ArrayNode out = JSON.createArrayNode();
        for (Stage s : stages) {
            boolean anyActive = committed.keySet().stream().anyMatch(g -> s.matches(g) && active.contains(g));
            ObjectNode best = null;
            long bestLag = Long.MAX_VALUE;
            for (Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>> e : committed.entrySet()) {
                if (!s.matches(e.getKey()) || (anyActive && !active.contains(e.getKey()))) {
                    continue;
                }
                if (e.getValue().isEmpty()) {
                    if (best == null) {
                        best = JSON.createObjectNode().put("stage", s.name()).put("group", e.getKey())
                                .put("note", "running, nothing committed yet");
                    }
                    continue;
                }
                long lag = 0;
                TreeSet<String> topics = new TreeSet<>();
                for (Map.Entry<TopicPartition, OffsetAndMetadata> o : e.getValue().entrySet()) {
                    ListOffsetsResult.ListOffsetsResultInfo end = ends.get(o.getKey());
                    if (end != null) {
                        lag += Math.max(0, end.offset() - o.getValue().offset());
                    }
                    topics.add(o.getKey().topic());
                }
                if (lag < bestLag) {
                    bestLag = lag;
                    best = JSON.createObjectNode().put("stage", s.name()).put("group", e.getKey()).put("lag", lag)
                            .put("partitions", e.getValue().size());
                    ArrayNode t = best.putArray("topics");
                    topics.forEach(t::add);
                }
            }
            out.add(best != null ? best : JSON.createObjectNode().put("stage", s.name())
                    .put("error", "not running: no offsets committed by " + String.join(" or ", s.groups())));
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
