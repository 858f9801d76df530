package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console against the real broker and registry, through its HTTP API as a browser calls it: who may do what, the
 * security of sessions and changes, manual overrides published and audited, and the live view pushing a decision
 * within 2 s of its publication.
 */
@ExtendWith(PlatformExtension.class)
class ConsoleITCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_PASSWORD = "admin password 123";
    private static final String VIEWER_PASSWORD = "viewer password 123";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    static Console console;
    static AuthPartsTest.TestClock clock;
    static String base;

    @BeforeAll
    static void start(TestPlatform platform) throws Exception {
        Path users = dir.resolve("users.json");
        Users u = Users.load(users);
        u.put("ada", Role.ADMIN, ADMIN_PASSWORD.toCharArray());
        u.put("vic", Role.VIEWER, VIEWER_PASSWORD.toCharArray());
        clock = new AuthPartsTest.TestClock();
        clock.now = System.currentTimeMillis();
        console = Console.start(ConsoleSettings.of(Map.of("console.port", "0", "console.users.file",
                users.toString(), "console.audit.file", dir.resolve("audit.jsonl").toString(), "kafka.bootstrap",
                platform.kafkaBootstrap(), "registry.url", platform.registryUrl())), clock);
        base = console.url();
    }

    @AfterAll
    static void stop() throws Exception {
        console.close();
    }

    /** A signed-in browser: its session cookie and CSRF token. */
    record Browser(String cookie, String csrf) {
    }

    static HttpResponse<String> send(String method, String path, String body, String cookie, String csrf)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (cookie != null) {
            b.header("Cookie", Console.COOKIE + "=" + cookie);
        }
        if (csrf != null) {
            b.header(Console.CSRF_HEADER, csrf);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Browser signIn(String user, String password) throws Exception {
        HttpResponse<String> r = send("POST", "/api/session", JSON.createObjectNode().put("username", user)
                .put("password", password).toString(), null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        String cookie = setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
        return new Browser(cookie, JSON.readTree(r.body()).path("csrf").asText());
    }

    static String override(String entity, String reason) {
        return JSON.createObjectNode().put("entity", entity).put("action", "BLOCK").put("ttlMinutes", 30)
                .put("reason", reason).toString();
    }

    @Test
    void withoutASessionEveryApiCallIsRefusedAndEveryResponseCarriesTheSecurityHeaders() throws Exception {
        for (String path : List.of("/api/me", "/api/live", "/api/recent", "/api/audit")) {
            HttpResponse<String> r = send("GET", path, null, null, null);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(JSON.readTree(r.body()).path("error").asText()).contains("sign in");
        }
        assertThat(send("POST", "/api/overrides", override("user:x", "r"), null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/me", null, "forged-" + UUID.randomUUID(), null).statusCode())
                .as("a forged session").isEqualTo(401);
        for (String path : List.of("/login.html", "/api/me")) {
            HttpResponse<String> r = send("GET", path, null, null, null);
            assertThat(r.headers().firstValue("Content-Security-Policy")).get().asString()
                    .contains("script-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
            assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        }
        assertThat(send("GET", "/login.html", null, null, null).body()).contains("id=\"sign-in-form\"");
    }

    @Test
    void aSessionCookieIsHttpOnlyAndStrictAndEndsAfterItsIdleTime() throws Exception {
        HttpResponse<String> wrong = send("POST", "/api/session", "{\"username\":\"ada\",\"password\":\"nope nope "
                + "nope\"}", null, null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        HttpResponse<String> r = send("POST", "/api/session", JSON.createObjectNode().put("username", "ada")
                .put("password", ADMIN_PASSWORD).toString(), null, null);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).contains("HttpOnly").containsIgnoringCase("SameSite=Strict").contains("Path=/")
                .doesNotContain("Secure");
        Browser b = signIn("vic", VIEWER_PASSWORD);
        JsonNode me = JSON.readTree(send("GET", "/api/me", null, b.cookie(), null).body());
        assertThat(me.path("user").asText()).isEqualTo("vic");
        assertThat(me.path("role").asText()).isEqualTo("viewer");
        clock.advance(Duration.ofMinutes(31));
        assertThat(send("GET", "/api/me", null, b.cookie(), null).statusCode()).as("expired").isEqualTo(401);
    }

    @Test
    void changesNeedTheCsrfTokenAndTheAdminRole() throws Exception {
        Browser viewer = signIn("vic", VIEWER_PASSWORD);
        Browser admin = signIn("ada", ADMIN_PASSWORD);
        HttpResponse<String> noToken = send("POST", "/api/overrides", override("user:x", "r"), admin.cookie(), null);
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(noToken.body()).contains("CSRF");
        assertThat(send("POST", "/api/overrides", override("user:x", "r"), admin.cookie(), viewer.csrf())
                .statusCode()).as("another session's token").isEqualTo(403);
        HttpResponse<String> asViewer = send("POST", "/api/overrides", override("user:x", "r"), viewer.cookie(),
                viewer.csrf());
        assertThat(asViewer.statusCode()).isEqualTo(403);
        assertThat(asViewer.body()).contains("needs the admin role");
        HttpResponse<String> bad = send("POST", "/api/overrides", override("alice", "r"), admin.cookie(),
                admin.csrf());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("entity must be a typed key");
    }

    @Test
    void anAdminsOverrideIsPublishedAsAManualDecisionAndAudited() throws Exception {
        Browser admin = signIn("ada", ADMIN_PASSWORD);
        String entity = "user:mallory-" + UUID.randomUUID().toString().substring(0, 6);
        String reason = "<script>alert(1)</script> seen exfiltrating";
        HttpResponse<String> r = send("POST", "/api/overrides", override(entity, reason), admin.cookie(),
                admin.csrf());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        String id = JSON.readTree(r.body()).path("decisionId").asText();
        List<EnforcementDecision> published = consumeDecision(id);
        assertThat(published).singleElement().satisfies(d -> {
            assertThat(d.getEntity()).isEqualTo(entity);
            assertThat(d.getAction()).isEqualTo(Action.BLOCK);
            assertThat(d.getIssuer()).isEqualTo(DecisionIssuer.MANUAL);
            assertThat(d.getIssuedBy()).isEqualTo("ada via console");
            assertThat(d.getSummary()).isEqualTo(reason);
            assertThat(d.getExpiresAt() - d.getIssuedAt()).isEqualTo(TimeUnit.MINUTES.toMillis(30));
        });
        List<String> audit = Files.readAllLines(dir.resolve("audit.jsonl"), StandardCharsets.UTF_8);
        assertThat(audit).anySatisfy(line -> {
            JsonNode a = JSON.readTree(line);
            assertThat(a.path("user").asText()).isEqualTo("ada");
            assertThat(a.path("action").asText()).isEqualTo("override.create");
            assertThat(a.path("target").asText()).isEqualTo(entity);
            assertThat(a.path("after").path("reason").asText()).isEqualTo(reason);
        });
    }

    @Test
    void anOverrideInForceIsListedLiftedOnceAndAuditedAndALaterConsoleKnowsIt() throws Exception {
        Browser admin = signIn("ada", ADMIN_PASSWORD);
        Browser viewer = signIn("vic", VIEWER_PASSWORD);
        String entity = "user:lift-" + UUID.randomUUID().toString().substring(0, 6);
        HttpResponse<String> created = send("POST", "/api/overrides", override(entity, "stolen laptop"),
                admin.cookie(), admin.csrf());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).path("decisionId").asText();
        JsonNode listed = awaitOverrides(entity, viewer, 1);
        assertThat(listed.get(0).path("id").asText()).isEqualTo(id);
        assertThat(listed.get(0).path("action").asText()).isEqualTo("BLOCK");
        assertThat(listed.get(0).path("issuedBy").asText()).isEqualTo("ada via console");
        // a console started now learns it from the decisions topic
        try (Console later = Console.start(ConsoleSettings.of(Map.of("console.port", "0", "console.users.file",
                dir.resolve("users.json").toString(), "console.audit.file", dir.resolve("audit-2.jsonl").toString(),
                "kafka.bootstrap", platform.kafkaBootstrap(), "registry.url", platform.registryUrl())))) {
            long until = System.currentTimeMillis() + 15_000;
            while (later.feed().overrides(entity).isEmpty() && System.currentTimeMillis() < until) {
                Thread.sleep(100);
            }
            assertThat(later.feed().overrides(entity)).singleElement().satisfies(o ->
                    assertThat(o.path("id").asText()).isEqualTo(id));
        }

        String lift = JSON.createObjectNode().put("entity", entity).put("reason", "laptop found").toString();
        assertThat(send("POST", "/api/overrides/lift", lift, viewer.cookie(), viewer.csrf()).statusCode())
                .isEqualTo(403);
        assertThat(send("POST", "/api/overrides/lift", lift, admin.cookie(), null).statusCode()).isEqualTo(403);
        HttpResponse<String> noReason = send("POST", "/api/overrides/lift", JSON.createObjectNode()
                .put("entity", entity).toString(), admin.cookie(), admin.csrf());
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(noReason.body()).contains("reason is required");
        // a shadow override of the same entity beside the enforced one: both are in force, and a lift lifts both
        String shadowReq = JSON.createObjectNode().put("entity", entity).put("action", "BLOCK").put("ttlMinutes", 30)
                .put("reason", "what if").put("mode", "SHADOW").toString();
        HttpResponse<String> shadow = send("POST", "/api/overrides", shadowReq, admin.cookie(), admin.csrf());
        assertThat(shadow.statusCode()).as(shadow.body()).isEqualTo(201);
        String shadowId = JSON.readTree(shadow.body()).path("decisionId").asText();
        JsonNode both = awaitOverrides(entity, viewer, 2);
        assertThat(both).extracting(n -> n.path("mode").asText()).containsExactly("ENFORCE", "SHADOW");
        HttpResponse<String> lifted = send("POST", "/api/overrides/lift", lift, admin.cookie(), admin.csrf());
        assertThat(lifted.statusCode()).as(lifted.body()).isEqualTo(200);
        JsonNode lifts = JSON.readTree(lifted.body());
        assertThat(lifts).extracting(n -> n.path("lifted").asText()).containsExactly(id, shadowId);
        assertThat(lifts.get(1).path("mode").asText()).isEqualTo("SHADOW");
        String liftId = lifts.get(0).path("decisionId").asText();
        assertThat(consumeDecision(liftId)).singleElement().satisfies(d -> {
            assertThat(d.getEntity()).isEqualTo(entity);
            assertThat(d.getAction()).isEqualTo(Action.ALLOW);
            assertThat(d.getIssuer()).isEqualTo(DecisionIssuer.MANUAL);
            assertThat(d.getSupersedes()).isEqualTo(id);
            assertThat(d.getExpiresAt() - d.getIssuedAt()).isEqualTo(1_000);
            assertThat(d.getSummary()).isEqualTo("override lifted: laptop found");
            assertThat(Overrides.isLift(d)).isTrue();
        });
        assertThat(awaitOverrides(entity, viewer, 0)).isEmpty();
        HttpResponse<String> again = send("POST", "/api/overrides/lift", lift, admin.cookie(), admin.csrf());
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.body()).contains("no manual override is in force for " + entity);
        List<String> audit = Files.readAllLines(dir.resolve("audit.jsonl"), StandardCharsets.UTF_8);
        assertThat(audit).anySatisfy(line -> {
            JsonNode a = JSON.readTree(line);
            assertThat(a.path("action").asText()).isEqualTo("override.lift");
            assertThat(a.path("target").asText()).isEqualTo(entity);
            assertThat(a.path("before").path("id").asText()).isEqualTo(id);
            assertThat(a.path("after").path("reason").asText()).isEqualTo("laptop found");
        });
    }

    /** GET /api/overrides?entity= until it lists {@code count} overrides (the feed reads them back from Kafka). */
    private static JsonNode awaitOverrides(String entity, Browser b, int count) throws Exception {
        long until = System.currentTimeMillis() + 10_000;
        JsonNode list;
        do {
            HttpResponse<String> r = send("GET", "/api/overrides?entity=" + java.net.URLEncoder.encode(entity,
                    StandardCharsets.UTF_8), null, b.cookie(), null);
            assertThat(r.statusCode()).isEqualTo(200);
            list = JSON.readTree(r.body());
            if (list.size() == count) {
                return list;
            }
            Thread.sleep(100);
        } while (System.currentTimeMillis() < until);
        return list;
    }

    private static TestPlatform platform;

    @BeforeAll
    static void keep(TestPlatform p) {
        platform = p;
    }

    private static List<EnforcementDecision> consumeDecision(String id) {
        return platform.consume(Topics.ENFORCEMENT_DECISIONS, 1, Duration.ofSeconds(20),
                rec -> rec.value() != null && rec.value().getDecisionId().equals(id)).stream()
                .map(rec -> rec.value()).toList();
    }

    @Test
    void theLiveViewPushesADecisionWithinTwoSecondsOfItsPublication() throws Exception {
        Browser viewer = signIn("vic", VIEWER_PASSWORD);
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpRequest live = HttpRequest.newBuilder(URI.create(base + "/api/live"))
                .header("Cookie", Console.COOKIE + "=" + viewer.cookie()).header("Accept", "text/event-stream")
                .build();
        var stream = HTTP.sendAsync(live, HttpResponse.BodyHandlers.ofLines()).thenAccept(resp -> {
            assertThat(resp.statusCode()).isEqualTo(200);
            try (Stream<String> s = resp.body()) {
                s.forEach(lines::add);
            }
        });
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (lines.stream().noneMatch(l -> l.equals("event: stats")) && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(lines).as("a first snapshot of the loop").contains("event: stats");
        String id = "dec-live-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        try (KafkaProducer<String, EnforcementDecision> p = platform.producer(Topics.ENFORCEMENT_DECISIONS)) {
            p.send(new ProducerRecord<>(Topics.ENFORCEMENT_DECISIONS.name(), "user:eve", EnforcementDecision
                    .newBuilder().setDecisionId(id).setEntity("user:eve").setEntityType(EntityType.USER)
                    .setAction(Action.STEP_UP).setMode(DecisionMode.ENFORCE).setIssuedAt(now)
                    .setExpiresAt(now + 600_000).setIssuer(DecisionIssuer.ENGINE).setPolicyVersion("v-live")
                    .setSummary("live test").setReasons(List.of()).build())).get();
        }
        long published = System.nanoTime();
        while (lines.stream().noneMatch(l -> l.contains(id)) && System.nanoTime() - published < 5_000_000_000L) {
            Thread.sleep(20);
        }
        long ms = (System.nanoTime() - published) / 1_000_000;
        assertThat(lines).as("the decision on the live stream").anyMatch(l -> l.startsWith("data: ")
                && l.contains(id) && l.contains("\"policyVersion\":\"v-live\""));
        assertThat(ms).as("ms from publication to the page").isLessThan(2_000);
        System.out.println("[console] decision on the live stream " + ms + " ms after its publication");
        stream.cancel(true);
    }

    @Test
    void fiveWrongPasswordsMakeTheSixthAttemptWait() throws Exception {
        String name = "nobody" + UUID.randomUUID().toString().substring(0, 4);
        clock.advance(Duration.ofMinutes(6)); // the other tests' failures from this address are out of the window
        for (int i = 0; i < 5; i++) {
            assertThat(send("POST", "/api/session", "{\"username\":\"" + name + "\",\"password\":\"guess " + i
                    + "\"}", null, null).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> r = send("POST", "/api/session", "{\"username\":\"" + name + "\",\"password\":\"x\"}",
                null, null);
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(send("POST", "/api/session", JSON.createObjectNode().put("username", "ada")
                .put("password", ADMIN_PASSWORD).toString(), null, null).statusCode())
                .as("the right password too, from this address, for now").isEqualTo(429);
        clock.advance(Duration.ofMinutes(6));
        signIn("ada", ADMIN_PASSWORD);
    }
}
