package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.clickhouse.Migrations;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policy management against the real broker, registry and ClickHouse: who may change the policy, validation that
 * names the field, a change published to {@code policy.rules} as the next version and audited with before and after,
 * rollback, the rules read back from the topic by a console started later, and would-have-fired counts over rows
 * seeded in a fresh analytics database.
 */
@ExtendWith(PlatformExtension.class)
class PolicyApiITCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    static TestPlatform platform;
    static Console console;
    static Map<String, String> settings;
    static String db;
    /** This run's suffix for the rules it adds: the topic may outlive the run (a platform from ./pipeline up). */
    static String run;

    record Browser(String base, String cookie, String csrf) {
    }

    @BeforeAll
    static void start(TestPlatform p) throws Exception {
        platform = p;
        Path users = dir.resolve("users.json");
        Users u = Users.load(users);
        u.put("ada", Role.ADMIN, "admin password 123".toCharArray());
        u.put("vic", Role.VIEWER, "viewer password 123".toCharArray());
        run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        db = "policy_it_" + run;
        try (Client ch = p.clickhouse()) {
            Migrations.apply(ch, db);
            seed(ch);
        }
        settings = Map.of("console.port", "0", "console.users.file", users.toString(), "console.audit.file",
                dir.resolve("audit.jsonl").toString(), "kafka.bootstrap", p.kafkaBootstrap(), "registry.url",
                p.registryUrl(), "clickhouse.url", p.clickhouseUrl(), "clickhouse.database", db);
        console = Console.start(ConsoleSettings.of(settings));
    }

    @AfterAll
    static void stop() throws Exception {
        console.close();
    }

    /**
     * Scores: user:a at 70 and 80 in the last hour, user:b at 65 five hours ago, user:c at 40 in the last hour with
     * 30 brute_force points, ip:198.51.100.7 at 90 in the last hour, user:d at 95 thirty hours ago, user:e at 61
     * with half a brute_force point (less than the one point a DETECTOR rule needs). One shadow decision of rule
     * it-shadow in the last hour.
     */
    static void seed(Client ch) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        StringBuilder v = new StringBuilder();
        Object[][] rows = {
            {"user:a", "USER", 70.0, "HIGH", now - 600, "", 0.0},
            {"user:a", "USER", 80.0, "CRITICAL", now - 1200, "", 0.0},
            {"user:b", "USER", 65.0, "HIGH", now - 5 * 3600, "", 0.0},
            {"user:c", "USER", 40.0, "MEDIUM", now - 600, "brute_force", 30.0},
            {"ip:198.51.100.7", "IP", 90.0, "CRITICAL", now - 600, "", 0.0},
            {"user:d", "USER", 95.0, "CRITICAL", now - 30 * 3600, "", 0.0},
            {"user:e", "USER", 61.0, "HIGH", now - 900, "brute_force", 0.5},
        };
        int i = 0;
        for (Object[] r : rows) {
            long t = (Long) r[4];
            String det = (String) r[5];
            v.append(i > 0 ? "," : "").append(String.format(java.util.Locale.ROOT,
                    "('%s','%s',%s,'%s',%d,%d,%d,'trig-%d',1800000,%s,%s,%s,%s)", r[0], r[1], r[2], r[3], t,
                    t * 1000, t * 1000, i, det.isEmpty() ? "[]" : "['" + det + "']",
                    det.isEmpty() ? "[]" : "[" + r[6] + "]", det.isEmpty() ? "[]" : "['an-" + i + "']",
                    det.isEmpty() ? "[]" : "['x']"));
            i++;
        }
        run(ch, "INSERT INTO " + db + ".risk_scores (entity, entity_type, score, level, event_time, event_time_ms,"
                + " computed_at_ms, trigger_event_id, half_life_ms, contributions.detector, contributions.points,"
                + " contributions.anomaly_id, contributions.explanation) VALUES " + v);
        run(ch, "INSERT INTO " + db + ".decisions (decision_id, entity, entity_type, action, mode, issued_at,"
                + " issued_at_ms, expires_at_ms, event_time, event_time_ms, issuer, issued_by, policy_version,"
                + " rule_id, summary) VALUES ('dec-s1','user:a','USER','STEP_UP','SHADOW'," + (now - 600) + ","
                + (now - 600) * 1000 + "," + (now + 300) * 1000 + "," + (now - 600) + "," + (now - 600) * 1000
                + ",'ENGINE','risk-engine','v1-x','it-shadow-" + run + "','shadow')");
    }

    private static void run(Client ch, String sql) throws Exception {
        try (QueryResponse r = ch.query(sql).get(30, TimeUnit.SECONDS)) {
            r.getInputStream().readAllBytes();
        }
    }

    static HttpResponse<String> send(Browser b, String method, String path, Object body, boolean csrf)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(b.base() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()))
                .header("Content-Type", "application/json").header("Cookie", Console.COOKIE + "=" + b.cookie());
        if (csrf) {
            r.header(Console.CSRF_HEADER, b.csrf());
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Browser signIn(Console c, String user, String password) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(c.url() + "/api/session"))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("username", user)
                        .put("password", password).toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return new Browser(c.url(), setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';')),
                JSON.readTree(r.body()).path("csrf").asText());
    }

    static JsonNode rule(JsonNode policy, String id) {
        for (JsonNode r : policy.path("rules")) {
            if (r.path("ruleId").asText().equals(id)) {
                return r;
            }
        }
        return null;
    }

    static PolicyRule published(String id, long version) {
        return published(id, version, false);
    }

    /** The rule at {@code version} on the topic; with {@code orDefault}, a default rule never published too. */
    static PolicyRule published(String id, long version, boolean orDefault) {
        if (orDefault) {
            for (PolicyRule d : PolicyRules.defaults()) {
                if (d.getRuleId().equals(id) && d.getVersion() == version) {
                    return d;
                }
            }
        }
        List<ConsumerRecord<String, PolicyRule>> got = platform.consume(Topics.POLICY_RULES, 1,
                Duration.ofSeconds(20), rec -> rec.key().equals(id) && rec.value() != null
                        && rec.value().getVersion() == version);
        assertThat(got).as("rule %s version %s on %s", id, version, Topics.POLICY_RULES.name()).hasSize(1);
        return got.get(0).value();
    }

    @Test
    void aViewerSeesThePolicyButIsRefusedChangesAndAChangeNeedsTheCsrfToken() throws Exception {
        Browser viewer = signIn(console, "vic", "viewer password 123");
        Browser admin = signIn(console, "ada", "admin password 123");
        HttpResponse<String> list = send(viewer, "GET", "/api/policy", null, false);
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        JsonNode critical = rule(JSON.readTree(list.body()), "critical-block");
        long version = critical.path("version").asLong();
        assertThat(critical.path("kind").asText()).isEqualTo("THRESHOLD");
        assertThat(critical.path("minLevel").asText()).isEqualTo("CRITICAL");
        assertThat(critical.path("action").asText()).isEqualTo("BLOCK");
        assertThat(critical.path("ttlMinutes").asDouble()).isEqualTo(30);
        assertThat(JSON.readTree(list.body()).path("policyVersion").asText()).matches("v\\d+-[0-9a-f]{8}");
        String change = "{\"ruleId\":\"critical-block\",\"minScore\":90}";
        HttpResponse<String> asViewer = send(viewer, "POST", "/api/policy/rules", change, true);
        assertThat(asViewer.statusCode()).isEqualTo(403);
        assertThat(asViewer.body()).contains("needs the admin role");
        for (String path : List.of("/api/policy/rules/critical-block/mode", "/api/policy/rules/critical-block/rollback")) {
            assertThat(send(viewer, "POST", path, "{\"mode\":\"SHADOW\",\"toVersion\":1}", true).statusCode())
                    .as(path).isEqualTo(403);
        }
        HttpResponse<String> noToken = send(admin, "POST", "/api/policy/rules", change, false);
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(noToken.body()).contains("CSRF");
        assertThat(rule(JSON.readTree(send(viewer, "GET", "/api/policy", null, false).body()), "critical-block")
                .path("version").asLong()).as("nothing changed").isEqualTo(version);
    }

    @Test
    void aBadFieldIsRefusedNamingIt() throws Exception {
        Browser admin = signIn(console, "ada", "admin password 123");
        Map<String, String> cases = Map.of(
                "{\"ruleId\":\"critical-block\",\"minScore\":150}", "minScore must be from 0 to 100",
                "{\"ruleId\":\"critical-block\",\"ttlMinutes\":0}", "ttlMinutes must be a whole number from 1",
                "{\"ruleId\":\"critical-block\",\"action\":\"NUKE\"}", "action must be one of",
                "{\"ruleId\":\"critical-block\",\"thresholdz\":1}", "unknown field 'thresholdz'",
                "{\"ruleId\":\"x1\",\"kind\":\"THRESHOLD\",\"action\":\"BLOCK\"}", "minScore or minLevel is required",
                "{\"ruleId\":\"x2\",\"kind\":\"DETECTOR\",\"detectors\":[\"x') OR 1=1 --\"],\"action\":\"BLOCK\"}",
                "detectors must be detector names",
                "{\"ruleId\":\"x3\",\"kind\":\"OVERRIDE\",\"entities\":[\"ip:10.0.0.0/99\"],\"action\":\"BLOCK\"}",
                "entities: bad address range",
                "{\"ruleId\":\"Bad Id\",\"minScore\":10,\"action\":\"BLOCK\"}", "ruleId must be",
                "{\"ruleId\":\"x4\",\"minScore\":10,\"action\":\"THROTTLE\"}", "throttleRatePerSecond is required",
                "{\"ruleId\":\"critical-block\",\"entityTypes\":[\"PRINTER\"]}", "entityTypes must be one of");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = send(admin, "POST", "/api/policy/rules", c.getKey(), true);
            assertThat(r.statusCode()).as(c.getKey() + " → " + r.body()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).path("error").asText()).as(c.getKey()).contains(c.getValue());
        }
        assertThat(send(admin, "POST", "/api/policy/rules/critical-block/mode", "{\"mode\":\"LOUD\"}", true)
                .body()).contains("mode must be SHADOW or ENFORCE");
        assertThat(send(admin, "GET", "/api/policy/rules/critical-block/would-fire?hours=7", null, false)
                .body()).contains("hours must be 1 or 24");
    }

    @Test
    void aThresholdChangeIsPublishedAsTheNextVersionAndAuditedWithBeforeAndAfter() throws Exception {
        Browser admin = signIn(console, "ada", "admin password 123");
        JsonNode policy = JSON.readTree(send(admin, "GET", "/api/policy", null, false).body());
        String before = policy.path("policyVersion").asText();
        long v0 = rule(policy, "high-step-up").path("version").asLong();
        String min0 = rule(policy, "high-step-up").path("minScore").toString();
        HttpResponse<String> r = send(admin, "POST", "/api/policy/rules",
                "{\"ruleId\":\"high-step-up\",\"minScore\":60,\"expectedVersion\":" + v0 + "}", true);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.path("rule").path("version").asLong()).isEqualTo(v0 + 1);
        assertThat(answer.path("policyVersion").asText()).isNotEqualTo(before);
        PolicyRule p = published("high-step-up", v0 + 1);
        assertThat(p.getMinScore()).isEqualTo(60.0);
        assertThat(p.getMinLevel()).as("the fields not sent are kept").isEqualTo(RiskLevel.HIGH);
        assertThat(p.getTtlMs()).isEqualTo(15 * 60_000L);
        assertThat(p.getUpdatedBy().toString()).isEqualTo("ada via console");
        JsonNode audit = Files.readAllLines(dir.resolve("audit.jsonl"), StandardCharsets.UTF_8).stream()
                .map(PolicyApiITCase::tree).filter(a -> a.path("action").asText().equals("policy.edit")
                        && a.path("target").asText().equals("high-step-up")).findFirst().orElseThrow();
        assertThat(audit.path("user").asText()).isEqualTo("ada");
        assertThat(audit.path("at").asLong()).isPositive();
        assertThat(audit.path("before").path("version").asLong()).isEqualTo(v0);
        assertThat(audit.path("before").path("minScore").toString()).isEqualTo(min0); // null on a fresh platform
        assertThat(audit.path("after").path("version").asLong()).isEqualTo(v0 + 1);
        assertThat(audit.path("after").path("minScore").asDouble()).isEqualTo(60);
        JsonNode now = rule(JSON.readTree(send(admin, "GET", "/api/policy", null, false).body()), "high-step-up");
        assertThat(now.path("version").asLong()).isEqualTo(v0 + 1);
        assertThat(now.path("updatedBy").asText()).isEqualTo("ada via console");
        HttpResponse<String> stale = send(admin, "POST", "/api/policy/rules",
                "{\"ruleId\":\"high-step-up\",\"minScore\":70,\"expectedVersion\":" + v0 + "}", true);
        assertThat(stale.statusCode()).as("an edit of an older version").isEqualTo(409);
        HttpResponse<String> added = send(admin, "POST", "/api/policy/rules", "{\"ruleId\":\"it-new-" + run + "\","
                + "\"kind\":\"OVERRIDE\",\"entities\":[\"user:svc-*\"],\"action\":\"STEP_UP\",\"ttlMinutes\":5}", true);
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        assertThat(published("it-new-" + run, 1).getEntities()).hasSize(1);
    }

    @Test
    void shadowModeThenARollbackRepublishesTheOldContentAtAHigherVersionAndALaterConsoleReadsIt()
            throws Exception {
        Browser admin = signIn(console, "ada", "admin password 123");
        String id = "travel-step-up";
        long v = rule(JSON.readTree(send(admin, "GET", "/api/policy", null, false).body()), id).path("version")
                .asLong();
        PolicyRule v0 = published(id, v, true);
        HttpResponse<String> shadow = send(admin, "POST", "/api/policy/rules/" + id + "/mode", "{\"mode\":\"SHADOW\"}",
                true);
        assertThat(shadow.statusCode()).as(shadow.body()).isEqualTo(200);
        assertThat(published(id, v + 1).getMode()).isEqualTo(DecisionMode.SHADOW);
        assertThat(send(admin, "POST", "/api/policy/rules", "{\"ruleId\":\"" + id + "\",\"ttlMinutes\":45}", true)
                .statusCode()).isEqualTo(200);
        assertThat(published(id, v + 2).getTtlMs()).isEqualTo(45 * 60_000L);
        HttpResponse<String> back = send(admin, "POST", "/api/policy/rules/" + id + "/rollback", "{\"toVersion\":"
                + v + "}", true);
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        PolicyRule back3 = published(id, v + 3);
        assertThat(back3.getMode()).isEqualTo(v0.getMode()).isEqualTo(DecisionMode.ENFORCE);
        assertThat(back3.getTtlMs()).isEqualTo(v0.getTtlMs()).isEqualTo(30 * 60_000L);
        assertThat(back3.getDetectors().toString()).contains("impossible_travel");
        assertThat(back3.getUpdatedBy().toString()).isEqualTo("ada via console");
        assertThat(send(admin, "POST", "/api/policy/rules/" + id + "/rollback", "{\"toVersion\":" + (v + 9) + "}",
                true).body()).contains("toVersion " + (v + 9) + " is not a version");
        JsonNode history = JSON.readTree(send(admin, "GET", "/api/policy/history/" + id, null, false).body());
        List<Long> versions = new java.util.ArrayList<>();
        history.path("versions").forEach(x -> versions.add(x.path("version").asLong()));
        assertThat(versions).startsWith(v + 3, v + 2, v + 1, v);
        List<String> actions = new java.util.ArrayList<>();
        history.path("changes").forEach(c -> actions.add(c.path("action").asText()));
        assertThat(actions).containsExactly("policy.rollback", "policy.edit", "policy.mode");
        assertThat(history.path("changes").get(0).path("before").path("version").asLong()).isEqualTo(v + 2);
        // a console started now learns the rules from the compacted topic, over the defaults
        try (Console later = Console.start(ConsoleSettings.of(settings))) {
            Browser vic = signIn(later, "vic", "viewer password 123");
            JsonNode policy = JSON.readTree(send(vic, "GET", "/api/policy", null, false).body());
            assertThat(rule(policy, id).path("version").asLong()).isEqualTo(v + 3);
            assertThat(rule(policy, id).path("source").asText()).isEqualTo("published");
            assertThat(rule(policy, "critical-block").path("source").asText()).isEqualTo("default");
            JsonNode viewerHistory = JSON.readTree(send(vic, "GET", "/api/policy/history/" + id, null, false).body());
            assertThat(viewerHistory.path("versions")).hasSizeGreaterThanOrEqualTo(4);
            assertThat(viewerHistory.path("changes")).as("the audit is for analysts and admins").isEmpty();
        }
    }

    @Test
    void wouldHaveFiredCountsMatchTheSeededScores() throws Exception {
        Browser admin = signIn(console, "ada", "admin password 123");
        HttpResponse<String> add = send(admin, "POST", "/api/policy/rules", "{\"ruleId\":\"it-shadow-" + run + "\",\"kind\":"
                + "\"THRESHOLD\",\"minScore\":60,\"entityTypes\":[\"USER\"],\"action\":\"STEP_UP\",\"mode\":\"SHADOW\","
                + "\"ttlMinutes\":10}", true);
        assertThat(add.statusCode()).as(add.body()).isEqualTo(201);
        Browser viewer = signIn(console, "vic", "viewer password 123");
        JsonNode hour = JSON.readTree(send(viewer, "GET", "/api/policy/rules/it-shadow-" + run + "/would-fire?hours=1", null, false)
                .body());
        assertThat(hour.path("entities").asLong()).as(hour.toString()).isEqualTo(2); // user:a, user:e
        assertThat(hour.path("scores").asLong()).as(hour.toString()).isEqualTo(3);
        assertThat(hour.path("shadowDecisions").asLong()).isEqualTo(1);
        JsonNode day = JSON.readTree(send(viewer, "GET", "/api/policy/rules/it-shadow-" + run + "/would-fire?hours=24", null, false)
                .body());
        assertThat(day.path("entities").asLong()).as(day.toString()).isEqualTo(3); // and user:b
        assertThat(day.path("scores").asLong()).isEqualTo(4);
        JsonNode brute = JSON.readTree(send(viewer, "GET", "/api/policy/rules/brute-force-user/would-fire?hours=1",
                null, false).body());
        assertThat(brute.path("entities").asLong()).as("user:c; user:e's half point is not enough")
                .isEqualTo(1);
        JsonNode critical = JSON.readTree(send(viewer, "GET", "/api/policy/rules/critical-block/would-fire?hours=24",
                null, false).body());
        assertThat(critical.path("entities").asLong()).as("user:a and the address (user:d is older)").isEqualTo(2);
        assertThat(send(admin, "POST", "/api/policy/rules", "{\"ruleId\":\"it-override-" + run + "\",\"kind\":\"OVERRIDE\","
                + "\"entities\":[\"ip:198.51.100.0/24\",\"user:b\"],\"action\":\"BLOCK\"}", true).statusCode())
                .isEqualTo(201);
        JsonNode override = JSON.readTree(send(viewer, "GET", "/api/policy/rules/it-override-" + run + "/would-fire?hours=24",
                null, false).body());
        assertThat(override.path("entities").asLong()).as(override.toString()).isEqualTo(2);
    }

    @Test
    void parametersBoundOnTheClientAreTypedLiterals() {
        String sql = WouldFire.bind("SELECT {s:String}, {a:Array(String)}, {e:Array(String)}, {n:Float64}",
                Map.of("s", "x') OR 1=1 --\\", "a", List.of("a'b"), "e", List.of(), "n", 1.5));
        assertThat(sql).isEqualTo("SELECT 'x\\') OR 1=1 --\\\\', ['a\\'b'], emptyArrayString(), toFloat64(1.5)");
    }

    private static JsonNode tree(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
