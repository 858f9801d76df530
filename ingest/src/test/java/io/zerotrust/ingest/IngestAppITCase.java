package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
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
 * The ingest application against the real broker and registry: files replayed into the raw topics, the normalizer
 * stopped in the middle of the stream and started again, and every event read back exactly once (read committed).
 */
@ExtendWith(PlatformExtension.class)
class IngestAppITCase {

    private static final Path DATASET = Path.of("src/test/resources/datasets/otrf-purplesharp-ad-playbook-1/"
            + "auth_network_events.jsonl");

    private KafkaStreams start(TestPlatform platform, String appId, Path state) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(IngestSettings.REGISTRY_URL, platform.registryUrl());
        p.put(IngestSettings.WINDOWS_ZONE, "-04:00");
        KafkaStreams streams = new KafkaStreams(IngestTopology.buildTopology(p), IngestMain.streamsOnly(p));
        streams.start();
        return streams;
    }

    /** Everything committed on conn.events so far whose id starts with {@code prefix}. */
    private static List<ConnectionEvent> committed(TestPlatform platform, String prefix, int atLeast,
                                                   Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "ingest-it-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConnectionEvent> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, ConnectionEvent> c = new KafkaConsumer<>(p, new StringDeserializer(),
                Topics.CONN_EVENTS.valueSerde(platform.registry()).deserializer())) {
            c.subscribe(List.of(Topics.CONN_EVENTS.name()));
            int idle = 0;
            while (System.nanoTime() < deadline && (out.size() < atLeast || idle < 3)) {
                int before = out.size();
                for (ConsumerRecord<String, ConnectionEvent> r : c.poll(Duration.ofMillis(300))) {
                    if (r.value().getEventId().startsWith(prefix)) {
                        out.add(r.value());
                    }
                }
                idle = out.size() == before ? idle + 1 : 0;
            }
        }
        return out;
    }

    /** True as soon as one committed event of the run is on conn.events. */
    private static boolean anyCommitted(TestPlatform platform, String prefix) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "ingest-it-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.CONN_EVENTS.name()));
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                if (new String(r.value(), StandardCharsets.ISO_8859_1).contains(prefix)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void aRestartMidStreamWritesEveryEventOnceAndTheDatasetMapsTheAttack(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        // 40,000 Zeek connections of this run (two events each), then the PurpleSharp dataset
        Path zeek = dir.resolve("conn.log");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 40_000; i++) {
            lines.append("{\"ts\":").append(1_795_341_600 + i / 10).append(".5,\"uid\":\"C").append(run).append(i)
                    .append("\",\"id.orig_h\":\"10.9.").append(i % 200).append(".7\",\"id.orig_p\":")
                    .append(40_000 + i % 20_000).append(",\"id.resp_h\":\"10.0.5.").append(i % 7)
                    .append("\",\"id.resp_p\":443,\"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":1.5,")
                    .append("\"orig_bytes\":").append(i).append(",\"resp_bytes\":900,\"conn_state\":\"SF\"}\n");
        }
        Files.writeString(zeek, lines);
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        assertThat(Replay.replay("zeek", platform.kafkaBootstrap(), List.of(zeek), quiet)).isEqualTo(40_000);

        // the lab's hosts as the device inventory knows them (the dataset's metadata), so that events naming only
        // a workstation get its address
        try (var producer = platform.producer(Topics.INVENTORY_DEVICES)) {
            Map<String, String> lab = Map.of("MORDORDC", "172.18.38.5", "WEC", "172.18.38.6", "WORKSTATION5",
                    "172.18.39.5", "WORKSTATION6", "172.18.39.6", "WORKSTATION7", "172.18.39.7");
            for (Map.Entry<String, String> h : lab.entrySet()) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.INVENTORY_DEVICES.name(),
                        "dev-" + h.getKey(), io.zerotrust.avro.DeviceInventory.newBuilder()
                        .setDeviceId("dev-" + h.getKey()).setHostnames(List.of(h.getKey() + ".theshire.local"))
                        .setAddresses(List.of(h.getValue())).setUpdatedAt(1L).build())).get();
            }
        }
        String appId = "ingest-it-" + run;
        Path state = dir.resolve("state");
        KafkaStreams first = start(platform, appId, state);
        // stop it once part of the stream is through (a transaction may be open: it is aborted)
        await().atMost(Duration.ofSeconds(60)).until(() -> anyCommitted(platform, "zeek-C" + run));
        first.close(Duration.ofSeconds(1));
        int before = committed(platform, "zeek-C" + run, 1, Duration.ofSeconds(3)).size();
        assertThat(before).as("stopped mid-stream").isBetween(1, 79_999);

        KafkaStreams second = start(platform, appId, state);
        try {
            assertThat(Replay.replay("windows", platform.kafkaBootstrap(), List.of(DATASET), quiet))
                    .isEqualTo(612);
            List<ConnectionEvent> zeekEvents = committed(platform, "zeek-C" + run, 80_000, Duration.ofSeconds(90));
            Set<String> ids = zeekEvents.stream().map(ConnectionEvent::getEventId).collect(Collectors.toSet());
            assertThat(ids).as("every event of every connection").hasSize(80_000);
            assertThat(zeekEvents).as("none twice").hasSize(80_000);

            List<ConnectionEvent> windows = committed(platform, "win-", 300, Duration.ofSeconds(60));
            assertThat(new HashSet<>(windows.stream().map(ConnectionEvent::getEventId).toList()))
                    .hasSize(windows.size());
            // the password spray from WORKSTATION5: a failed logon of each of 7 accounts, and their NTLM failures
            List<ConnectionEvent> spray = windows.stream().filter(e -> e.getPhase() == ConnectionPhase.REJECT
                    && "4625".equals(e.getAttributes().get("windows_event_id"))).toList();
            assertThat(spray).extracting(ConnectionEvent::getUser).containsExactlyInAnyOrder("lrodriguez",
                    "pgustavo", "sysmonsvc", "sbeavers", "mscott", "pbeesly", "nxlogsvc");
            assertThat(spray).allSatisfy(e -> {
                assertThat(e.getSrc().getHost()).isEqualTo("WORKSTATION5");
                assertThat(e.getSrc().getIp()).as("from the device inventory").isEqualTo("172.18.39.5");
                assertThat(e.getDst().getHost()).isEqualTo("WORKSTATION5");
                assertThat(e.getAuth().getOutcome()).isEqualTo(AuthResult.FAILURE);
            });
            assertThat(windows.stream().filter(e -> "4776".equals(e.getAttributes().get("windows_event_id"))
                    && e.getPhase() == ConnectionPhase.REJECT)).hasSize(7)
                    .allSatisfy(e -> {
                        assertThat(e.getSrc().getHost()).isEqualTo("WORKSTATION5");
                        assertThat(e.getSrc().getIp()).isEqualTo("172.18.39.5");
                        assertThat(e.getUser()).isNotBlank();
                        assertThat(e.getDst().getHost()).isEqualTo("MORDORDC");
                    });
            // the lateral movement: pgustavo's network logons from WORKSTATION5's address onto other hosts
            Map<String, Long> lateral = windows.stream().filter(e -> e.getPhase() == ConnectionPhase.OPEN
                            && "pgustavo".equals(e.getUser()) && "172.18.39.5".equals(e.getSrc().getIp())
                            && "4624".equals(e.getAttributes().get("windows_event_id")))
                    .collect(Collectors.groupingBy(e -> e.getDst().getHost(), Collectors.counting()));
            assertThat(lateral).containsKeys("MORDORDC", "WORKSTATION6", "WORKSTATION7");
            String metrics = IngestMain.prometheus(second.metrics());
            assertThat(metrics).contains("zt_ingest_dead_lettered_total{").contains("source=\"windows\"");
        } finally {
            second.close(Duration.ofSeconds(10));
        }
        assertThat(new String(Files.readAllBytes(DATASET), StandardCharsets.UTF_8).lines().count()).isEqualTo(612);
    }
}
