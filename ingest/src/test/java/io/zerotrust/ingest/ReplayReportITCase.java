package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./pipeline replay} against the real broker, registry and ingest: it waits for the ingest, then reports per
 * file the records sent, the events written, the records without an event and the dead letters by reason; its exit
 * status fails a replay that was mostly dead letters; records of several files reach {@code conn.events} in time
 * order; and a replay nobody consumes is reported as such instead of as a success.
 */
@ExtendWith(PlatformExtension.class)
class ReplayReportITCase {

    private static KafkaStreams ingest(TestPlatform platform, String appId, Path state) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(IngestSettings.REGISTRY_URL, platform.registryUrl());
        KafkaStreams streams = new KafkaStreams(IngestTopology.buildTopology(p), IngestMain.streamsOnly(p));
        streams.start();
        return streams;
    }

    /** Zeek conn.log JSON of one sensor: {@code n} finished connections, one every 4 s from {@code startS}. */
    private static Path connLog(Path dir, String name, String run, long startS, int n) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("{\"ts\":").append(startS + 4L * i).append(".25,\"uid\":\"C").append(run).append(name)
                    .append(i).append("\",\"id.orig_h\":\"10.61.").append(i % 50).append(".9\",\"id.orig_p\":")
                    .append(40_000 + i).append(",\"id.resp_h\":\"10.0.9.").append(i % 5).append("\",\"id.resp_p\":443,")
                    .append("\"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":0.5,\"orig_bytes\":").append(i)
                    .append(",\"resp_bytes\":900,\"conn_state\":\"SF\"}\n");
        }
        return Files.writeString(dir.resolve(name + ".log"), b);
    }

    private static Map<String, DryRun.Tally> byName(ReplayReport.Result r) {
        Map<String, DryRun.Tally> out = new HashMap<>();
        r.tallies().forEach(t -> out.put(Path.of(t.name()).getFileName().toString(), t));
        return out;
    }

    @Test
    void aReplayReportsWhatTheIngestMadeOfEachFileAndSendsInTimeOrder(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        // two sensors whose hours interleave (b starts 2 s after a), and a file the ingest cannot read at all
        Path a = connLog(dir, "a", run, 1_795_340_000L, 300);
        Path b = connLog(dir, "b", run, 1_795_340_002L, 300);
        Path junk = Files.writeString(dir.resolve("junk.log"), "this is not zeek\n".repeat(40));
        String app = "replay-it-" + run;
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        try (KafkaStreams streams = ingest(platform, app, dir.resolve("state"))) {
            Replay.Options o = Replay.Options.of("zeek", platform.kafkaBootstrap(), List.of(a, b, junk))
                    .ingest(platform.registryUrl(), app).waiting(Duration.ofSeconds(60));
            Replay.Sent sent = Replay.send(o, true, quiet);
            assertThat(sent.records()).isEqualTo(640);
            ReplayReport.Result r = ReplayReport.collect(o, sent, quiet);
            assertThat(r.consumed()).isTrue();
            Map<String, DryRun.Tally> t = byName(r);
            for (String f : List.of("a.log", "b.log")) {
                assertThat(t.get(f).records()).isEqualTo(300);
                assertThat(t.get(f).events()).as(f + ": an OPEN and a CLOSE per connection").isEqualTo(600);
                assertThat(t.get(f).deadLettered()).isZero();
                assertThat(t.get(f).withoutEvent()).isZero();
            }
            assertThat(t.get("junk.log").events()).isZero();
            assertThat(t.get("junk.log").deadLetters()).containsEntry("parse_error", 40L);
            assertThat(t.get("total").events()).isEqualTo(1200);
            String report = DryRun.report(r.tallies(), true);
            assertThat(report).contains("junk.log: 40 records sent -> 0 events written to conn.events")
                    .contains("parse_error").contains("this is not zeek")
                    .contains("events from 2026-11-22T");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(Replay.verdict(r.tallies().get(3), 0.05, true, new PrintStream(out, true,
                    StandardCharsets.UTF_8))).as("40 of 640 dead letters is more than 5 %").isEqualTo(1);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("6.3 % of the records were dead-lettered");
            assertThat(Replay.verdict(r.tallies().get(3), 0.10, true, quiet)).isZero();
            assertThat(Replay.verdict(t.get("junk.log"), 0.99, true, quiet)).as("a file of dead letters only")
                    .isEqualTo(1);

            // the two sensors' records went out merged by time: on every partition of conn.events, the run's events
            // are in time order
            Map<Integer, List<Long>> times = new HashMap<>();
            for (ConsumerRecord<String, ConnectionEvent> e : events(platform)) {
                if (e.value().getEventId().startsWith("zeek-C" + run)) {
                    times.computeIfAbsent(e.partition(), k -> new ArrayList<>()).add(e.value().getEventTime());
                }
            }
            assertThat(times.values().stream().mapToInt(List::size).sum()).isEqualTo(1200);
            times.forEach((p, ts) -> assertThat(ts).as("partition " + p).isSorted());

            // the same files again: the ingest has seen them all, so every record is without an event
            Replay.Sent again = Replay.send(o, true, quiet);
            ReplayReport.Result r2 = ReplayReport.collect(o, again, quiet);
            assertThat(byName(r2).get("a.log").events()).isZero();
            assertThat(byName(r2).get("a.log").withoutEvent()).isEqualTo(300);
            assertThat(byName(r2).get("junk.log").deadLettered()).isEqualTo(40);
        }
    }

    @Test
    void aReplayNobodyConsumesIsNotReportedAsASuccess(TestPlatform platform, @TempDir Path dir) throws Exception {
        Path a = connLog(dir, "a", UUID.randomUUID().toString().substring(0, 6), 1_795_340_000L, 10);
        Replay.Options o = Replay.Options.of("zeek", platform.kafkaBootstrap(), List.of(a))
                .ingest(platform.registryUrl(), "no-such-ingest").waiting(Duration.ofSeconds(2));
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        Replay.Sent sent = Replay.send(o, true, quiet);
        ReplayReport.Result r = ReplayReport.collect(o, sent, quiet);
        assertThat(r.consumed()).isFalse();
        assertThat(r.problem()).contains("consumed 0 of the 10 records").contains("no-such-ingest")
                .contains("--ingest-app");
    }

    private static List<ConsumerRecord<String, ConnectionEvent>> events(TestPlatform platform) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "replay-it-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, ConnectionEvent>> out = new ArrayList<>();
        try (KafkaConsumer<String, ConnectionEvent> c = new KafkaConsumer<>(p, new StringDeserializer(),
                Topics.CONN_EVENTS.valueSerde(platform.registry()).deserializer())) {
            c.subscribe(List.of(Topics.CONN_EVENTS.name()));
            int idle = 0;
            while (idle < 4) {
                var batch = c.poll(Duration.ofMillis(500));
                batch.forEach(out::add);
                idle = batch.isEmpty() ? idle + 1 : 0;
            }
        }
        return out;
    }
}
