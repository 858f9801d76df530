package io.zerotrust.demo.report;

import io.zerotrust.demo.report.Evaluation.Latencies;
import io.zerotrust.demo.report.Evaluation.ScenarioResult;
import io.zerotrust.demo.sim.LiveRun;
import io.zerotrust.demo.sim.Plan;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** The run's report: a terminal summary and a Markdown page in the run folder. */
public final class RunReport {

    private RunReport() {
    }

    /** The summary printed at the end of a run. */
    public static String terminal(Evaluation e) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-20s %-9s %-18s %-9s %-8s %-22s %-8s%n", "scenario", "detected",
                "by", "enforced", "action", "rule", "applied"));
        for (ScenarioResult r : e.scenarios()) {
            b.append(String.format(Locale.ROOT, "%-20s %-9s %-18s %-9s %-8s %-22s %-8s%n", r.scenario().name(),
                    after(r.startedAtMs(), r.detectedAtMs()), r.detector() == null ? "-" : r.detector(),
                    after(r.startedAtMs(), r.enforcedAtMs()), r.action() == null ? "-" : r.action(),
                    r.rule() == null ? "-" : r.rule(), after(r.startedAtMs(), r.appliedAtMs())));
        }
        b.append("(seconds after each scenario's first attempt)\n");
        b.append(String.format(Locale.ROOT, "%nprecision %.2f, recall %.2f; false positives: %s; benign people "
                        + "blocked: %s%n", e.precision(), e.recall(),
                e.falsePositives().isEmpty() ? "none" : String.join(", ", e.falsePositives()),
                e.benignUsersBlocked().isEmpty() ? "none" : String.join(", ", e.benignUsersBlocked())));
        b.append("loop latency (trigger event at the gateway -> decision applied by the gateway): ")
                .append(latencies(e.loop())).append('\n');
        b.append("  of which event -> decision issued: ").append(latencies(e.decide()))
                .append("; issued -> applied: ").append(latencies(e.deliver())).append('\n');
        b.append(e.passed() ? "RESULT: every scripted attack detected and enforced; no benign person blocked"
                : "RESULT: NOT every attack was detected and enforced, or a benign person was blocked").append('\n');
        return b.toString();
    }

    /** The Markdown page: plan, per-scenario outcome, precision/recall, latencies and queries to dig further. */
    public static String markdown(Plan plan, Evaluation e, Map<String, LiveRun.Tally> tallies, Path runDir) {
        StringBuilder b = new StringBuilder("# Demo run\n\n");
        b.append("Run folder `").append(runDir).append("`; ").append(plan.population().size()).append(" people, ")
                .append(plan.history().size()).append(" visits of history, ").append(plan.live().size())
                .append(" live visits, ").append(plan.scenarios().size()).append(" scripted attacks over ")
                .append(plan.liveMs() / 60_000).append(" min.\n\n");
        b.append("Times count from each scenario's first attempt. A scenario can be enforced before its own detector")
                .append(" fires: the rule column says which policy rule acted.\n\n");
        b.append("| scenario | what | entity | detected after | by | enforced after | action | rule ")
                .append("| applied after |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (ScenarioResult r : e.scenarios()) {
            b.append("| ").append(r.scenario().name()).append(" | ").append(r.scenario().description()).append(" | `")
                    .append(r.scenario().entity()).append("` | ").append(after(r.startedAtMs(), r.detectedAtMs()))
                    .append(" | ").append(r.detector() == null ? "—" : r.detector()).append(" | ")
                    .append(after(r.startedAtMs(), r.enforcedAtMs())).append(" | ")
                    .append(r.action() == null ? "—" : r.action()).append(" | ")
                    .append(r.rule() == null ? "—" : r.rule()).append(" | ")
                    .append(after(r.startedAtMs(), r.appliedAtMs())).append(" |\n");
        }
        b.append(String.format(Locale.ROOT, "%nPrecision %.2f, recall %.2f. Enforced entities: %s. False positives: "
                        + "%s.%n%n", e.precision(), e.recall(), String.join(", ", e.enforcedEntities()),
                e.falsePositives().isEmpty() ? "none" : String.join(", ", e.falsePositives())));
        b.append("Latencies, from the records' own timestamps (event time at the gateway, decision issue time, the ")
                .append("gateway's apply time):\n\n| | count | p50 | p95 | p99 | max |\n|---|---|---|---|---|---|\n");
        row(b, "trigger event → applied (loop)", e.loop());
        row(b, "trigger event → decision issued", e.decide());
        row(b, "decision issued → applied", e.deliver());
        b.append("\nAttempts made, by scenario:\n\n| | started | failed | statuses |\n|---|---|---|---|\n");
        tallies.forEach((k, t) -> b.append("| ").append(k).append(" | ").append(t.started.sum()).append(" | ")
                .append(t.failed.sum()).append(" | ").append(t.statuses).append(" |\n"));
        b.append("\nDig further in ClickHouse (`clickhouse-client`, database `zt`), e.g. every decision of the run ")
                .append("with its reasons:\n\n```sql\nSELECT issued_at, entity, action, mode, rule_id, summary\n")
                .append("FROM zt.decisions\nWHERE issued_at >= now() - INTERVAL 1 HOUR\nORDER BY issued_at\n```\n");
        return b.toString();
    }

    private static void row(StringBuilder b, String name, Latencies l) {
        b.append("| ").append(name).append(" | ").append(l.count()).append(" | ").append(l.p50()).append(" ms | ")
                .append(l.p95()).append(" ms | ").append(l.p99()).append(" ms | ").append(l.max()).append(" ms |\n");
    }

    private static String latencies(Latencies l) {
        return l.count() == 0 ? "none measured" : String.format(Locale.ROOT, "p50 %d ms, p95 %d ms, p99 %d ms (%d)",
                l.p50(), l.p95(), l.p99(), l.count());
    }

    private static String after(long start, Long at) {
        return at == null ? "no" : String.format(Locale.ROOT, "%.1f s", (at - start) / 1000.0);
    }
}
