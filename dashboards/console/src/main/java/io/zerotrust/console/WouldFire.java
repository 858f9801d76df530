package io.zerotrust.console;

import com.clickhouse.data.ClickHouseFormat;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.schemas.policy.EntityPattern;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How often a rule would have fired over the last hours, from the analytics tables: the risk score updates its
 * conditions match ({@code risk_scores}: level, score, entity types, detectors holding a point) and the entities
 * they concern, and, for the rule's id, the shadow decisions the engine actually issued ({@code decisions}).
 *
 * <p>The SQL text is constant; every value comes in as a typed query parameter ({@code {name:Type}}). ClickHouse
 * learned query parameters after 18.16 (the platform's server answers {@code Unknown setting param_x}), so when a
 * probe finds the server without them, the same parameters are bound on the client as typed, escaped literals —
 * numbers the console formats, lists of texts quoted — never as text pasted from a request. Entity patterns of
 * OVERRIDE and ALLOW_LIST rules are matched in Java against the entities scored in the window.
 */
final class WouldFire {

    private final ClickHouseParams ch;
    private final String db;

    WouldFire(ClickHouseParams ch, String database) {
        this.ch = ch;
        this.db = database; // a checked setting: letters, digits and '_' only (ConsoleSettings)
    }

    /** The counts for {@code rule} over the last {@code hours}. */
    Map<String, Object> count(PolicyRule r, int hours) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("seconds", (long) hours * 3600);
        p.put("types", r.getEntityTypes().stream().map(Enum::name).toList());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ruleId", r.getRuleId());
        out.put("version", r.getVersion());
        out.put("hours", hours);
        long entities;
        long scores;
        switch (r.getKind()) {
            case THRESHOLD, DETECTOR -> {
                List<String> levels = new ArrayList<>();
                for (RiskLevel l : RiskLevel.values()) {
                    if (r.getMinLevel() == null || l.ordinal() >= r.getMinLevel().ordinal()) {
                        levels.add(l.name());
                    }
                }
                p.put("levels", levels);
                p.put("minScore", r.getMinScore() == null ? -1.0 : r.getMinScore());
                p.put("detectors", r.getDetectors().stream().map(CharSequence::toString).toList());
                p.put("isDetector", r.getKind() == io.zerotrust.avro.RuleKind.DETECTOR ? 1L : 0L);
                String sql = "SELECT uniqExact(entity), uniqExact(entity, event_time_ms, trigger_event_id) FROM "
                        + db + ".risk_scores WHERE event_time >= now() - {seconds:UInt32}"
                        + " AND (empty({types:Array(String)}) OR has({types:Array(String)}, entity_type))"
                        + " AND (({isDetector:UInt8} = 0 AND has({levels:Array(String)}, toString(level))"
                        + " AND score >= {minScore:Float64})"
                        + " OR ({isDetector:UInt8} = 1 AND arrayExists((d, x) -> has({detectors:Array(String)}, d)"
                        + " AND x >= 1, contributions.detector, contributions.points)))";
                String[] row = query(sql, p).get(0).split("\t");
                entities = Long.parseLong(row[0]);
                scores = Long.parseLong(row[1]);
            }
            default -> { // OVERRIDE, ALLOW_LIST: the listed entities among those scored in the window
                List<EntityPattern> patterns = new ArrayList<>();
                for (CharSequence e : r.getEntities()) {
                    try {
                        patterns.add(EntityPattern.parse(e.toString()));
                    } catch (IllegalArgumentException ignored) {
                        // a pattern the console would not take matches nothing here
                    }
                }
                String sql = "SELECT entity, uniqExact(event_time_ms, trigger_event_id) FROM " + db
                        + ".risk_scores WHERE event_time >= now() - {seconds:UInt32}"
                        + " AND (empty({types:Array(String)}) OR has({types:Array(String)}, entity_type))"
                        + " GROUP BY entity LIMIT 1000000";
                entities = 0;
                scores = 0;
                for (String line : query(sql, p)) {
                    String[] f = line.split("\t");
                    String entity = unescape(f[0]);
                    if (patterns.stream().anyMatch(x -> x.matches(entity))) {
                        entities++;
                        scores += Long.parseLong(f[1]);
                    }
                }
            }
        }
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("seconds", (long) hours * 3600);
        q.put("ruleId", r.getRuleId());
        String[] shadow = query("SELECT uniqExact(decision_id), uniqExact(entity) FROM " + db + ".decisions"
                + " WHERE issued_at >= now() - {seconds:UInt32} AND rule_id = {ruleId:String} AND mode = 'SHADOW'"
                + " AND action != 'ALLOW'", q).get(0).split("\t");
        out.put("entities", entities);
        out.put("scores", scores);
        out.put("shadowDecisions", Long.parseLong(shadow[0]));
        out.put("shadowEntities", Long.parseLong(shadow[1]));
        return out;
    }

    private List<String> query(String sql, Map<String, Object> params) {
        String body;
        try {
            body = ch.query(sql, params, ClickHouseFormat.TabSeparated, WouldFire::literal);
        } catch (Console.ApiError e) {
            throw e;
        } catch (Exception e) {
            throw new Console.ApiError(503, "ClickHouse did not answer the would-have-fired query: "
                    + e.getMessage());
        }
        return body.isEmpty() ? List.of() : List.of(body.split("\n"));
    }

    /** Binds {@code {name:Type}} parameters as typed literals, for a server without query parameters. */
    static String bind(String sql, Map<String, Object> params) {
        return ClickHouseParams.bind(sql, params, WouldFire::literal);
    }

    static String literal(Object v, String type) {
        switch (type) {
            case "UInt8", "UInt32", "UInt64", "Int64" -> {
                long n = ((Number) v).longValue();
                return "to" + type + "(" + n + ")";
            }
            case "Float64" -> {
                double d = ((Number) v).doubleValue();
                if (!Double.isFinite(d)) {
                    throw new IllegalArgumentException("not a finite number: " + d);
                }
                return "toFloat64(" + Double.toString(d) + ")";
            }
            case "String" -> {
                return quote(v.toString());
            }
            case "Array(String)" -> {
                List<?> list = (List<?>) v;
                if (list.isEmpty()) {
                    return "emptyArrayString()";
                }
                StringBuilder b = new StringBuilder("[");
                for (Object o : list) {
                    b.append(b.length() > 1 ? "," : "").append(quote(o.toString()));
                }
                return b.append(']').toString();
            }
            default -> throw new IllegalArgumentException("unsupported query parameter type " + type);
        }
    }

    /** A ClickHouse string literal: backslashes and quotes escaped, control characters as escapes. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("\\'");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\0' -> b.append("\\0");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\x%02X", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('\'').toString();
    }

    /** A TabSeparated field as written. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
