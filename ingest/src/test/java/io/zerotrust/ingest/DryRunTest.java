package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.ingest.parse.ZeekParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./pipeline replay --dry-run}: what it counts, what it prints and its exit status. */
class DryRunTest {

    private static final Path SAMPLES = Path.of("src/test/resources/samples/zeek");

    @Test
    void aFileThatParsesAndOneThatIsAllDeadLettersAreToldApart(@TempDir Path dir) throws Exception {
        Path good = SAMPLES.resolve("dot-epoch.jsonl");
        Path underscore = SAMPLES.resolve("underscore-epoch-shipper.jsonl");
        Path bad = dir.resolve("not-zeek.log");
        Files.writeString(bad, "Mar  1 12:00:00 host sshd[1]: Accepted password for alice from 10.0.0.1 port 2 ssh2\n"
                + "{\"ts\":1772366400.0,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\"}\n\n{\"_path\":\"weird\",\"ts\":1}\n");

        List<DryRun.Tally> tallies = DryRun.run(new ZeekParser(), List.of(good, underscore, bad),
                System.currentTimeMillis());

        assertThat(tallies).extracting(t -> t.name).containsExactly(good.toString(), underscore.toString(),
                bad.toString(), "total");
        DryRun.Tally first = tallies.get(0);
        assertThat(first.records).isEqualTo(Files.readAllLines(good).stream().filter(l -> !l.isBlank()).count());
        assertThat(first.events).isPositive();
        assertThat(first.deadLettered()).isZero();
        assertThat(first.firstMs).isLessThanOrEqualTo(first.lastMs);
        // the same records in the other dialect give the same event ids: all duplicates, as the ingest's dedup sees it
        DryRun.Tally second = tallies.get(1);
        assertThat(second.events).isZero();
        assertThat(second.duplicates).isEqualTo(first.events);
        DryRun.Tally third = tallies.get(2);
        assertThat(third.records).isEqualTo(3); // the blank line is not a record
        assertThat(third.events).isZero();
        assertThat(third.deadLettered()).isEqualTo(3);
        assertThat(third.deadLetterShare()).isEqualTo(1.0);
        assertThat(third.deadLetters).containsEntry("unsupported_stream", 1L).containsKey("parse_error");
        assertThat(third.examples.get("unsupported_stream")).contains("weird");
        DryRun.Tally total = tallies.get(3);
        assertThat(total.records).isEqualTo(first.records + second.records + 3);
        assertThat(total.deadLettered()).isEqualTo(3);

        String report = DryRun.report(tallies, false);
        assertThat(report).contains(bad + ": 3 records -> 0 events, 0 duplicates, 3 dead letters (100.0 %)")
                .contains("unsupported_stream").contains("e.g. ").contains("events from ");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(Replay.verdict(third, 0.05, false, new PrintStream(out, true, StandardCharsets.UTF_8))).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("100.0 % of the records would be dead letters")
                .contains("--max-dead-letter-share");
        assertThat(Replay.verdict(first, 0.05, false, new PrintStream(new ByteArrayOutputStream()))).isZero();
        assertThat(Replay.verdict(total, 0.9, false, new PrintStream(new ByteArrayOutputStream()))).isZero();
    }

    @Test
    void theAllowedShareIsANumberOrAPercentage() {
        assertThat(Replay.share("0.05")).isEqualTo(0.05);
        assertThat(Replay.share("20%")).isEqualTo(0.2);
        assertThatThrownBy(() -> Replay.share("lots")).hasMessageContaining("--max-dead-letter-share")
                .hasMessageContaining("lots");
        assertThatThrownBy(() -> Replay.share("150%")).hasMessageContaining("150%");
    }
}
