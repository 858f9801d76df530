package io.zerotrust.ingest;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DeadLetter;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * What became of a replay's records: waits until the ingest's consumer group has consumed every record the replay
 * sent, then reads what the ingest wrote to {@code conn.events} and {@code telemetry.dlq} since the replay started
 * (committed records only) and counts, per file, the events and the dead letters that carry the replay's mark
 * ({@link Replay#HEADER}).
 */
public final class ReplayReport {

    /** The tallies, one per file then the total; whether the ingest consumed everything; if not, what to do. */
    public record Result(List<DryRun.Tally> tallies, boolean consumed, String problem) {
    }

    private static final List<String> OUTPUTS = List.of(Topics.CONN_EVENTS.name(), Topics.TELEMETRY_DLQ.name());

    private ReplayReport() {
    }

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(p);
    }

    /** Where the ingest's output topics end now (committed records). */
    static Map<TopicPartition, Long> endOffsets(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
            for (var d : admin.describeTopics(OUTPUTS).allTopicNames().get().values()) {
                d.partitions().forEach(pi -> ask.put(new TopicPartition(d.name(), pi.partition()),
                        OffsetSpec.latest()));
            }
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(ask, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                    IsolationLevel.READ_COMMITTED)).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }
    }

    /** Waits for the ingest, then counts; the progress of both goes to {@code progress}. */
    public static Result collect(Replay.Options o, Replay.Sent sent, PrintStream progress) throws Exception {
        long total = sent.records();
        long consumed = awaitConsumed(o, sent, progress);
        List<DryRun.Tally> tallies = count(o, sent);
        if (consumed < total) {
            return new Result(tallies, false, String.format(Locale.ROOT, "replay: the ingest (application.id %s) "
                    + "consumed %,d of the %,d records sent and made no progress for %d s; the figures above count "
                    + "only what it has written. Is it running (./pipeline ingest, or ./pipeline up)? If its "
                    + "application.id is not %s, give it with --ingest-app=ID.", o.ingestApp(), consumed, total,
                    o.patience().toSeconds(), o.ingestApp()));
        }
        return new Result(tallies, true, null);
    }

    /**
     * How many of the records sent the ingest's group has committed as consumed, once that is all of them or once it
     * has not moved for {@link Replay.Options#patience}.
     */
    static long awaitConsumed(Replay.Options o, Replay.Sent sent, PrintStream progress) throws Exception {
        long total = sent.records();
        long consumed = -1;
        long lastMove = System.nanoTime();
        long lastPrint = 0;
        try (Admin admin = admin(o.bootstrap())) {
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(o.ingestApp())
                        .partitionsToOffsetAndMetadata().get();
                long now = 0;
                for (Map.Entry<Integer, long[]> e : sent.offsets().entrySet()) {
                    OffsetAndMetadata at = committed.get(new TopicPartition(sent.topic(), e.getKey()));
                    long first = e.getValue()[0];
                    long next = e.getValue()[1];
                    now += at == null ? 0 : Math.max(0, Math.min(at.offset(), next) - first);
                }
                if (now != consumed) {
                    consumed = now;
                    lastMove = System.nanoTime();
                }
                if (consumed >= total) {
                    progress.printf("replay: the ingest has consumed all %,d records%n", total);
                    return consumed;
                }
                if (System.nanoTime() - lastMove > o.patience().toNanos()) {
                    return consumed;
                }
                if (System.nanoTime() - lastPrint > (System.nanoTime() - lastMove < 2_000_000_000L ? 2 : 10)
                        * 1_000_000_000L) {
                    lastPrint = System.nanoTime();
                    progress.printf("replay: waiting for the ingest (%s): %,d of %,d records consumed%n",
                            o.ingestApp(), consumed, total);
                }
                Thread.sleep(250);
            }
        }
    }

    /** Reads the outputs written since the replay started and counts those of its run, per file. */
    static List<DryRun.Tally> count(Replay.Options o, Replay.Sent sent) throws Exception {
        int files = o.files().size();
        List<DryRun.Tally> tallies = new ArrayList<>();
        BitSet[] withEvents = new BitSet[files];
        BitSet[] deadLettered = new BitSet[files];
        for (int i = 0; i < files; i++) {
            DryRun.Tally t = new DryRun.Tally(o.files().get(i).toString());
            t.records = sent.perFile()[i];
            tallies.add(t);
            withEvents[i] = new BitSet();
            deadLettered[i] = new BitSet();
        }
        RegistryClient registry = RegistryClient.connect(o.registryUrl());
        Deserializer<ConnectionEvent> events = Topics.CONN_EVENTS.valueSerde(registry).deserializer();
        Deserializer<DeadLetter> dlq = Topics.TELEMETRY_DLQ.valueSerde(registry).deserializer();
        Map<TopicPartition, Long> end = endOffsets(o.bootstrap());
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        String prefix = sent.runId() + "/";
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> todo = new ArrayList<>();
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                long from = sent.outputsBefore().getOrDefault(e.getKey(), 0L);
                if (from < e.getValue()) {
                    todo.add(e.getKey());
                }
            }
            c.assign(todo);
            for (TopicPartition tp : todo) {
                c.seek(tp, sent.outputsBefore().getOrDefault(tp, 0L));
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (!todo.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    Header mark = r.headers().lastHeader(Replay.HEADER);
                    String m = mark == null ? null : new String(mark.value(), StandardCharsets.US_ASCII);
                    if (m == null || !m.startsWith(prefix) || r.value() == null) {
                        continue;
                    }
                    String[] parts = m.split("/");
                    int file = Integer.parseInt(parts[1]);
                    int seq = (int) Long.parseLong(parts[2]);
                    DryRun.Tally t = tallies.get(file);
                    if (r.topic().equals(Topics.CONN_EVENTS.name())) {
                        ConnectionEvent e = events.deserialize(r.topic(), r.headers(), r.value());
                        t.events++;
                        t.firstMs = Math.min(t.firstMs, e.getEventTime());
                        t.lastMs = Math.max(t.lastMs, e.getEventTime());
                        withEvents[file].set(seq);
                    } else {
                        DeadLetter d = dlq.deserialize(r.topic(), r.headers(), r.value());
                        String type = d.getErrorType() == null ? "unclassified" : d.getErrorType();
                        t.deadLetters.merge(type, 1L, Long::sum);
                        if (!t.examples.containsKey(type)) {
                            String payload = StandardCharsets.UTF_8.decode(d.getPayload().duplicate()).toString();
                            t.examples.put(type, d.getReason() + " — in: " + (payload.length() > 160
                                    ? payload.substring(0, 160) + "…" : payload));
                        }
                        deadLettered[file].set(seq);
                    }
                }
                todo.removeIf(tp -> c.position(tp) >= end.get(tp));
            }
        }
        DryRun.Tally sum = new DryRun.Tally("total");
        for (int i = 0; i < files; i++) {
            DryRun.Tally t = tallies.get(i);
            BitSet answered = (BitSet) withEvents[i].clone();
            answered.or(deadLettered[i]);
            t.duplicates = Math.max(0, t.records - answered.cardinality());
            sum.add(t);
        }
        tallies.add(sum);
        return tallies;
    }
}
