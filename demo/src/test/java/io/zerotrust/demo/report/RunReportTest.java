package io.zerotrust.demo.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ApplyOutcome;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.demo.monitor.Monitor.Sample;
import io.zerotrust.demo.sim.Plan;
import io.zerotrust.demo.sim.Scenario;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** The run's terminal summary and HTML page, from a hand-made run with known answers. */
class RunReportTest {

    private static final long LIVE = 1_795_000_000_000L;
    private static final Path QUERIES = Path.of("../dashboards/queries");
    private final Plan plan = Plan.generate(42, 40, LIVE, 6 * 60_000L, 20_000);

    /** Every scenario detected 2 s after it starts, decided 40 ms after its trigger, applied 70 ms after it. */
    private Evaluation everythingCaught() {
        List<Anomaly> anomalies = new ArrayList<>();
        List<EnforcementDecision> decisions = new ArrayList<>();
        List<DecisionApplied> acks = new ArrayList<>();
        int i = 0;
        for (Scenario s : plan.scenarios()) {
            long t = LIVE + s.startMs() + 2_000;
            anomalies.add(EvaluationTest.anomaly("a" + i, s.entity(), s.detectors().iterator().next(), t, t + 30));
            decisions.add(EvaluationTest.decision("d" + i, s.entity(), s.minAction(), DecisionMode.ENFORCE, t,
                    t + 40));
            acks.add(EvaluationTest.ack("d" + i, s.entity(), s.minAction(), t + 70, ApplyOutcome.APPLIED));
            i++;
        }
        return Evaluation.of(plan, LIVE, Map.of(), anomalies, decisions, acks);
    }

    private List<Sample> samples() {
        List<Sample> out = new ArrayList<>();
        for (int s = 0; s <= 360; s++) {
            out.add(new Sample(LIVE + s * 1_000L, s * 8L, 8.0, s < 250 ? -1 : 0, s % 10, 2 * (s % 5), 0,
                    s / 60, s / 60, 0, 1, s / 60));
        }
        return out;
    }

    private RunReport.Run run(Audit audit) {
        return new RunReport.Run(plan, everythingCaught(), audit, Map.of(), samples(), LIVE,
                Path.of("var/demo/run-test"), "zt", QUERIES);
    }

    @Test
    void thePageHoldsEveryScenarioFourChartsTheAuditAndTheQueries() throws Exception {
        RunReport.Run run = run(new Audit("SELECT 1", 7, 7, List.of(), List.of()));
        String html = RunReport.html(run);

        assertThat(run.passed()).isTrue();
        assertThat(html).contains("Passed:");
        for (Scenario s : plan.scenarios()) {
            assertThat(html).contains("<tr><td>" + s.name() + "</td>");
        }
        Matcher svg = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        int charts = 0;
        while (svg.find()) {
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(svg.group().getBytes(StandardCharsets.UTF_8)));
            assertThat(d.getElementsByTagName("text").getLength()).as("axis labels and a title").isGreaterThan(5);
            charts++;
        }
        assertThat(charts).isEqualTo(4);
        assertThat(html).as("one dot per acknowledged decision, twice (applied and issued)")
                .containsPattern("(?s)(<circle.*){14}");
        assertThat(html).contains("the same 7 decisions").contains("FROM zt.decisions FINAL")
                .contains(Svg.esc(plan.scenarios().get(0).entity()));
        assertThat(RunReport.terminal(run)).contains("precision 1.00, recall 1.00")
                .contains("throughput: 8 events/s median").contains("RESULT: every scripted attack");
    }

    @Test
    void aDecisionMissingFromClickHouseFailsTheRun() throws Exception {
        RunReport.Run run = run(new Audit("SELECT 1", 7, 6, List.of("2026-11-23T01:00:00Z BLOCK ip:1.2.3.4"),
                List.of()));
        assertThat(run.passed()).isFalse();
        assertThat(RunReport.terminal(run)).contains("6 rows for 7 decisions").contains("BLOCK ip:1.2.3.4")
                .contains("RESULT: FAILED");
        assertThat(RunReport.html(run)).contains("Failed:");
    }

    @Test
    void theGridGoesUpInFourEvenSteps() {
        assertThat(Svg.niceCeiling(0)).isEqualTo(4);
        assertThat(Svg.niceCeiling(7)).isEqualTo(10);
        assertThat(Svg.niceCeiling(15)).isEqualTo(20);
        assertThat(Svg.niceCeiling(33)).isEqualTo(40);
        assertThat(Svg.niceCeiling(41_000)).isEqualTo(100_000);
    }
}
