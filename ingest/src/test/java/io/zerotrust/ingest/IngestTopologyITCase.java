package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.Criticality;
import io.zerotrust.avro.DeviceInventory;
import io.zerotrust.avro.IdentityInventory;
import io.zerotrust.avro.DeadLetter;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production topology in Kafka Streams' test driver, with the real schema registry (the events and dead letters
 * are written and read back in the registry's wire format).
 */
@ExtendWith(PlatformExtension.class)
class IngestTopologyITCase {

    static final Instant RECEIVED = Instant.parse("2026-11-22T10:30:00Z");

    @TempDir
    Path state;

    private Properties props(TestPlatform platform) {
        Properties p = Driver.props("ingest-test", state, platform);
        p.put(IngestSettings.WINDOWS_ZONE, "-04:00");
        return p;
    }

    private void withDriver(TestPlatform platform, Consumer<Driver> test) {
        Driver.with(props(platform), platform, test);
    }

    /** The driver with typed topics. */
    static final class Driver {

        /** The settings of a test topology: exactly once, state in {@code state}, the platform's registry. */
        static Properties props(String appId, Path state, TestPlatform platform) {
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
            p.put(IngestSettings.REGISTRY_URL, platform.registryUrl());
            return p;
        }

        /** Runs {@code test} against the production topology built with {@code p}. */
        static void with(Properties p, TestPlatform platform, Consumer<Driver> test) {
            try (TopologyTestDriver d = new TopologyTestDriver(IngestTopology.buildTopology(p),
                    IngestMain.streamsOnly(p))) {
                test.accept(new Driver(d, platform));
            }
        }

        final TopologyTestDriver driver;
        final Map<String, TestInputTopic<byte[], byte[]>> raw = new HashMap<>();
        final TestOutputTopic<String, ConnectionEvent> events;
        final TestOutputTopic<String, DeadLetter> dlq;

        Driver(TopologyTestDriver driver, TestPlatform platform) {
            this.driver = driver;
            for (String source : Topics.RAW_SOURCES) {
                raw.put(source, driver.createInputTopic(Topics.telemetryRaw(source).name(), new ByteArraySerializer(),
                        new ByteArraySerializer(), RECEIVED, java.time.Duration.ofMillis(1)));
            }
            events = driver.createOutputTopic(Topics.CONN_EVENTS.name(), new StringDeserializer(),
                    Topics.CONN_EVENTS.valueSerde(platform.registry()).deserializer());
            dlq = driver.createOutputTopic(Topics.TELEMETRY_DLQ.name(), new StringDeserializer(),
                    Topics.TELEMETRY_DLQ.valueSerde(platform.registry()).deserializer());
        }

        void send(String source, String line) {
            raw.get(source).pipeInput(line.getBytes(StandardCharsets.UTF_8));
        }

        void send(String source, byte[] bytes) {
            raw.get(source).pipeInput(bytes);
        }

        /** The ingest's counter {@code name} (summed over tags matching {@code tags}). */
        double counter(String name, Map<String, String> tags) {
            return driver.metrics().entrySet().stream()
                    .filter(e -> e.getKey().group().equals(Normalizer.METRIC_GROUP) && e.getKey().name().equals(name)
                            && e.getKey().tags().entrySet().containsAll(tags.entrySet()))
                    .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
        }
    }

    @Test
    void everySampleBecomesEventsOrADeadLetterWithItsReason(TestPlatform platform) {
        withDriver(platform, d -> {
            Map<String, List<String>> samples = samples();
            samples.forEach((source, lines) -> lines.forEach(l -> d.send(source, l)));
            List<ConnectionEvent> events = d.events.readValuesToList();
            List<DeadLetter> dead = d.dlq.readValuesToList();
            // zeek: 6 events + dns reject; windows: 16 events, one 4672; sshd: 10 events, 2 unsupported lines;
            // envoy: 2 + 2 events
            assertThat(events).hasSize(8 + 16 + 10 + 4);
            assertThat(dead).extracting(DeadLetter::getSource, DeadLetter::getErrorType).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple("windows", "unsupported_event"),
                    org.assertj.core.groups.Tuple.tuple("sshd", "unsupported_event"),
                    org.assertj.core.groups.Tuple.tuple("sshd", "unsupported_event"));
            DeadLetter cron = dead.stream().filter(x -> x.getReason().contains("CRON")).findFirst().orElseThrow();
            assertThat(cron.getTopic()).isEqualTo("telemetry.raw.sshd");
            assertThat(cron.getOffset()).isEqualTo(9L); // the tenth line
            assertThat(cron.getPartition()).isZero();
            assertThat(new String(cron.getPayload().array(), StandardCharsets.UTF_8))
                    .isEqualTo(samples.get("sshd").get(9));
            assertThat(d.counter("records-in-total", Map.of())).isEqualTo(samples.values().stream()
                    .mapToInt(List::size).sum());
            assertThat(d.counter("events-out-total", Map.of())).isEqualTo(events.size());
            assertThat(d.counter("dead-lettered-total", Map.of("source", "sshd", "reason", "unsupported_event")))
                    .isEqualTo(2);
            // keys: the principal
            d.send("sshd", samples.get("sshd").get(0).replace("[4100]", "[4101]"));
            assertThat(d.events.readKeyValue().key).isEqualTo("user:alice");
        });
    }

    @Test
    void eventsAreEnrichedFromTheInventoriesAndTheAddressTable(TestPlatform platform) {
        withDriver(platform, d -> {
            TestInputTopic<String, DeviceInventory> devices = d.driver.createInputTopic(
                    Topics.INVENTORY_DEVICES.name(), new StringSerializer(),
                    Topics.INVENTORY_DEVICES.valueSerde(platform.registry()).serializer());
            TestInputTopic<String, IdentityInventory> identities = d.driver.createInputTopic(
                    Topics.INVENTORY_IDENTITIES.name(), new StringSerializer(),
                    Topics.INVENTORY_IDENTITIES.valueSerde(platform.registry()).serializer());
            devices.pipeInput("dev-ws5", DeviceInventory.newBuilder().setDeviceId("dev-ws5")
                    .setHostnames(List.of("workstation5.theshire.local")).setAddresses(List.of("172.18.39.5"))
                    .setOwner("it-ops").setCriticality(Criticality.HIGH).setUpdatedAt(1L).build());
            identities.pipeInput("pgustavo", IdentityInventory.newBuilder().setUser("pgustavo")
                    .setDepartment("finance").setPrivileged(true).setUpdatedAt(1L).build());
            d.driver.advanceWallClockTime(java.time.Duration.ofMillis(Inventory.REFRESH_MS + 1));
            assertThat(d.driver.<String, DeviceInventory>getKeyValueStore(Inventory.DEVICES_STORE).get("dev-ws5"))
                    .as("the global store has the device").isNotNull();
            String spray = samples().get("windows").stream().filter(l -> l.contains("\"EventID\": 4625")
                    && l.contains("\"TargetUserName\": \"pgustavo\"")).findFirst().orElseThrow();
            d.send("windows", spray);
            ConnectionEvent e = d.events.readValue();
            assertThat(e.getUser()).isEqualTo("pgustavo");
            assertThat(e.getSrc().getHost()).isEqualTo("WORKSTATION5");
            assertThat(e.getSrc().getIp()).as("the workstation's address, from the inventory").isEqualTo("172.18.39.5");
            assertThat(e.getSrc().getCountry()).as("from the bundled address table").isEqualTo("GB");
            assertThat(e.getDeviceId()).isEqualTo("dev-ws5");
            assertThat(e.getAttributes()).containsEntry("device_owner", "it-ops")
                    .containsEntry("device_criticality", "HIGH").containsEntry("user_department", "finance")
                    .containsEntry("user_privileged", "true").containsEntry("src_ip_from", "inventory");
            // a device removed from the inventory (tombstone) no longer enriches, once the index is rebuilt
            devices.pipeInput("dev-ws5", (DeviceInventory) null);
            d.driver.advanceWallClockTime(java.time.Duration.ofMillis(Inventory.REFRESH_MS + 1));
            d.send("windows", spray.replace("\"RecordNumber\": ", "\"RecordNumber\": 9"));
            ConnectionEvent after = d.events.readValue();
            assertThat(after.getSrc().getIp()).isEqualTo("0.0.0.0");
            assertThat(after.getAttributes()).doesNotContainKey("device_owner").containsEntry("user_privileged", "true");
        });
    }

    @Test
    void aRecordSentTwiceGivesItsEventsOnce(TestPlatform platform) {
        withDriver(platform, d -> {
            String line = samples().get("zeek").get(2);
            d.send("zeek", line);
            d.send("zeek", line);
            assertThat(d.events.readValuesToList()).extracting(ConnectionEvent::getEventId)
                    .containsExactly("zeek-C4J4Th3PJpwUYZZ6gc-open", "zeek-C4J4Th3PJpwUYZZ6gc-close");
            assertThat(d.counter("duplicates-total", Map.of("source", "zeek"))).as("one record dropped").isEqualTo(1);
        });
    }

    /**
     * Ten thousand and more broken records, truncated, mangled or of the wrong shape, for every source: nothing
     * fails, none becomes an event, each is a dead letter with a reason and its original bytes, and the counters
     * agree.
     */
    @Test
    void malformedRecordsAllReachTheDeadLetterTopic(TestPlatform platform) {
        withDriver(platform, d -> {
            Random random = new Random(42);
            Map<String, List<String>> samples = new java.util.HashMap<>(samples());
            samples.put("flow", flowSamples());
            List<String[]> sent = new ArrayList<>();
            for (int i = 0; i < 10_400; i++) {
                String source = Topics.RAW_SOURCES.get(i % Topics.RAW_SOURCES.size());
                List<String> lines = samples.get(source);
                String good = lines.get(random.nextInt(lines.size()));
                String bad = broken(source, good, random, i);
                sent.add(new String[] {source, bad});
                d.send(source, bad);
            }
            List<DeadLetter> dead = d.dlq.readValuesToList();
            assertThat(d.events.readValuesToList()).as("no broken record became an event").isEmpty();
            assertThat(dead).hasSize(sent.size());
            for (int i = 0; i < sent.size(); i++) {
                DeadLetter x = dead.get(i);
                assertThat(x.getSource()).isEqualTo(sent.get(i)[0]);
                assertThat(x.getReason()).isNotBlank();
                assertThat(x.getErrorType()).isIn("parse_error", "missing_field", "bad_value", "unsupported_event",
                        "empty_record", "too_large");
                assertThat(new String(x.getPayload().array(), StandardCharsets.UTF_8)).isEqualTo(sent.get(i)[1]);
            }
            assertThat(d.counter("dead-lettered-total", Map.of())).isEqualTo(sent.size());
            assertThat(d.counter("records-in-total", Map.of())).isEqualTo(sent.size());
            assertThat(dead).extracting(DeadLetter::getErrorType).doesNotContain("internal_error");
        });
    }

    /** A record that cannot be valid, made from a good one. */
    static String broken(String source, String good, Random random, int i) {
        int kind = i / 4 % 6;
        boolean json = !source.equals("sshd");
        return switch (kind) {
            case 0 -> json ? good.substring(0, 1 + random.nextInt(good.length() - 2)) // truncated JSON
                    : good.substring(0, good.indexOf("]: ") + 3) + "Failed passw"; // truncated message
            case 1 -> json ? good.replace("{", "[").replace("}", "]") // an array, not an object
                    : good.replaceFirst("^\\S+ +\\S+ \\S+", "yesterday"); // no time stamp
            case 2 -> { // random bytes (never a valid record: starts with a control character)
                char[] c = new char[1 + random.nextInt(200)];
                for (int k = 0; k < c.length; k++) {
                    c[k] = (char) (1 + random.nextInt(126));
                }
                c[0] = '\u0001';
                yield new String(c);
            }
            case 3 -> json ? "{\"note\":\"" + "x".repeat(random.nextInt(50)) + "\"}" // valid JSON, nothing we map
                    : good.replaceFirst("sshd\\[", "systemd["); // another program's line
            case 4 -> json ? good.replaceFirst("\"(ts|start_time|EventTime|Timestamp|firstSeen)\":\"?[^,\"]*\"?",
                            "\"$1\":\"noon\"")
                    .replaceFirst("\"EventID\":\\d+", "\"EventID\":\"x\"")
                    : good.replaceAll("\\b\\d{1,3}(\\.\\d{1,3}){3}\\b", "not-an-ip"); // a field of the wrong kind
            default -> json ? "" : "\u0000"; // empty, or one NUL
        };
    }

    /** The rows of every flow sample as replay sends them (JSON keyed by the header). */
    static List<String> flowSamples() {
        try {
            List<String> rows = new ArrayList<>();
            for (String sample : FlowIngestITCase.SAMPLES) {
                rows.addAll(FlowIngestITCase.replayed(FlowCsvTest.SAMPLES.resolve(sample)));
            }
            return rows;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, List<String>> samples() {
        try {
            Map<String, List<String>> m = new java.util.LinkedHashMap<>();
            m.put("zeek", ParsersTest.lines("/samples/zeek.jsonl"));
            m.put("windows", ParsersTest.lines("/samples/windows-purplesharp.jsonl"));
            m.put("sshd", ParsersTest.lines("/samples/sshd.log"));
            m.put("envoy", ParsersTest.lines("/samples/envoy.jsonl"));
            return m;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
