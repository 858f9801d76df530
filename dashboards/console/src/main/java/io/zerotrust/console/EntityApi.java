package io.zerotrust.console;

import com.clickhouse.data.ClickHouseFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.zerotrust.avro.EntityType;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Entity investigation, read from ClickHouse (any signed-in role):
 *
 * <ul>
 *   <li>{@code GET /api/entity?e=user:alice[&hours=24]}: the entity's risk score over the window, its decisions with
 *       their reasons and where they were applied (gateway acks), its anomalies with explanations and evidence ids,
 *       and its usual behaviour (the 7 days before the window) beside the recent one (the window);
 *   <li>{@code GET /api/events?ids=a,b}: the raw {@code conn_events} rows of evidence ids (at most {@value #MAX_IDS});
 *   <li>{@code GET /api/entities?prefix=user:al}: entity keys starting with the prefix (at most 20);
 *   <li>{@code GET /entity/{entity}}: the entity page (same as {@code /entity.html?e=...}).
 * </ul>
 *
 * User input never becomes SQL text: queries carry {@code {name:Type}} placeholders, sent as client-v2 query
 * parameters to servers that have them (20.1 on; 18.16 refuses {@code param_*} as an unknown setting), and bound on
 * the client otherwise, a string as {@code unhex('<hex of its UTF-8 bytes>')}, so the text holds hex digits only.
 */
final class EntityApi {

    static final int MAX_IDS = 50;
    static final int MAX_HOURS = 720;
    private static final long BASELINE_MS = 7L * 24 * 3_600_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DIMENSIONS = List.of("country", "device", "service", "user", "hour");

    private final Console console;

    private EntityApi(Console console) {
        this.console = console;
    }

    static void register(RoutesConfig routes, Console console) {
        EntityApi api = new EntityApi(console);
        routes.get("/api/entity", api::entity);
        routes.get("/api/events", api::events);
        routes.get("/api/entities", api::entities);
        routes.get("/entity/{entity}", ctx -> {
            try (InputStream in = EntityApi.class.getResourceAsStream("/public/entity.html")) {
                ctx.contentType("text/html; charset=utf-8").result(in.readAllBytes());
            }
        });
    }

    private String db() {
        return console.settings().clickhouseDatabase();
    }

    // ---- GET /api/entity

    private void entity(Context ctx) throws Exception {
        String e = ctx.queryParam("e") == null ? "" : ctx.queryParam("e").trim();
        EntityType type = Console.entityType(e);
        int hours = hours(ctx.queryParam("hours"));
        long now = System.currentTimeMillis();
        long from = now - hours * 3_600_000L;
        long base = from - BASELINE_MS;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("e", e);
        p.put("from", from);
        p.put("from_s", from / 1000);
        p.put("base", base);
        p.put("base_s", base / 1000);
        p.put("v", e.substring(e.indexOf(':') + 1));

        ObjectNode out = JSON.createObjectNode().put("entity", e).put("type", type.name()).put("hours", hours)
                .put("from", from).put("to", now).put("baselineFrom", base);
        out.set("scores", scores(p));
        out.set("decisions", decisions(p));
        out.set("anomalies", anomalies(p));
        out.set("behaviour", behaviour(type, p));
        ctx.json(out);
    }

    static int hours(String raw) {
        if (raw == null || raw.isBlank()) {
            return 24;
        }
        try {
            int h = Integer.parseInt(raw.trim());
            if (h >= 1 && h <= MAX_HOURS) {
                return h;
            }
        } catch (NumberFormatException ignored) {
            // the message below
        }
        throw new Console.ApiError(400, "hours must be a whole number from 1 to " + MAX_HOURS + "; got '" + raw + "'");
    }

    private ArrayNode scores(Map<String, Object> p) throws Exception {
        // newest 2000 in the window, oldest first; the last score before the window starts the line
        List<JsonNode> rows = rows("SELECT event_time_ms, score, toString(level) AS level,"
                + " contributions.detector AS detectors FROM " + db() + ".risk_scores FINAL"
                + " WHERE entity = {e:String} AND event_time >= toDateTime({from_s:UInt64})"
                + " AND event_time_ms >= {from:UInt64} ORDER BY event_time_ms DESC LIMIT 2000", p);
        List<JsonNode> before = rows("SELECT event_time_ms, score, toString(level) AS level,"
                + " contributions.detector AS detectors FROM " + db() + ".risk_scores FINAL"
                + " WHERE entity = {e:String} AND event_time >= toDateTime({base_s:UInt64})"
                + " AND event_time_ms < {from:UInt64} ORDER BY event_time_ms DESC LIMIT 1", p);
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode r : before) {
            out.add(score(r).put("beforeWindow", true));
        }
        for (int i = rows.size() - 1; i >= 0; i--) {
            out.add(score(rows.get(i)));
        }
        return out;
    }

    private static ObjectNode score(JsonNode r) {
        ObjectNode s = JSON.createObjectNode().put("time", r.path("event_time_ms").asLong())
                .put("score", r.path("score").asDouble()).put("level", r.path("level").asText());
        s.set("detectors", r.path("detectors"));
        return s;
    }

    private ArrayNode decisions(Map<String, Object> p) throws Exception {
        List<JsonNode> rows = rows("SELECT decision_id, issued_at_ms, expires_at_ms, event_time_ms,"
                + " toString(action) AS action, toString(mode) AS mode, issuer, issued_by, policy_version, rule_id,"
                + " risk_score, risk_level, summary, supersedes, reasons.detector AS r_detector,"
                + " reasons.contribution AS r_contribution, reasons.anomaly_id AS r_anomaly,"
                + " reasons.explanation AS r_explanation, reasons.evidence_event_ids AS r_evidence"
                + " FROM " + db() + ".decisions FINAL WHERE entity = {e:String} AND issued_at_ms >= {from:UInt64}"
                + " ORDER BY issued_at_ms DESC, decision_id LIMIT 500", p);
        Map<String, ArrayNode> applied = new LinkedHashMap<>();
        for (JsonNode a : rows("SELECT decision_id, gateway_id, outcome, applied_at_ms, received_at_ms,"
                + " sessions_revoked, detail FROM " + db() + ".decision_acks FINAL WHERE decision_id IN"
                + " (SELECT decision_id FROM " + db() + ".decisions WHERE entity = {e:String}"
                + " AND issued_at_ms >= {from:UInt64}) ORDER BY applied_at_ms, gateway_id LIMIT 5000", p)) {
            applied.computeIfAbsent(a.path("decision_id").asText(), k -> JSON.createArrayNode())
                    .add(JSON.createObjectNode().put("gatewayId", a.path("gateway_id").asText())
                            .put("outcome", a.path("outcome").asText())
                            .put("appliedAt", a.path("applied_at_ms").asLong())
                            .put("receivedAt", a.path("received_at_ms").asLong())
                            .put("sessionsRevoked", a.path("sessions_revoked").asLong())
                            .put("detail", a.path("detail").asText()));
        }
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode r : rows) {
            String id = r.path("decision_id").asText();
            ObjectNode d = JSON.createObjectNode().put("id", id).put("issuedAt", r.path("issued_at_ms").asLong())
                    .put("expiresAt", r.path("expires_at_ms").asLong())
                    .put("eventTime", r.path("event_time_ms").asLong())
                    .put("action", r.path("action").asText()).put("mode", r.path("mode").asText())
                    .put("issuer", r.path("issuer").asText()).put("issuedBy", r.path("issued_by").asText())
                    .put("policyVersion", r.path("policy_version").asText()).put("rule", r.path("rule_id").asText())
                    .put("riskLevel", r.path("risk_level").asText()).put("summary", r.path("summary").asText())
                    .put("supersedes", r.path("supersedes").asText());
            if (r.path("risk_score").isNull() || r.path("risk_score").isMissingNode()) {
                d.putNull("riskScore");
            } else {
                d.put("riskScore", r.path("risk_score").asDouble());
            }
            ArrayNode reasons = d.putArray("reasons");
            for (int i = 0; i < r.path("r_detector").size(); i++) {
                ObjectNode reason = reasons.addObject().put("detector", r.path("r_detector").path(i).asText())
                        .put("contribution", r.path("r_contribution").path(i).asDouble())
                        .put("anomalyId", r.path("r_anomaly").path(i).asText())
                        .put("explanation", r.path("r_explanation").path(i).asText());
                reason.set("evidenceEventIds", r.path("r_evidence").path(i).isArray()
                        ? r.path("r_evidence").path(i) : JSON.createArrayNode());
            }
            d.set("applied", applied.getOrDefault(id, JSON.createArrayNode()));
            out.add(d);
        }
        return out;
    }

    private ArrayNode anomalies(Map<String, Object> p) throws Exception {
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode r : rows("SELECT anomaly_id, detector, toString(severity) AS severity, score, event_time_ms,"
                + " detected_at_ms, window_start_ms, window_end_ms, explanation, observed, baseline,"
                + " evidence_event_ids, attr_keys, attr_values FROM " + db() + ".anomalies FINAL"
                + " WHERE entity = {e:String} AND event_time >= toDateTime({from_s:UInt64})"
                + " AND event_time_ms >= {from:UInt64} ORDER BY event_time_ms DESC, anomaly_id LIMIT 500", p)) {
            ObjectNode a = out.addObject().put("id", r.path("anomaly_id").asText())
                    .put("detector", r.path("detector").asText()).put("severity", r.path("severity").asText())
                    .put("score", r.path("score").asDouble()).put("eventTime", r.path("event_time_ms").asLong())
                    .put("detectedAt", r.path("detected_at_ms").asLong())
                    .put("windowStart", r.path("window_start_ms").asLong())
                    .put("windowEnd", r.path("window_end_ms").asLong())
                    .put("explanation", r.path("explanation").asText());
            for (String f : new String[] {"observed", "baseline"}) {
                if (r.path(f).isNumber()) {
                    a.put(f, r.path(f).asDouble());
                } else {
                    a.putNull(f);
                }
            }
            a.set("evidenceEventIds", r.path("evidence_event_ids"));
            ObjectNode attrs = a.putObject("attributes");
            for (int i = 0; i < r.path("attr_keys").size(); i++) {
                attrs.put(r.path("attr_keys").path(i).asText(), r.path("attr_values").path(i).asText());
            }
        }
        return out;
    }

    /** The {@code conn_events} column that holds an entity of this type. */
    static String column(EntityType type) {
        return switch (type) {
            case USER -> "user";
            case DEVICE -> "device_id";
            case IP -> "src_ip";
            case SERVICE -> "dst_service";
            default -> throw new Console.ApiError(400, "no events are kept per " + type);
        };
    }

    private ObjectNode behaviour(EntityType type, Map<String, Object> p) throws Exception {
        // one pass over the entity's events of the baseline and the window: each event counts once per dimension
        List<JsonNode> rows = rows("SELECT dim, value, sum(in_usual) AS usual, sum(in_recent) AS recent FROM ("
                + " SELECT tupleElement(d, 1) AS dim, tupleElement(d, 2) AS value,"
                + " event_time_ms < {from:UInt64} AS in_usual, event_time_ms >= {from:UInt64} AS in_recent FROM ("
                + " SELECT event_time_ms, arrayJoin([('country', src_country), ('device', device_id),"
                + " ('service', dst_service), ('user', user), ('hour', toString(toHour(event_time)))]) AS d"
                + " FROM " + db() + ".conn_events FINAL WHERE " + column(type) + " = {v:String}"
                + " AND event_time >= toDateTime({base_s:UInt64}) AND event_time_ms >= {base:UInt64}))"
                + " WHERE value != '' GROUP BY dim, value ORDER BY dim, usual + recent DESC, value", p);
        ObjectNode out = JSON.createObjectNode();
        Map<String, ArrayNode> dims = new LinkedHashMap<>();
        for (String d : DIMENSIONS) {
            dims.put(d, JSON.createArrayNode());
        }
        long usualEvents = 0;
        long recentEvents = 0;
        for (JsonNode r : rows) {
            String dim = r.path("dim").asText();
            long usual = r.path("usual").asLong();
            long recent = r.path("recent").asLong();
            if (dim.equals("hour")) {
                usualEvents += usual;
                recentEvents += recent;
            }
            ArrayNode list = dims.get(dim);
            if (list != null && (dim.equals("hour") || list.size() < 20)) {
                list.addObject().put("value", r.path("value").asText()).put("usual", usual).put("recent", recent)
                        .put("new", usual == 0 && recent > 0);
            }
        }
        out.put("usualEvents", usualEvents).put("recentEvents", recentEvents);
        ObjectNode d = out.putObject("dimensions");
        dims.forEach(d::set);
        return out;
    }

    // ---- GET /api/events

    private void events(Context ctx) throws Exception {
        String raw = ctx.queryParam("ids");
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        for (String id : (raw == null ? "" : raw).split(",")) {
            if (!id.isBlank()) {
                if (id.length() > 200) {
                    throw new Console.ApiError(400, "an event id is at most 200 characters");
                }
                ids.add(id.trim());
            }
        }
        if (ids.isEmpty() || ids.size() > MAX_IDS) {
            throw new Console.ApiError(400, "ids must list from 1 to " + MAX_IDS + " event ids, comma-separated");
        }
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode r : rows("SELECT event_id, event_time_ms, gateway_id, connection_id, toString(phase) AS phase,"
                + " user, device_id, auth_method, auth_outcome, auth_failure_reason, src_ip, src_port, src_country,"
                + " dst_service, dst_host, dst_ip, dst_port, protocol, http_method, http_path, http_status,"
                + " user_agent, bytes_in, bytes_out, duration_ms, request_count, close_reason, reject_reason,"
                + " decision_id, decision_action, decision_mode FROM " + db() + ".conn_events FINAL"
                + " WHERE has({ids:Array(String)}, event_id) ORDER BY event_time_ms, event_id LIMIT " + MAX_IDS,
                Map.of("ids", List.copyOf(ids)))) {
            ObjectNode row = out.addObject();
            r.fields().forEachRemaining(f -> {
                // 18.16 quotes 64-bit integers in JSON; give numbers as numbers
                if (f.getKey().endsWith("_ms") || f.getKey().startsWith("bytes_")) {
                    row.put(f.getKey(), f.getValue().asLong());
                } else {
                    row.set(f.getKey(), f.getValue());
                }
            });
        }
        ctx.json(out);
    }

    // ---- GET /api/entities

    private void entities(Context ctx) throws Exception {
        String prefix = ctx.queryParam("prefix") == null ? "" : ctx.queryParam("prefix").trim();
        if (prefix.isEmpty() || prefix.length() > 256) {
            throw new Console.ApiError(400, "prefix must be 1 to 256 characters, such as user:al");
        }
        Map<String, Object> p = Map.of("p", prefix);
        StringBuilder sql = new StringBuilder("SELECT entity FROM (");
        String[] tables = {"risk_scores", "anomalies", "decisions"};
        for (int i = 0; i < tables.length; i++) {
            sql.append(i == 0 ? "" : " UNION ALL ").append("SELECT DISTINCT entity FROM ").append(db()).append('.')
                    .append(tables[i]).append(" WHERE entity >= {p:String} AND startsWith(entity, {p:String})");
        }
        sql.append(") GROUP BY entity ORDER BY entity LIMIT 20");
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode r : rows(sql.toString(), p)) {
            out.add(r.path("entity").asText());
        }
        ctx.json(out);
    }

    // ---- queries

    private List<JsonNode> rows(String sql, Map<String, Object> params) throws Exception {
        String body;
        try {
            // 18.16 answers in its default format whatever the setting says: the format is in the text too
            body = console.clickhouseQueries().query(sql + " FORMAT JSONEachRow", params, ClickHouseFormat.JSONEachRow,
                    EntityApi::literal);
        } catch (Console.ApiError e) {
            throw e;
        } catch (Exception e) {
            throw new Console.ApiError(503, "ClickHouse did not answer the query: " + e.getMessage());
        }
        List<JsonNode> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    /**
     * The query with its {@code {name:Type}} placeholders bound on the client, for servers without query parameters:
     * a string becomes {@code unhex('...')} of its UTF-8 bytes, a list of strings an array of those, a number its
     * decimal digits. No character of a value reaches the SQL text.
     */
    static String bind(String sql, Map<String, Object> params) {
        return ClickHouseParams.bind(sql, params, EntityApi::literal);
    }

    private static String literal(Object v, String type) {
        if (v instanceof Long || v instanceof Integer) {
            return v.toString();
        }
        if (v instanceof String s) {
            return "unhex('" + HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8)) + "')";
        }
        if (v instanceof List<?> list) {
            if (list.isEmpty()) {
                return "emptyArrayString()";
            }
            List<String> items = new ArrayList<>();
            for (Object o : list) {
                items.add(literal(String.valueOf(o), "String"));
            }
            return "[" + String.join(", ", items) + "]";
        }
        throw new IllegalArgumentException("cannot bind a " + (v == null ? "null" : v.getClass().getSimpleName())
                + " as " + type);
    }
}
