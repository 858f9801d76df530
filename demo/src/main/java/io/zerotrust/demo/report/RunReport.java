package io.zerotrust.demo.report;

import io.zerotrust.dashboards.QueryPack;
import io.zerotrust.demo.monitor.Monitor.Sample;
import io.zerotrust.demo.report.Evaluation.Latencies;
import io.zerotrust.demo.report.Evaluation.LoopPoint;
import io.zerotrust.demo.report.Evaluation.ScenarioResult;
import io.zerotrust.demo.report.Svg.Marker;
import io.zerotrust.demo.report.Svg.Series;
import io.zerotrust.demo.sim.LiveRun;
import io.zerotrust.demo.sim.Plan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The run's report: a terminal summary and an HTML page with charts in the run folder. */
public final class RunReport {

    /** What the run was: its plan and judgement, the ClickHouse audit, and the monitor's samples. */
    public record Run(Plan plan, Evaluation evaluation, Audit audit, Map<String, LiveRun.Tally> tallies,
                      List<Sample> samples, long liveStartMs, Path runDir, String database, Path queries) {

        /** Every attack detected and enforced, no benign person blocked, and ClickHouse agrees with Kafka. */
        public boolean passed() {
            return evaluation.passed() && audit.same();
        }

        /** Events per second onto {@code conn.events} during the live phase: median and peak of the samples. */
        double[] throughput() {
            List<Double> v = new ArrayList<>();
            for (Sample s : samples) {
                if (s.atMs() > liveStartMs + 1_000 && s.atMs() <= liveStartMs + plan.liveMs()) {
                    v.add(s.eventsPerSecond());
                }
            }
            if (v.isEmpty()) {
                return new double[] {0, 0};
            }
            v.sort(Double::compare);
            return new double[] {v.get(v.size() / 2), v.get(v.size() - 1)};
        }
    }

    private RunReport() {
    }

    /** The summary printed at the end of a run. */
    public static String terminal(Run run) {
        Evaluation e = run.evaluation();
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
        double[] t = run.throughput();
        b.append(String.format(Locale.ROOT, "throughput: %.0f events/s median, %.0f peak (conn.events, live phase)%n",
                t[0], t[1]));
        b.append(audit(run.audit())).append('\n');
        b.append(run.passed() ? "RESULT: every scripted attack detected and enforced; no benign person blocked; "
                + "ClickHouse holds the same decisions"
                : "RESULT: FAILED — see above: an attack not detected or enforced, a benign person blocked, or "
                + "ClickHouse disagreeing with Kafka").append('\n');
        return b.toString();
    }

    private static String audit(Audit a) {
        if (a.same()) {
            return "ClickHouse decision audit (dashboards/queries/decision_audit.sql): the same " + a.found()
                    + " decisions as on Kafka";
        }
        return "ClickHouse decision audit: " + a.found() + " rows for " + a.expected() + " decisions on Kafka; missing "
                + a.missing() + "; not on Kafka " + a.unexpected();
    }

    /** The HTML page: outcome per scenario, precision/recall, latencies, charts, the audit and queries. */
    public static String html(Run run) throws IOException {
        Evaluation e = run.evaluation();
        Plan plan = run.plan();
        StringBuilder b = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Demo run "
                + Svg.esc(run.runDir().getFileName().toString()) + "</title>\n<style>body{font-family:sans-serif;"
                + "max-width:1000px;margin:20px auto;color:#222}table{border-collapse:collapse;margin:10px 0}"
                + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}"
                + ".ok{color:#1a7f37}.bad{color:#c33}pre{background:#f6f6f6;padding:8px;overflow-x:auto}"
                + "</style></head><body>\n");
        b.append("<h1>Demo run</h1>\n<p class=\"").append(run.passed() ? "ok" : "bad").append("\"><b>")
                .append(run.passed() ? "Passed: every scripted attack detected and enforced, no benign person "
                        + "blocked, ClickHouse holds the same decisions as Kafka."
                        : "Failed: see the tables below.").append("</b></p>\n");
        b.append("<p>Run folder <code>").append(Svg.esc(run.runDir().toString())).append("</code>; ")
                .append(plan.population().size()).append(" people, ").append(plan.history().size())
                .append(" visits of history, ").append(plan.live().size()).append(" live visits, ")
                .append(plan.scenarios().size()).append(" scripted attacks over ").append(plan.liveMs() / 60_000)
                .append(" min.</p>\n");

        b.append("<h2>Scenarios</h2>\n<p>Times count from each scenario's first attempt. A scenario can be enforced "
                + "before its own detector fires: the rule column says which policy rule acted.</p>\n<table><tr>"
                + "<th>scenario</th><th>what</th><th>entity</th><th>detected after</th><th>by</th>"
                + "<th>enforced after</th><th>action</th><th>rule</th><th>applied after</th></tr>\n");
        for (ScenarioResult r : e.scenarios()) {
            b.append("<tr><td>").append(r.scenario().name()).append("</td><td>")
                    .append(Svg.esc(r.scenario().description())).append("</td><td><code>")
                    .append(Svg.esc(r.scenario().entity())).append("</code></td>")
                    .append(cell(after(r.startedAtMs(), r.detectedAtMs()))).append("<td>")
                    .append(r.detector() == null ? "—" : r.detector()).append("</td>")
                    .append(cell(after(r.startedAtMs(), r.enforcedAtMs()))).append("<td>")
                    .append(r.action() == null ? "—" : r.action()).append("</td><td>")
                    .append(r.rule() == null ? "—" : r.rule()).append("</td>")
                    .append(cell(after(r.startedAtMs(), r.appliedAtMs()))).append("</tr>\n");
        }
        b.append("</table>\n");
        b.append(String.format(Locale.ROOT, "<p>Precision %.2f, recall %.2f. Enforced entities: %s. False positives: "
                        + "%s. Benign people blocked: %s.</p>%n", e.precision(), e.recall(),
                Svg.esc(String.join(", ", e.enforcedEntities())),
                e.falsePositives().isEmpty() ? "none" : Svg.esc(String.join(", ", e.falsePositives())),
                e.benignUsersBlocked().isEmpty() ? "none" : Svg.esc(String.join(", ", e.benignUsersBlocked()))));

        b.append("<h2>Latency</h2>\n<p>From the records' own timestamps: the event time at the gateway of the event "
                + "that triggered a decision, the decision's issue time, the gateway's apply time (its ack).</p>\n"
                + "<table><tr><th></th><th>count</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>\n");
        row(b, "trigger event → applied (loop)", e.loop());
        row(b, "trigger event → decision issued", e.decide());
        row(b, "decision issued → applied", e.deliver());
        b.append("</table>\n");
        List<Marker> markers = markers(run);
        List<double[]> loop = new ArrayList<>();
        List<double[]> decide = new ArrayList<>();
        for (LoopPoint p : e.points()) {
            loop.add(new double[] {(p.eventTimeMs() - run.liveStartMs()) / 1000.0, p.loopMs()});
            decide.add(new double[] {(p.eventTimeMs() - run.liveStartMs()) / 1000.0, p.decideMs()});
        }
        b.append(Svg.chart("Each decision: trigger event → applied, and → issued", "ms", List.of(
                new Series("event → applied", "#1f77b4", loop, true),
                new Series("event → issued", "#ff7f0e", decide, true)), markers));

        double[] t = run.throughput();
        b.append(String.format(Locale.ROOT, "<h2>Throughput and lag</h2>%n<p>Events onto conn.events during the live "
                + "phase: %.0f/s median, %.0f/s peak. Lag is records a stage has not read yet: the ingest's from its "
                + "committed offsets, the Flink jobs' from their Kafka readers, the gateway's from its decision "
                + "feed.</p>%n", t[0], t[1]));
        b.append(Svg.chart("Events per second onto conn.events", "events/s",
                List.of(series(run, "events/s", "#1f77b4", Sample::eventsPerSecond)), markers));
        b.append(Svg.chart("Lag per stage", "records", List.of(
                series(run, "ingest", "#2ca02c", Sample::ingestLag),
                series(run, "risk engine", "#d62728", Sample::riskLag),
                series(run, "ClickHouse sink", "#9467bd", Sample::sinkLag),
                series(run, "gateway decision feed", "#8c564b", Sample::gatewayLag)), markers));
        b.append(Svg.chart("Decisions and what the gateway enforces", "decisions", List.of(
                series(run, "issued (enforce)", "#1f77b4", Sample::decisionsIssued),
                series(run, "applied", "#17becf", Sample::decisionsApplied),
                series(run, "blocked now", "#d62728", Sample::liveBlock),
                series(run, "throttled now", "#ff7f0e", Sample::liveThrottle),
                series(run, "step-up now", "#bcbd22", Sample::liveStepUp)), markers));

        b.append("<h2>ClickHouse audit</h2>\n<p class=\"").append(run.audit().same() ? "ok" : "bad").append("\">")
                .append(Svg.esc(audit(run.audit()))).append("</p>\n<pre>").append(Svg.esc(run.audit().query()))
                .append("</pre>\n");

        b.append("<h2>Attempts made</h2>\n<table><tr><th></th><th>started</th><th>failed</th><th>HTTP statuses "
                + "(0: TCP, probe or none)</th></tr>\n");
        run.tallies().forEach((k, v) -> b.append("<tr><td>").append(Svg.esc(k)).append("</td><td>")
                .append(v.started.sum()).append("</td><td>").append(v.failed.sum()).append("</td><td>")
                .append(Svg.esc(v.statuses.toString())).append("</td></tr>\n"));
        b.append("</table>\n");

        b.append("<h2>Dig further in ClickHouse</h2>\n<p>The query pack (<code>dashboards/queries</code>, also "
                + "provisioned as Grafana dashboards) answers the usual questions; with this run's parameters, e.g. "
                + "<code>curl -s http://127.0.0.1:8123/ --data-binary @query.sql</code>:</p>\n");
        List<QueryPack.Query> pack = QueryPack.load(run.queries());
        String entity = e.scenarios().isEmpty() ? "user:alice" : e.scenarios().get(0).scenario().entity();
        for (QueryPack.Query q : pack) {
            if (q.name().equals("decision_audit") || q.name().equals("entity_timeline")) {
                Map<String, String> values = q.name().equals("entity_timeline")
                        ? Map.of("db", run.database(), "entity", entity, "since_hours", "1")
                        : Map.of("db", run.database(), "since_hours", "1", "limit", "100");
                b.append("<h3>").append(Svg.esc(q.title())).append("</h3>\n<p>").append(Svg.esc(q.question()))
                        .append("</p>\n<pre>").append(Svg.esc(q.render(values))).append("</pre>\n");
            }
        }
        b.append("<p>Also in the pack: ");
        b.append(String.join(", ", pack.stream().map(q -> "<code>" + q.name() + "</code>").toList()));
        b.append(".</p>\n</body></html>\n");
        return b.toString();
    }

    private static List<Marker> markers(Run run) {
        List<Marker> m = new ArrayList<>();
        run.evaluation().scenarios().forEach(r -> m.add(new Marker((r.startedAtMs() - run.liveStartMs()) / 1000.0,
                r.scenario().name())));
        return m;
    }

    private static Series series(Run run, String name, String color, ToDoubleFunction<Sample> f) {
        List<double[]> points = new ArrayList<>();
        for (Sample s : run.samples()) {
            double v = f.applyAsDouble(s);
            if (s.atMs() >= run.liveStartMs() && v >= 0) {
                points.add(new double[] {(s.atMs() - run.liveStartMs()) / 1000.0, v});
            }
        }
        return new Series(name, color, points, false);
    }

    private static String cell(String v) {
        return "<td class=\"" + (v.equals("no") ? "bad" : "ok") + "\">" + v + "</td>";
    }

    private static void row(StringBuilder b, String name, Latencies l) {
        b.append("<tr><td>").append(name).append("</td><td>").append(l.count()).append("</td><td>").append(l.p50())
                .append(" ms</td><td>").append(l.p95()).append(" ms</td><td>").append(l.p99()).append(" ms</td><td>")
                .append(l.max()).append(" ms</td></tr>\n");
    }

    private static String latencies(Latencies l) {
        return l.count() == 0 ? "none measured" : String.format(Locale.ROOT, "p50 %d ms, p95 %d ms, p99 %d ms (%d)",
                l.p50(), l.p95(), l.p99(), l.count());
    }

    private static String after(long start, Long at) {
        return at == null ? "no" : String.format(Locale.ROOT, "%.1f s", (at - start) / 1000.0);
    }
}
