package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DeadLetter;
import io.zerotrust.ingest.IngestTopologyITCase.Driver;
import io.zerotrust.ingest.parse.ZeekTsv;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zeek's dialects through the production topology with the real schema registry: every dialect of a record gives the
 * same event ids (so a record shipped once per dialect is a duplicate, not a second event), a TSV log converted as
 * replay converts it gives the JSON log's events, and an unmapped stream is a counted dead letter naming it.
 */
@ExtendWith(PlatformExtension.class)
class ZeekIngestITCase {

    @TempDir
    Path state;

    private void withDriver(TestPlatform platform, Consumer<Driver> test) {
        Driver.with(Driver.props("ingest-zeek-test", state, platform), platform, test);
    }

    static List<String> ids(Driver d) {
        return d.events.readValuesToList().stream().map(ConnectionEvent::getEventId).toList();
    }

    static List<String> referenceIds() throws Exception {
        return ZeekDialectsTest.reference().stream().map(e -> ((ConnectionEvent) e).getEventId()).toList();
    }

    @Test
    void everyDialectOfARecordIsTheSameRecord(TestPlatform platform) {
        withDriver(platform, d -> {
            try {
                ParsersTest.lines(ZeekDialectsTest.DIR + "dot-epoch.jsonl").forEach(l -> d.send("zeek", l));
                assertThat(ids(d)).isEqualTo(referenceIds());
                for (String sample : ZeekDialectsTest.JSON_SAMPLES) {
                    ParsersTest.lines(ZeekDialectsTest.DIR + sample).forEach(l -> d.send("zeek", l));
                    assertThat(ids(d)).as(sample + ": duplicates of the records already seen").isEmpty();
                }
                assertThat(d.dlq.readValuesToList()).isEmpty();
                assertThat(d.counter("duplicates-total", Map.of("source", "zeek"))).isPositive();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aTsvLogAsReplaySendsItGivesTheEventsOfTheJsonLog(TestPlatform platform) {
        withDriver(platform, d -> {
            try {
                ZeekTsv tsv = new ZeekTsv();
                for (String line : ParsersTest.lines(ZeekDialectsTest.DIR + "kerberos-then-conn.log")) {
                    String record = Replay.zeekRecord(tsv, line);
                    if (record != null) {
                        d.send("zeek", record);
                    }
                }
                assertThat(ids(d)).containsExactlyInAnyOrderElementsOf(referenceIds());
                assertThat(d.dlq.readValuesToList()).isEmpty();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void anUnmappedStreamIsACountedDeadLetterNamingIt(TestPlatform platform) {
        withDriver(platform, d -> {
            d.send("zeek", "{\"_path\":\"weird\",\"ts\":1772366400.5,\"uid\":\"C1\",\"name\":\"bad_TCP_checksum\"}");
            d.send("zeek", "{\"x509\":{\"ts\":1772366400.5,\"id\":\"FkX3Lw2m9qE1YtB7Ha\"}}");
            List<DeadLetter> dead = d.dlq.readValuesToList();
            assertThat(dead).extracting(DeadLetter::getErrorType).containsExactly("unsupported_stream",
                    "unsupported_stream");
            assertThat(dead.get(0).getReason()).startsWith("unsupported_stream: weird (");
            assertThat(dead.get(1).getReason()).startsWith("unsupported_stream: x509 (");
            assertThat(d.counter("dead-lettered-total", Map.of("source", "zeek", "reason", "unsupported_stream")))
                    .isEqualTo(2);
            assertThat(d.events.readValuesToList()).isEmpty();
        });
    }
}
