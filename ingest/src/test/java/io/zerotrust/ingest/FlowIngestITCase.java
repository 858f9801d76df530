package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DeadLetter;
import io.zerotrust.ingest.IngestTopologyITCase.Driver;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flow CSV exports through the production topology with the real schema registry, sent as replay sends them: every
 * dialect's sample gives its events on {@code conn.events}, keyed by the source address; a file replayed twice is all
 * duplicates; rows without their header are counted dead letters with their bytes.
 */
@ExtendWith(PlatformExtension.class)
class FlowIngestITCase {

    static final List<String> SAMPLES = List.of("cicflowmeter.csv", "cicids2017.csv", "nfdump.csv", "nfdump-1.7.csv",
            "nfdump-csv-fast.csv");

    @TempDir
    Path state;

    private void withDriver(TestPlatform platform, Consumer<Driver> test) {
        Driver.with(Driver.props("ingest-flow-test", state, platform), platform, test);
    }

    static List<String> replayed(Path file) throws Exception {
        List<String> records = new ArrayList<>();
        Replay.eachRecord("flow", file, records::add);
        return records;
    }

    @Test
    void everyDialectsSampleGivesItsEventsAndAReplayIsAllDuplicates(TestPlatform platform) {
        withDriver(platform, d -> {
            try {
                for (String sample : SAMPLES) {
                    replayed(FlowCsvTest.SAMPLES.resolve(sample)).forEach(r -> d.send("flow", r));
                }
                List<KeyValue<String, ConnectionEvent>> events = d.events.readKeyValuesToList();
                // 8 + 6 + 8 + 3 + 4 events (FlowParserTest), of which 2 + 2 + 2 + 1 + 0 REJECTs
                assertThat(events).hasSize(29);
                assertThat(events).filteredOn(kv -> kv.value.getPhase() == ConnectionPhase.REJECT).hasSize(7)
                        .allSatisfy(kv -> assertThat(kv.value.getRejectReason()).startsWith("flow_"));
                assertThat(events).allSatisfy(kv -> {
                    assertThat(kv.value.getOrigin()).isEqualTo("flow");
                    assertThat(kv.key).isEqualTo("ip:" + kv.value.getSrc().getIp());
                });
                assertThat(d.dlq.readValuesToList()).isEmpty();

                for (String sample : SAMPLES) {
                    replayed(FlowCsvTest.SAMPLES.resolve(sample)).forEach(r -> d.send("flow", r));
                }
                assertThat(d.events.readValuesToList()).as("a file replayed again").isEmpty();
                assertThat(d.counter("duplicates-total", Map.of("source", "flow"))).isEqualTo(5 + 4 + 5 + 2 + 2);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void rowsWithoutTheirHeaderAreCountedDeadLettersWithTheirBytes(TestPlatform platform, @TempDir Path dir) {
        withDriver(platform, d -> {
            try {
                List<String> lines = Files.readAllLines(FlowCsvTest.SAMPLES.resolve("nfdump.csv"));
                Path headerless = dir.resolve("headerless.csv");
                Files.write(headerless, lines.subList(1, 3), StandardCharsets.UTF_8);
                List<String> sent = replayed(headerless);
                assertThat(sent).containsExactlyElementsOf(lines.subList(1, 3));
                sent.forEach(r -> d.send("flow", r));
                List<DeadLetter> dead = d.dlq.readValuesToList();
                assertThat(dead).extracting(DeadLetter::getErrorType).containsExactly("parse_error", "parse_error");
                assertThat(dead.get(0).getReason()).startsWith("a CSV row as written, not a flow record");
                assertThat(dead.get(0).getSource()).isEqualTo("flow");
                assertThat(new String(dead.get(0).getPayload().array(), StandardCharsets.UTF_8)).isEqualTo(lines.get(1));
                assertThat(d.counter("dead-lettered-total", Map.of("source", "flow", "reason", "parse_error")))
                        .isEqualTo(2);
                assertThat(d.events.readValuesToList()).isEmpty();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }
}
