package io.zerotrust.demo.report;

import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.dashboards.QueryPack;
import io.zerotrust.demo.ClickHouseHttp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The run's decisions as the analysts see them: the query pack's {@code decision_audit} query, run on the analytics
 * database, compared with the decisions the risk engine put on Kafka during the run. A decision is the same when its
 * issue second, entity, action, mode and rule are (the audit query's own columns); both sides are compared as
 * multisets, so a decision missing or doubled in ClickHouse shows.
 *
 * @param query      the SQL that was run (the pack's query with the run's parameters, wrapped to select the run's rows)
 * @param expected   decisions on Kafka since the run began
 * @param found      rows the audit query returned for the run
 * @param missing    decisions on Kafka the audit query did not return
 * @param unexpected rows the audit query returned that are not on Kafka
 */
public record Audit(String query, int expected, int found, List<String> missing, List<String> unexpected) {

    public boolean same() {
        return missing.isEmpty() && unexpected.isEmpty();
    }

    /**
     * Runs the audit until it matches or {@code waitMs} has passed (the sink writes on its checkpoints, so the last
     * decisions may be a few seconds behind).
     */
    public static Audit check(String clickhouseUrl, String database, Path queries, long sinceMs,
                              List<EnforcementDecision> decisions, long waitMs) throws IOException,
            InterruptedException {
        QueryPack.Query q = QueryPack.load(queries).stream().filter(x -> x.name().equals("decision_audit"))
                .findFirst().orElseThrow(() -> new IOException("no decision_audit.sql in " + queries));
        long hours = Math.max(1, (System.currentTimeMillis() - sinceMs) / 3_600_000 + 1);
        String sql = "SELECT toUnixTimestamp(issued_at), entity, action, mode, rule_id FROM ("
                + q.render(Map.of("db", database, "since_hours", Long.toString(hours), "limit", "1000000"))
                + ") WHERE issued_at >= toDateTime(" + sinceMs / 1000 + ") FORMAT TabSeparated";
        List<String> want = new ArrayList<>();
        for (EnforcementDecision d : decisions) {
            if (d.getIssuedAt() >= sinceMs / 1000 * 1000) {
                want.add(key(d.getIssuedAt() / 1000, d.getEntity(), d.getAction().name(), d.getMode().name(),
                        d.getRuleId() == null ? "" : d.getRuleId()));
            }
        }
        long deadline = System.currentTimeMillis() + waitMs;
        while (true) {
            String body = ClickHouseHttp.query(clickhouseUrl, sql);
            List<String> got = new ArrayList<>();
            for (String line : body.split("\n")) {
                if (!line.isEmpty()) {
                    String[] f = line.split("\t", -1);
                    got.add(key(Long.parseLong(f[0]), f[1], f[2], f[3], f[4]));
                }
            }
            Audit a = new Audit(sql, want.size(), got.size(), minus(want, got), minus(got, want));
            if (a.same() || System.currentTimeMillis() >= deadline) {
                return a;
            }
            Thread.sleep(2_000);
        }
    }

    private static String key(long second, String entity, String action, String mode, String rule) {
        return java.time.Instant.ofEpochSecond(second) + " " + action + " " + entity + " (" + mode + ", " + rule
                + ")";
    }

    /** {@code a} minus {@code b}, counting duplicates. */
    static List<String> minus(List<String> a, List<String> b) {
        Map<String, Integer> left = new HashMap<>();
        b.forEach(x -> left.merge(x, 1, Integer::sum));
        List<String> out = new ArrayList<>();
        for (String x : a) {
            if (left.getOrDefault(x, 0) > 0) {
                left.merge(x, -1, Integer::sum);
            } else {
                out.add(x);
            }
        }
        return out;
    }
}
