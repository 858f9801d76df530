package io.zerotrust.dashboards;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import io.zerotrust.clickhouse.Migrations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The query pack's latency over a large analytics database: generates {@code rows} connection events (spread over
 * the last 7 days, 5,000 users, 6 services) and proportionate scores, anomalies, decisions, acks and rollups inside
 * ClickHouse ({@code INSERT ... SELECT FROM numbers()}, nothing through Kafka), then runs every query of the pack
 * {@code runs} times after two warm-ups and prints p50 and p95 per query.
 *
 * <pre>java ... io.zerotrust.dashboards.QueryBench [clickhouseUrl] [rows] [runs] [database]</pre>
 */
public final class QueryBench {

    private QueryBench() {
    }

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:8123";
        long rows = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        String db = args.length > 3 ? args[3] : "zt_bench";
        List<QueryPack.Query> pack = QueryPack.load(Path.of("dashboards/queries"));
        try (Client ch = new Client.Builder().addEndpoint(url).setUsername("default").setPassword("")
                .compressServerResponse(false).build()) {
            System.out.println("ClickHouse " + lines(ch, "SELECT version()").get(0) + " at " + url + "; database "
                    + db);
            lines(ch, "DROP DATABASE IF EXISTS " + db);
            Migrations.apply(ch, db);
            long t0 = System.nanoTime();
            generate(ch, db, rows);
            System.out.printf("generated %,d events (+ scores, anomalies, decisions, acks, rollups) in %.1f s%n",
                    rows, (System.nanoTime() - t0) / 1e9);
            lines(ch, "OPTIMIZE TABLE " + db + ".conn_events FINAL");
            Map<String, String> params = new LinkedHashMap<>();
            params.put("db", db);
            params.put("entity", "user:user42");
            System.out.println("| query | rows returned | p50 ms | p95 ms | max ms |");
            System.out.println("|---|---|---|---|---|");
            for (QueryPack.Query q : pack) {
                Map<String, String> p = new LinkedHashMap<>();
                q.params().forEach(x -> {
                    if (params.containsKey(x.name())) {
                        p.put(x.name(), params.get(x.name()));
                    }
                });
                String sql = q.render(p);
                int returned = 0;
                for (int i = 0; i < 2; i++) {
                    returned = lines(ch, sql).size();
                }
                double[] ms = new double[runs];
                for (int i = 0; i < runs; i++) {
                    long s = System.nanoTime();
                    lines(ch, sql);
                    ms[i] = (System.nanoTime() - s) / 1e6;
                }
                Arrays.sort(ms);
                System.out.printf("| %s | %d | %.1f | %.1f | %.1f |%n", q.name(), returned,
                        ms[(int) Math.floor(0.5 * (runs - 1))], ms[(int) Math.ceil(0.95 * (runs - 1))],
                        ms[runs - 1]);
            }
        }
    }

    static void generate(Client ch, String db, long rows) throws Exception {
        String span = "604800"; // seconds in 7 days
        lines(ch, "INSERT INTO " + db + ".conn_events (event_id, event_time, event_time_ms, origin, gateway_id,"
                + " connection_id, phase, user, device_id, auth_method, auth_outcome, auth_failure_reason, src_ip,"
                + " src_port, src_country, dst_service, dst_host, dst_ip, dst_port, protocol, http_method, http_path,"
                + " http_status, user_agent, bytes_in, bytes_out, duration_ms, request_count, close_reason,"
                + " reject_reason, decision_id, decision_action, decision_mode, attr_keys, attr_values)"
                + " SELECT concat('e-', toString(number)) AS id, toDateTime(now() - (number * 7919 % " + span
                + ")) AS t, toUInt64(t) * 1000 + number % 1000, 'gateway', concat('gw-', toString(number % 3)),"
                + " concat('c-', toString(intDiv(number, 3))), ['OPEN', 'CLOSE', 'REJECT'][number % 3 + 1],"
                + " concat('user', toString(number % 5000)), concat('laptop-', toString(number % 5000)), 'JWT',"
                + " if(number % 50 = 0, 'FAILURE', 'SUCCESS'), if(number % 50 = 0, 'bad_password', ''),"
                + " concat('10.', toString(number % 250), '.', toString(intDiv(number, 250) % 250), '.1'),"
                + " toUInt16(40000 + number % 20000), 'US', ['portal', 'mail', 'wiki', 'git', 'crm', 'files']"
                + "[number % 6 + 1], 'svc.internal', '10.1.0.1', 443, 'https', 'GET', '/x', 200, 'bench',"
                + " number % 10000, number % 100000, number % 60000, 1, '', '', '', '', '', [], []"
                + " FROM numbers(" + rows + ")");
        long scores = Math.max(1000, rows / 50);
        lines(ch, "INSERT INTO " + db + ".risk_scores (entity, entity_type, score, level, event_time, event_time_ms,"
                + " computed_at_ms, trigger_event_id, half_life_ms, contributions.detector, contributions.points,"
                + " contributions.anomaly_id, contributions.explanation)"
                + " SELECT concat('user:user', toString(number % 5000)), 'USER', number % 100 AS s,"
                + " ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'][intDiv(s, 25) + 1], toDateTime(now() - (number * 7919 % "
                + span + ")) AS t, toUInt64(t) * 1000, toUInt64(t) * 1000 + 5, concat('e-', toString(number)),"
                + " 1800000, ['brute_force'], [toFloat64(s)], ['a'], ['x'] FROM numbers(" + scores + ")");
        lines(ch, "INSERT INTO " + db + ".anomalies (anomaly_id, detector, entity, entity_type, severity, score,"
                + " event_time, event_time_ms, detected_at_ms, window_start_ms, window_end_ms, explanation, observed,"
                + " baseline, evidence_event_ids, attr_keys, attr_values)"
                + " SELECT concat('an-', toString(number)), 'brute_force', concat('user:user', toString(number % 5000)),"
                + " 'USER', 'MEDIUM', 40, toDateTime(now() - (number * 7919 % " + span + ")) AS t,"
                + " toUInt64(t) * 1000, toUInt64(t) * 1000, 0, 0, 'bench', NULL, NULL, [], [], []"
                + " FROM numbers(" + scores / 2 + ")");
        lines(ch, "INSERT INTO " + db + ".decisions (decision_id, entity, entity_type, action, mode, issued_at,"
                + " issued_at_ms, expires_at_ms, event_time, event_time_ms, issuer, issued_by, policy_version, rule_id,"
                + " risk_score, risk_level, throttle_rate_per_second, summary, supersedes, reasons.detector,"
                + " reasons.contribution, reasons.anomaly_id, reasons.explanation, reasons.evidence_event_ids)"
                + " SELECT concat('dec-', toString(number)), concat('user:user', toString(number % 5000)), 'USER',"
                + " ['STEP_UP', 'BLOCK'][number % 2 + 1], if(number % 10 = 0, 'SHADOW', 'ENFORCE'),"
                + " toDateTime(now() - (number * 7919 % " + span + ")) AS t, toUInt64(t) * 1000 + 150,"
                + " toUInt64(t) * 1000 + 900000, t, toUInt64(t) * 1000, 'ENGINE', 'risk-engine', 'v1',"
                + " if(number % 10 = 0, 'off-hours-shadow', 'critical-block'), 80, 'CRITICAL', NULL, 'bench', '',"
                + " ['exfiltration'], [60], ['an'], ['x'], [['e']] FROM numbers(" + scores / 4 + ")");
        lines(ch, "INSERT INTO " + db + ".decision_acks (decision_id, entity, action, mode, gateway_id, outcome,"
                + " decision_issued_at_ms, received_at, received_at_ms, applied_at_ms, sessions_revoked, detail)"
                + " SELECT decision_id, entity, toString(action), toString(mode), 'gw-1', 'APPLIED', issued_at_ms,"
                + " issued_at, issued_at_ms + 100, issued_at_ms + 120, 0, '' FROM " + db + ".decisions");
        lines(ch, "INSERT INTO " + db + ".rollup_1m (dimension, key, minute, connections, failures, rejects, bytes_in,"
                + " bytes_out, distinct_destinations, events, version)"
                + " SELECT 'service', ['portal', 'mail', 'wiki', 'git', 'crm', 'files'][number % 6 + 1],"
                + " toStartOfMinute(toDateTime(now() - intDiv(number, 6) * 60)), 100, 2, 3, 1000, 2000, 5, 105, 105"
                + " FROM numbers(" + 6 * 7 * 1440 + ")");
        lines(ch, "INSERT INTO " + db + ".rollup_1m (dimension, key, minute, connections, failures, rejects, bytes_in,"
                + " bytes_out, distinct_destinations, events, version)"
                + " SELECT 'gateway', concat('gw-', toString(number % 3)),"
                + " toStartOfMinute(toDateTime(now() - intDiv(number, 3) * 60)), 300, 6, 9, 3000, 6000, 6, 315, 315"
                + " FROM numbers(" + 3 * 7 * 1440 + ")");
    }

    static List<String> lines(Client ch, String sql) throws Exception {
        try (QueryResponse r = ch.query(sql, new QuerySettings().setFormat(ClickHouseFormat.TabSeparated))
                .get(600, TimeUnit.SECONDS)) {
            String body = new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return body.isEmpty() ? List.of() : new ArrayList<>(List.of(body.split("\n")));
        }
    }
}
