package io.zerotrust.demo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.demo.monitor.Monitor.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ladder's judgement of a step, and where its results go. */
class LoopBenchTest {

    /** One sample a second for {@code seconds}; the risk engine's lag is {@code lag(second)}, the sink's 100. */
    private static List<Sample> samples(int seconds, IntToLongFunction lag) {
        return samples(seconds, lag, i -> 100);
    }

    /** One sample a second for {@code seconds}, with each stage's lag at that second. */
    private static List<Sample> samples(int seconds, IntToLongFunction riskLag, IntToLongFunction sinkLag) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i <= seconds; i++) {
            out.add(new Sample(i * 1_000L, i * 10_000L, 10_000, -1, riskLag.applyAsLong(i), sinkLag.applyAsLong(i),
                    0, 0, 0, 0, 0, 0));
        }
        return out;
    }

    @Test
    void aStageThatKeepsUpHasFlatLagEvenWhenItJitters() {
        List<Sample> s = samples(60, i -> i % 7 == 0 ? 9_000 : 1_500); // a slow poll now and then
        long growth = LoopBench.growth(s, 0, 60_000, Sample::riskLag, LoopBench.WINDOW_MS);
        assertThat(growth).isZero();
        assertThat(LoopBench.keepsUp(10_000, 10_050, growth, LoopBench.growth(s, 0, 60_000, Sample::sinkLag,
                LoopBench.SINK_WINDOW_MS), 1_500,
                100))
                .isTrue();
    }

    @Test
    void aStageShortOfTheRateFallsBehindByItsDeficit() {
        // 5 % short of 10,000 events/s: 500 more records behind every second
        List<Sample> s = samples(60, i -> 500L * i);
        long growth = LoopBench.growth(s, 0, 60_000, Sample::riskLag, LoopBench.WINDOW_MS);
        assertThat(growth).isBetween(25_000L, 30_000L);
        assertThat(LoopBench.keepsUp(10_000, 10_000, growth, 0, 0, 0)).isFalse();
        assertThat(LoopBench.keepsUp(10_000, 10_000, 0, growth, 0, 0)).as("the sink likewise").isFalse();
    }

    /**
     * The sink's lag, what has not landed in ClickHouse: it rises by the load (10,000 a second) between its batches
     * every 5 s and falls back to how far behind the batch was; {@code trough(k)} is that for the k-th batch.
     */
    private static List<Sample> sinkSamples(int seconds, IntToLongFunction trough) {
        return samples(seconds, i -> 0, i -> trough.applyAsLong(i / 5) + 10_000L * (i % 5));
    }

    @Test
    void aSinkThatKeepsUpIsNotJudgedByOneOrTwoSlowInserts() {
        // the last two inserts of the step took a second longer: after them it was 12,000 records behind
        List<Sample> s = sinkSamples(60, k -> k >= 11 ? 12_000 : 0);
        long growth = LoopBench.growth(s, 0, 60_000, Sample::sinkLag, LoopBench.SINK_WINDOW_MS);
        assertThat(growth).isZero();
        assertThat(LoopBench.growth(s, 0, 60_000, Sample::sinkLag, LoopBench.WINDOW_MS))
                .as("over windows of one or two batches it looked 12,000 behind").isEqualTo(12_000);
        assertThat(LoopBench.keepsUp(10_000, 10_000, 0, growth, 0, 0)).isTrue();
    }

    @Test
    void aSinkShortOfTheRateStillFallsBehind() {
        // 5 % short: each batch 2,500 records further behind than the one before
        List<Sample> s = sinkSamples(60, k -> 2_500L * k);
        long growth = LoopBench.growth(s, 0, 60_000, Sample::sinkLag, LoopBench.SINK_WINDOW_MS);
        assertThat(growth).isEqualTo(22_500);
        assertThat(LoopBench.keepsUp(10_000, 10_000, 0, growth, 0, 0)).isFalse();
    }

    @Test
    void aLoadGeneratorThatCannotOfferTheRateFailsTheStep() {
        assertThat(LoopBench.keepsUp(50_000, 45_000, 0, 0, 0, 0)).isFalse();
        assertThat(LoopBench.keepsUp(50_000, 49_000, 0, 0, 0, 0)).isTrue();
    }

    @Test
    void aFlatButStandingBacklogOfSecondsDoesNotKeepUp() {
        assertThat(LoopBench.keepsUp(8_000, 8_000, 0, 0, 16_000, 0)).isTrue();
        assertThat(LoopBench.keepsUp(8_000, 8_000, 0, 0, 60_000, 0)).as("the risk engine 7 s behind").isFalse();
        assertThat(LoopBench.keepsUp(8_000, 8_000, 0, 0, 0, 36_000)).as("the sink 4.5 s behind").isTrue();
        assertThat(LoopBench.keepsUp(8_000, 8_000, 0, 0, 0, 48_000)).as("the sink 6 s behind").isFalse();
    }

    @Test
    void proseIsWrappedAtSpaces() {
        String w = LoopBench.wrap("aaa bbb ccc ddd", 7);
        assertThat(w).isEqualTo("aaa bbb\nccc ddd");
    }

    @Test
    void stagesNotReportingYetAreLeftOut() {
        List<Sample> s = samples(60, i -> i < 10 ? -1 : 1_000);
        assertThat(LoopBench.growth(s, 0, 60_000, Sample::riskLag, LoopBench.WINDOW_MS)).isEqualTo(1_000);
    }

    @Test
    void resultsReplaceThePreviousOnesBetweenTheMarkersAndKeepTheRest(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("benchmarks.md");
        Files.writeString(file, "# Benchmarks\n\n## Other\n\ntext\n");
        LoopBench.record(file, "<!-- loop-bench:begin -->\nfirst\n<!-- loop-bench:end -->\n");
        String once = Files.readString(file);
        assertThat(once).startsWith("# Benchmarks\n\n## Other\n\ntext\n").contains("first");

        Files.writeString(file, once + "\n## After\n\nmore\n");
        LoopBench.record(file, "<!-- loop-bench:begin -->\nsecond\n<!-- loop-bench:end -->\n");
        String twice = Files.readString(file);
        assertThat(twice).contains("second").doesNotContain("first").contains("## Other\n\ntext")
                .contains("## After\n\nmore");
        assertThat(twice.split("loop-bench:begin", -1)).hasSize(2);
    }
}
