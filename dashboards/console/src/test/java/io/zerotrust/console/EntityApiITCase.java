package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.data.ClickHouseFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zerotrust.clickhouse.Migrations;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The entity investigation API on a real ClickHouse (Debian's 18.16 here): a fresh database with the project's
 * migrations, seeded with an entity's events, scores, anomalies, decisions and gateway acks as the sink writes them,
 * then read through the console's HTTP API with a session.
 */
@ExtendWith(PlatformExtension.class)
class EntityApiITCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    static final String HOSTILE_ENTITY = "user:" + HOSTILE;
    static final String SQL_ENTITY = "user:x' OR 1=1 --";
    static final String EXPLANATION = "signed in from BR 20 min after a sign-in from NL (9,800 km)";

    @TempDir
    static Path dir;
    static Console console;
    static Client ch;
    static String db;
    static long now;

    @BeforeAll
    static void start(TestPlatform platform) throws Exception {
        db = "console_entity_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ch = platform.clickhouse();
        now = System.currentTimeMillis();
        seed(ch, db, now);
        Users u = Users.load(dir.resolve("users.json"));
        u.put("vic", Role.VIEWER, "viewer password 123".toCharArray());
        console = Console.start(ConsoleSettings.of(Map.of("console.port", "0", "console.users.file",
                dir.resolve("users.json").toString(), "console.audit.file", dir.resolve("audit.jsonl").toString(),
                "kafka.bootstrap", platform.kafkaBootstrap(), "registry.url", platform.registryUrl(),
                "clickhouse.url", platform.clickhouseUrl(), "clickhouse.database", db)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (console != null) {
            console.close();
        }
        if (ch != null) {
            sql(ch, "DROP DATABASE IF EXISTS " + db);
            ch.close();
        }
    }

    // ---- the seed, shared with ConsoleEntityBrowserITCase

    static final long MIN = 60_000;
    static final long DAY = 24 * 60 * MIN;

    /** Creates {@code database} with the migrations and fills it with alice's last 8 days and a few neighbours. */
    static void seed(Client ch, String database, long now) throws Exception {
        Migrations.apply(ch, database);
        List<String> events = new ArrayList<>();
        // alice's usual week: NL, her laptop, the portal, at 09:00 and 10:00 UTC
        for (int d = 2; d <= 6; d++) {
            long day = (now - d * DAY) / DAY * DAY;
            events.add(event("u-" + d + "-a", day + 9 * 60 * MIN, "alice", "laptop-a", "198.51.100.7", "NL",
                    "portal", "OPEN", 0));
            events.add(event("u-" + d + "-b", day + 10 * 60 * MIN, "alice", "laptop-a", "198.51.100.7", "NL",
                    "portal", "CLOSE", 20_000));
        }
        // the window: the usual, then a phone in Brazil reaching payments (the evidence)
        events.add(event("r-1", now - 40 * MIN, "alice", "laptop-a", "198.51.100.7", "NL", "portal", "OPEN", 0));
        events.add(event("ev-1", now - 30 * MIN, "alice", "laptop-a", "198.51.100.7", "NL", "portal", "OPEN", 0));
        events.add(event("ev-2", now - 10 * MIN, "alice", "phone-x", "203.0.113.9", "BR", "payments", "OPEN", 0));
        events.add(event("ev-2", now - 10 * MIN, "alice", "phone-x", "203.0.113.9", "BR", "payments", "OPEN", 0));
        events.add(event("b-1", now - 10 * MIN, "bob", "pc-b", "203.0.113.9", "BR", "mail", "OPEN", 0));
        events.add(event("h-1", now - 15 * MIN, HOSTILE, "dev-h", "192.0.2.66", "FR", "portal", "OPEN", 0));
        insert(ch, database, "conn_events", events);

        insert(ch, database, "risk_scores", List.of(
                score("user:alice", 12, now - 2 * DAY, "new_device"),
                score("user:alice", 20, now - 30 * MIN, "new_device"),
                score("user:alice", 85, now - 10 * MIN, "impossible_travel"),
                score("user:alice", 60, now - 5 * MIN, "impossible_travel"),
                score("user:alicia", 5, now - 5 * MIN, "new_device"),
                score(HOSTILE_ENTITY, 70, now - 15 * MIN, "brute_force"),
                score(SQL_ENTITY, 33, now - 15 * MIN, "brute_force")));

        insert(ch, database, "anomalies", List.of(
                anomaly("a-1", "user:alice", "impossible_travel", EXPLANATION, now - 10 * MIN, 9800.0,
                        List.of("ev-1", "ev-2")),
                anomaly("a-1", "user:alice", "impossible_travel", EXPLANATION, now - 10 * MIN, 9800.0,
                        List.of("ev-1", "ev-2")), // a replayed duplicate
                anomaly("a-old", "user:alice", "new_device", "old news", now - 3 * DAY, null, List.of()),
                anomaly("a-h", HOSTILE_ENTITY, "brute_force", HOSTILE, now - 15 * MIN, 40.0, List.of("h-1")),
                anomaly("a-sql", SQL_ENTITY, "brute_force", "metacharacters are data", now - 15 * MIN, 3.0,
                        List.of())));

        String block = decision("d-1", "user:alice", "BLOCK", "ENFORCE", "travel-block", "v7-abc", now - 9 * MIN,
                "impossible_travel", "a-1", EXPLANATION, List.of("ev-1", "ev-2"));
        insert(ch, database, "decisions", List.of(block, block,
                decision("d-2", "user:alice", "STEP_UP", "SHADOW", "new-device-stepup", "v8-def", now - 4 * MIN,
                        "new_device", "", "a phone never seen before", List.of("ev-2")),
                decision("d-old", "user:alice", "THROTTLE", "ENFORCE", "r", "v1", now - 3 * DAY, "x", "", "old",
                        List.of()),
                decision("d-b", "user:bob", "BLOCK", "ENFORCE", "r", "v7-abc", now - 9 * MIN, "x", "", "bob",
                        List.of())));
        insert(ch, database, "decision_acks", List.of(
                ack("d-1", "user:alice", "gw-1", now - 9 * MIN + 120, 2),
                ack("d-1", "user:alice", "gw-2", now - 9 * MIN + 180, 0),
                ack("d-b", "user:bob", "gw-1", now - 9 * MIN + 150, 1)));
    }

    static String event(String id, long t, String user, String device, String ip, String country, String service,
                        String phase, long bytesOut) {
        return JSON.createObjectNode().put("event_id", id).put("event_time", t / 1000).put("event_time_ms", t)
                .put("origin", "gateway").put("gateway_id", "gw-1").put("connection_id", "c-" + id)
                .put("phase", phase).put("user", user).put("device_id", device).put("auth_method", "JWT")
                .put("auth_outcome", "SUCCESS").put("src_ip", ip).put("src_port", 40_000).put("src_country", country)
                .put("dst_service", service).put("dst_host", service + ".internal").put("dst_ip", "10.1.0.1")
                .put("dst_port", 443).put("protocol", "HTTP/1.1").put("http_method", "GET")
                .put("http_path", "/" + service).put("http_status", 200).put("user_agent", "test")
                .put("bytes_in", 100).put("bytes_out", bytesOut).put("duration_ms", 5).put("request_count", 1)
                .toString();
    }

    static String score(String entity, double score, long t, String detector) {
        ObjectNode o = JSON.createObjectNode().put("entity", entity).put("entity_type", "USER").put("score", score)
                .put("level", score >= 75 ? "CRITICAL" : score >= 50 ? "HIGH" : score >= 25 ? "MEDIUM" : "LOW")
                .put("event_time", t / 1000).put("event_time_ms", t).put("computed_at_ms", t + 5)
                .put("trigger_event_id", "t-" + t).put("half_life_ms", 1_800_000);
        o.putArray("contributions.detector").add(detector);
        o.putArray("contributions.points").add(score);
        o.putArray("contributions.anomaly_id").add("");
        o.putArray("contributions.explanation").add(detector);
        return o.toString();
    }

    static String anomaly(String id, String entity, String detector, String explanation, long t, Double observed,
                          List<String> evidence) {
        ObjectNode o = JSON.createObjectNode().put("anomaly_id", id).put("detector", detector).put("entity", entity)
                .put("entity_type", "USER").put("severity", "HIGH").put("score", 60).put("event_time", t / 1000)
                .put("event_time_ms", t).put("detected_at_ms", t + 40).put("window_start_ms", t - 20 * MIN)
                .put("window_end_ms", t).put("explanation", explanation).put("observed", observed);
        o.putNull("baseline");
        evidence.forEach(o.putArray("evidence_event_ids")::add);
        o.putArray("attr_keys").add("km");
        o.putArray("attr_values").add("9800");
        return o.toString();
    }

    static String decision(String id, String entity, String action, String mode, String rule, String policy, long t,
                           String detector, String anomalyId, String explanation, List<String> evidence) {
        ObjectNode o = JSON.createObjectNode().put("decision_id", id).put("entity", entity).put("entity_type", "USER")
                .put("action", action).put("mode", mode).put("issued_at", t / 1000).put("issued_at_ms", t)
                .put("expires_at_ms", t + 15 * MIN).put("event_time", (t - 150) / 1000).put("event_time_ms", t - 150)
                .put("issuer", "ENGINE").put("issued_by", "risk-engine").put("policy_version", policy)
                .put("rule_id", rule).put("risk_score", 85.0).put("risk_level", "CRITICAL")
                .put("summary", action + " " + entity).put("supersedes", "");
        o.putNull("throttle_rate_per_second");
        o.putArray("reasons.detector").add(detector);
        o.putArray("reasons.contribution").add(60.0);
        o.putArray("reasons.anomaly_id").add(anomalyId);
        o.putArray("reasons.explanation").add(explanation);
        evidence.forEach(o.putArray("reasons.evidence_event_ids").addArray()::add);
        return o.toString();
    }

    static String ack(String decision, String entity, String gateway, long applied, int revoked) {
        return JSON.createObjectNode().put("decision_id", decision).put("entity", entity).put("action", "BLOCK")
                .put("mode", "ENFORCE").put("gateway_id", gateway).put("outcome", "APPLIED")
                .put("decision_issued_at_ms", applied - 100).put("received_at", applied / 1000)
                .put("received_at_ms", applied - 10).put("applied_at_ms", applied).put("sessions_revoked", revoked)
                .put("detail", "").toString();
    }

    static void insert(Client ch, String database, String table, List<String> rows) throws Exception {
        byte[] body = (String.join("\n", rows) + "\n").getBytes(StandardCharsets.UTF_8);
        ch.insert(database + "." + table, new ByteArrayInputStream(body), ClickHouseFormat.JSONEachRow)
                .get(30, TimeUnit.SECONDS).close();
    }

    static void sql(Client ch, String sql) throws Exception {
        try (QueryResponse r = ch.query(sql).get(30, TimeUnit.SECONDS)) {
            r.getInputStream().readAllBytes();
        }
    }

    // ---- the tests

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(console.url() + path))
                .timeout(Duration.ofSeconds(30));
        if (cookie != null) {
            b.header("Cookie", Console.COOKIE + "=" + cookie);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String signIn() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(console.url() + "/api/session"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"vic\",\"password\":"
                        + "\"viewer password 123\"}")).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static JsonNode ok(String path) throws Exception {
        HttpResponse<String> r = get(path, signIn());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static List<String> texts(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(n -> field == null ? n.asText()
                : n.path(field).asText()).toList();
    }

    @Test
    void anEntityHasItsScoresDecisionsAnomaliesAndBehaviour() throws Exception {
        JsonNode e = ok("/api/entity?e=" + q("user:alice"));
        assertThat(e.path("entity").asText()).isEqualTo("user:alice");
        assertThat(e.path("type").asText()).isEqualTo("USER");
        assertThat(e.path("hours").asInt()).isEqualTo(24);
        assertThat(e.path("to").asLong() - e.path("from").asLong()).isEqualTo(24 * 3_600_000L);
        assertThat(e.path("from").asLong() - e.path("baselineFrom").asLong()).isEqualTo(7 * DAY);

        // scores: the one before the window starts the line, then the window's, oldest first
        JsonNode scores = e.path("scores");
        assertThat(texts(scores, "score")).containsExactly("12.0", "20.0", "85.0", "60.0");
        assertThat(scores.get(0).path("beforeWindow").asBoolean()).isTrue();
        assertThat(scores.get(2).path("level").asText()).isEqualTo("CRITICAL");
        assertThat(scores.get(2).path("time").asLong()).isEqualTo(now - 10 * MIN);
        assertThat(texts(scores.get(2).path("detectors"), null)).containsExactly("impossible_travel");

        // decisions: the window's, newest first, the duplicate once, with reasons and where they were applied
        JsonNode decisions = e.path("decisions");
        assertThat(texts(decisions, "id")).containsExactly("d-2", "d-1");
        JsonNode d1 = decisions.get(1);
        assertThat(d1.path("action").asText()).isEqualTo("BLOCK");
        assertThat(d1.path("mode").asText()).isEqualTo("ENFORCE");
        assertThat(d1.path("policyVersion").asText()).isEqualTo("v7-abc");
        assertThat(d1.path("rule").asText()).isEqualTo("travel-block");
        assertThat(d1.path("issuer").asText()).isEqualTo("ENGINE");
        assertThat(d1.path("issuedAt").asLong()).isEqualTo(now - 9 * MIN);
        assertThat(d1.path("expiresAt").asLong()).isEqualTo(now + 6 * MIN);
        assertThat(d1.path("riskScore").asDouble()).isEqualTo(85.0);
        assertThat(d1.path("summary").asText()).isEqualTo("BLOCK user:alice");
        JsonNode reason = d1.path("reasons").get(0);
        assertThat(reason.path("detector").asText()).isEqualTo("impossible_travel");
        assertThat(reason.path("contribution").asDouble()).isEqualTo(60.0);
        assertThat(reason.path("anomalyId").asText()).isEqualTo("a-1");
        assertThat(reason.path("explanation").asText()).isEqualTo(EXPLANATION);
        assertThat(texts(reason.path("evidenceEventIds"), null)).containsExactly("ev-1", "ev-2");
        assertThat(texts(d1.path("applied"), "gatewayId")).containsExactly("gw-1", "gw-2");
        assertThat(d1.path("applied").get(0).path("outcome").asText()).isEqualTo("APPLIED");
        assertThat(d1.path("applied").get(0).path("appliedAt").asLong()).isEqualTo(now - 9 * MIN + 120);
        assertThat(d1.path("applied").get(0).path("sessionsRevoked").asInt()).isEqualTo(2);
        JsonNode d2 = decisions.get(0);
        assertThat(d2.path("mode").asText()).isEqualTo("SHADOW");
        assertThat(d2.path("policyVersion").asText()).isEqualTo("v8-def");
        assertThat(d2.path("applied").size()).isZero();

        // anomalies: the window's, the duplicate once, with explanation and evidence ids
        JsonNode anomalies = e.path("anomalies");
        assertThat(texts(anomalies, "id")).containsExactly("a-1");
        JsonNode a = anomalies.get(0);
        assertThat(a.path("detector").asText()).isEqualTo("impossible_travel");
        assertThat(a.path("severity").asText()).isEqualTo("HIGH");
        assertThat(a.path("score").asDouble()).isEqualTo(60.0);
        assertThat(a.path("eventTime").asLong()).isEqualTo(now - 10 * MIN);
        assertThat(a.path("explanation").asText()).isEqualTo(EXPLANATION);
        assertThat(a.path("observed").asDouble()).isEqualTo(9800.0);
        assertThat(a.path("baseline").isNull()).isTrue();
        assertThat(texts(a.path("evidenceEventIds"), null)).containsExactly("ev-1", "ev-2");
        assertThat(a.path("attributes").path("km").asText()).isEqualTo("9800");

        // behaviour: the 7 days before the window (10 events) beside the window (3 events, ev-2 once)
        JsonNode b = e.path("behaviour");
        assertThat(b.path("usualEvents").asLong()).isEqualTo(10);
        assertThat(b.path("recentEvents").asLong()).isEqualTo(3);
        JsonNode countries = b.path("dimensions").path("country");
        assertThat(texts(countries, "value")).containsExactly("NL", "BR");
        assertThat(countries.get(0).path("usual").asLong()).isEqualTo(10);
        assertThat(countries.get(0).path("recent").asLong()).isEqualTo(2);
        assertThat(countries.get(0).path("new").asBoolean()).isFalse();
        assertThat(countries.get(1).path("usual").asLong()).isZero();
        assertThat(countries.get(1).path("recent").asLong()).isEqualTo(1);
        assertThat(countries.get(1).path("new").asBoolean()).isTrue();
        assertThat(texts(b.path("dimensions").path("device"), "value")).containsExactly("laptop-a", "phone-x");
        assertThat(texts(b.path("dimensions").path("service"), "value")).containsExactly("portal", "payments");
        assertThat(texts(b.path("dimensions").path("user"), "value")).containsExactly("alice");
        JsonNode hours = b.path("dimensions").path("hour");
        assertThat(StreamSupport.stream(hours.spliterator(), false).filter(h -> h.path("value").asText().equals("9"))
                .findFirst().orElseThrow().path("usual").asLong()).isEqualTo(5);
        assertThat(StreamSupport.stream(hours.spliterator(), false).mapToLong(h -> h.path("recent").asLong()).sum())
                .isEqualTo(3);
    }

    @Test
    void otherKindsOfEntityAndTheWindowsLength() throws Exception {
        JsonNode ip = ok("/api/entity?e=" + q("ip:203.0.113.9") + "&hours=1");
        assertThat(ip.path("type").asText()).isEqualTo("IP");
        assertThat(ip.path("hours").asInt()).isEqualTo(1);
        assertThat(texts(ip.path("behaviour").path("dimensions").path("user"), "value"))
                .containsExactlyInAnyOrder("alice", "bob");
        JsonNode service = ok("/api/entity?e=" + q("service:payments"));
        assertThat(service.path("behaviour").path("recentEvents").asLong()).isEqualTo(1);
        JsonNode device = ok("/api/entity?e=" + q("device:laptop-a"));
        assertThat(device.path("behaviour").path("usualEvents").asLong()).isEqualTo(10);
        // a week of hours reaches alice's anomaly of three days ago
        JsonNode week = ok("/api/entity?e=" + q("user:alice") + "&hours=168");
        assertThat(texts(week.path("anomalies"), "id")).containsExactly("a-1", "a-old");
        assertThat(texts(week.path("decisions"), "id")).containsExactly("d-2", "d-1", "d-old");
        assertThat(week.path("behaviour").path("recentEvents").asLong()).isEqualTo(13);
    }

    @Test
    void evidenceEventsAreTheRawRows() throws Exception {
        JsonNode rows = ok("/api/events?ids=ev-1,ev-2,nope");
        assertThat(texts(rows, "event_id")).containsExactly("ev-1", "ev-2");
        JsonNode ev2 = rows.get(1);
        assertThat(ev2.path("event_time_ms").asLong()).isEqualTo(now - 10 * MIN);
        assertThat(ev2.path("event_time_ms").isNumber()).isTrue();
        assertThat(ev2.path("user").asText()).isEqualTo("alice");
        assertThat(ev2.path("device_id").asText()).isEqualTo("phone-x");
        assertThat(ev2.path("src_ip").asText()).isEqualTo("203.0.113.9");
        assertThat(ev2.path("src_country").asText()).isEqualTo("BR");
        assertThat(ev2.path("dst_service").asText()).isEqualTo("payments");
        assertThat(ev2.path("phase").asText()).isEqualTo("OPEN");
        assertThat(ev2.path("http_status").asInt()).isEqualTo(200);
        assertThat(ev2.path("bytes_in").asLong()).isEqualTo(100);
    }

    @Test
    void searchByPrefix() throws Exception {
        assertThat(texts(ok("/api/entities?prefix=" + q("user:al")), null))
                .containsExactly("user:alice", "user:alicia");
        assertThat(texts(ok("/api/entities?prefix=" + q("user:")), null))
                .containsExactly(HOSTILE_ENTITY, "user:alice", "user:alicia", "user:bob", SQL_ENTITY);
        assertThat(ok("/api/entities?prefix=" + q("user:zz")).size()).isZero();
        assertThat(ok("/api/entities?prefix=" + q("' OR 1=1 --")).size()).isZero();
    }

    @Test
    void sqlMetacharactersAreData() throws Exception {
        JsonNode e = ok("/api/entity?e=" + q(SQL_ENTITY));
        assertThat(e.path("entity").asText()).isEqualTo(SQL_ENTITY);
        assertThat(texts(e.path("anomalies"), "id")).containsExactly("a-sql");
        assertThat(texts(e.path("scores"), "score")).containsExactly("33.0");
        assertThat(e.path("decisions").size()).isZero();
        assertThat(e.path("behaviour").path("usualEvents").asLong() + e.path("behaviour").path("recentEvents")
                .asLong()).isZero();
        assertThat(ok("/api/events?ids=" + q("x' OR 1=1 --,ev-1") ).size()).isEqualTo(1);
        JsonNode hostile = ok("/api/entity?e=" + q(HOSTILE_ENTITY));
        assertThat(hostile.path("anomalies").get(0).path("explanation").asText()).isEqualTo(HOSTILE);
        assertThat(hostile.path("behaviour").path("recentEvents").asLong()).isEqualTo(1);
    }

    @Test
    void badInputIsA400AndNoSessionA401() throws Exception {
        String cookie = signIn();
        for (String path : List.of("/api/entity", "/api/entity?e=alice", "/api/entity?e=" + q("host:x"),
                "/api/entity?e=user:", "/api/entity?e=user:alice&hours=0", "/api/entity?e=user:alice&hours=721",
                "/api/entity?e=user:alice&hours=x", "/api/events", "/api/events?ids=,",
                "/api/events?ids=" + String.join(",", java.util.stream.IntStream.range(0, 51).mapToObj(i -> "e" + i)
                        .toList()), "/api/entities", "/api/entities?prefix=")) {
            HttpResponse<String> r = get(path, cookie);
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).path("error").asText()).as(path).isNotBlank();
        }
        assertThat(JSON.readTree(get("/api/entity?e=alice", cookie).body()).path("error").asText())
                .contains("user:<name>");
        for (String path : List.of("/api/entity?e=user:alice", "/api/events?ids=ev-1", "/api/entities?prefix=u")) {
            HttpResponse<String> r = get(path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(r.body()).doesNotContain("alice");
        }
    }

    @Test
    void theEntityPageIsServedAtItsOwnPathToo() throws Exception {
        HttpResponse<String> r = get("/entity/user:alice", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/html");
        assertThat(r.headers().firstValue("Content-Security-Policy")).isPresent();
        assertThat(r.body()).contains("<script src=\"/entity.js\" defer></script>");
        assertThat(get("/entity.html", null).body()).isEqualTo(r.body());
    }

    @Test
    void clientSideBindingPutsOnlyHexDigitsInTheText() {
        String sql = EntityApi.bind("SELECT 1 WHERE e = {e:String} AND t >= {t:UInt64} AND has({ids:Array(String)}, x)",
                Map.of("e", "x' OR 1=1 --", "t", 5L, "ids", List.of("a", "'")));
        assertThat(sql).isEqualTo("SELECT 1 WHERE e = unhex('7827204f5220313d31202d2d') AND t >= 5"
                + " AND has([unhex('61'), unhex('27')], x)");
    }
}
