package io.zerotrust.demo.monitor;

import io.micrometer.core.instrument.Gauge;
import io.zerotrust.avro.ApplyOutcome;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.demo.LocalLoop;
import io.zerotrust.schemas.topics.Topics;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Samples the running loop once a second: events per second onto {@code conn.events}, how far each stage is
 * behind its input, the decisions issued and applied, and what the gateway enforces right now. The samples are kept
 * for the report's charts; {@link #line()} is the live view's line.
 */
public final class Monitor implements AutoCloseable {

    /**
     * One sample. Lags are records not handled yet ({@code -1}: the stage is not reporting yet, or not running): the
     * risk engine's not yet read, from its source readers; the ingest's from its group's committed offsets; the
     * ClickHouse sink's not yet in ClickHouse ({@link SinkProgress}: its rows land in batches every 5 s); the
     * gateway's not yet read from its decision feed.
     */
    public record Sample(long atMs, long events, double eventsPerSecond, long ingestLag, long riskLag, long sinkLag,
                         long gatewayLag, int decisionsIssued, int decisionsApplied, int liveStepUp,
                         int liveThrottle, int liveBlock) {
    }

    private final LocalLoop loop;
    private final Collector collected;
    private final Admin admin;
    private final Clock clock;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    private Monitor(String kafka, LocalLoop loop, Collector collected, Clock clock) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        this.admin = Admin.create(p);
        this.loop = loop;
        this.collected = collected;
        this.clock = clock;
        this.thread = new Thread(this::run, "monitor");
        this.thread.setDaemon(true);
    }

    /** Starts sampling every second. */
    public static Monitor start(String kafka, LocalLoop loop, Collector collected, Clock clock) {
        Monitor m = new Monitor(kafka, loop, collected, clock);
        m.thread.start();
        return m;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The latest sample, or null before the first. */
    public Sample latest() {
        return samples.isEmpty() ? null : samples.get(samples.size() - 1);
    }

    private void run() {
        while (running) {
            long next = clock.millis() + 1_000;
            try {
                samples.add(sample());
            } catch (Exception e) {
                if (running) {
                    System.err.println("monitor: " + e.getMessage());
                }
            }
            try {
                Thread.sleep(Math.max(0, next - clock.millis()));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Sample sample() throws Exception {
        long now = clock.millis();
        long events = sum(endOffsets(admin, List.of(Topics.CONN_EVENTS.name())));
        Sample prev = latest();
        double rate = prev == null ? 0 : (events - prev.events()) * 1000.0 / Math.max(1, now - prev.atMs());
        long ingestLag = loop.ingest() == null ? -1 : groupLag(loop.ingestGroup());
        // this run's decisions (the gateway also acks still-live decisions of earlier runs it loads at start)
        Set<String> issued = new HashSet<>();
        collected.decisions().forEach(d -> {
            if (d.getMode() == DecisionMode.ENFORCE) {
                issued.add(d.getDecisionId());
            }
        });
        Set<String> applied = new HashSet<>(); // a gateway acks a decision again when it re-reads it
        collected.acks().forEach(a -> {
            if (a.getOutcome() == ApplyOutcome.APPLIED && issued.contains(a.getDecisionId())) {
                applied.add(a.getDecisionId());
            }
        });
        long decisions = issued.size();
        long sinkLag = loop.sinkPending(events);
        return new Sample(now, events, rate, ingestLag, loop.riskPending(), sinkLag,
                (long) gauge("gateway_decision_cache_lag_records", null), (int) decisions, applied.size(),
                (int) gauge("gateway_decisions_live", "step_up"), (int) gauge("gateway_decisions_live", "throttle"),
                (int) gauge("gateway_decisions_live", "block"));
    }

    private double gauge(String name, String action) {
        var search = loop.gateway().metrics().find(name);
        Gauge g = action == null ? search.gauge() : search.tag("action", action).gauge();
        return g == null ? -1 : g.value();
    }

    /** The end offset of every partition of {@code topics}. */
    static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).forEach((name, d) ->
                d.partitions().forEach(p -> specs.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(specs).all().get(10, TimeUnit.SECONDS).forEach((tp, r) -> ends.put(tp, r.offset()));
        return ends;
    }

    /** Records behind on the partitions the group has committed offsets for (-1: none committed yet). */
    private long groupLag(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        if (committed.isEmpty()) {
            return -1;
        }
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        committed.keySet().forEach(tp -> specs.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(specs).all().get(10, TimeUnit.SECONDS).forEach((tp, r) -> ends.put(tp, r.offset()));
        return behind(committed, ends);
    }

    /** Records between a group's committed offsets and {@code ends}, over the partitions of {@code ends}. */
    public static long behind(Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, Long> ends) {
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(end.getKey());
            lag += Math.max(0, end.getValue() - (c == null ? 0 : c.offset()));
        }
        return lag;
    }

    private static long sum(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The live view's line: the latest sample, with events per second over the last 10 s. */
    public String line() {
        Sample s = latest();
        if (s == null) {
            return "no sample yet";
        }
        Sample back = s;
        for (int i = samples.size() - 1; i >= 0 && samples.get(i).atMs() >= s.atMs() - 10_000; i--) {
            back = samples.get(i);
        }
        double rate = back == s ? s.eventsPerSecond()
                : (s.events() - back.events()) * 1000.0 / (s.atMs() - back.atMs());
        return String.format("%,.0f events/s · behind: ingest %s, risk %s, sink %s, gateway %s · decisions %d "
                        + "issued, %d applied · enforcing: %d blocked, %d throttled, %d step-up",
                rate, lag(s.ingestLag()), lag(s.riskLag()), lag(s.sinkLag()), lag(s.gatewayLag()),
                s.decisionsIssued(), s.decisionsApplied(), s.liveBlock(), s.liveThrottle(), s.liveStepUp())
                + (loop.sink() != null && loop.sink().stopped() != null ? " · " + loop.sink().stopped() : "");
    }

    private static String lag(long records) {
        return records < 0 ? "–" : String.format("%,d", records);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(2_000);
        admin.close();
    }
}
