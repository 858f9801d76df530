package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.ApplyOutcome;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.gateway.config.GatewayConfig;
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
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The gateway against the real broker and registry, with a real upstream behind it. */
@ExtendWith(PlatformExtension.class)
class GatewayITCase {

    private static final String HOST = "api.internal";
    private static HttpServer upstream;
    /** An upstream that answers every request with a response that cannot be framed safely. */
    private static java.net.ServerSocket brokenUpstream;
    /**
     * A raw upstream that answers {@code POST /early} at once, without reading the body, and every other request
     * with the request line it read ("saw GET /x HTTP/1.1"): a connection reused while a body was still owed to it
     * shows as body bytes in front of the next request line. After {@code GET /drop-next} it closes the connection
     * on reading the next request, unanswered: the race of a kept-alive connection closed by the upstream as idle
     * just as the gateway sends on it.
     */
    private static java.net.ServerSocket earlyUpstream;
    private static Gateway gateway;
    private static TestTokens tokens;
    private static final java.util.Set<Integer> UPSTREAM_CLIENT_PORTS =
            java.util.concurrent.ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start(TestPlatform platform, @TempDir Path dir) throws Exception {
        upstream = TestUpstream.start(ex -> {
            UPSTREAM_CLIENT_PORTS.add(ex.getRemoteAddress().getPort());
            String path = ex.getRequestURI().getPath();
            if (path.startsWith("/upload")) {
                try {
                    return "received " + ex.getRequestBody().readAllBytes().length + " bytes";
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            if (path.startsWith("/download/")) {
                return "x".repeat(Integer.parseInt(path.substring("/download/".length())));
            }
            return "hello " + ex.getRequestURI().getPath() + " as "
                    + ex.getRequestHeaders().getFirst("X-Authenticated-User");
        });
        upstream.createContext("/framing/", ex -> {
            byte[] bytes = ("framed " + ex.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            if (ex.getRequestURI().getPath().equals("/framing/close")) {
                // an upstream that closes its connection after this response (as nginx does after its N-th request)
                ex.getResponseHeaders().set("Connection", "close");
                byte[] last = "last on this upstream connection".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, last.length);
                ex.getResponseBody().write(last);
                ex.close();
                return;
            }
            if ("HEAD".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
                ex.sendResponseHeaders(200, -1); // a head that announces a body, and no body
            } else {
                ex.sendResponseHeaders(200, 0); // chunked
                for (byte b : bytes) {
                    ex.getResponseBody().write(b);
                    ex.getResponseBody().flush(); // one chunk per byte
                }
            }
            ex.close();
        });
        brokenUpstream = new java.net.ServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress());
        Thread broken = new Thread(() -> {
            while (!brokenUpstream.isClosed()) {
                try (java.net.Socket s = brokenUpstream.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n"
                            + "hello").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    Thread.sleep(1_000);
                } catch (Exception e) {
                    // closed at the end of the test class
                }
            }
        }, "broken-upstream");
        broken.setDaemon(true);
        broken.start();
        earlyUpstream = new java.net.ServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress());
        Thread early = new Thread(() -> {
            while (!earlyUpstream.isClosed()) {
                try {
                    java.net.Socket s = earlyUpstream.accept();
                    Thread t = new Thread(() -> answerEarly(s), "early-upstream-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (java.io.IOException e) {
                    // closed at the end of the test class
                }
            }
        }, "early-upstream");
        early.setDaemon(true);
        early.start();
        tokens = TestTokens.rsa("https://idp.example");
        tokens.writePublicKey(dir.resolve("idp.pem"));
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, """
                gatewayId: gw-it
                kafka: {bootstrap: "%s", registryUrl: "%s"}
                http:
                  listen: "127.0.0.1:0"
                  maxRequestBytes: 2097152
                  trustedProxies: ["127.0.0.1"]
                  routes:
                    - {name: api, host: %s, upstream: "127.0.0.1:%d"}
                    - {name: broken, host: broken.internal, upstream: "127.0.0.1:%d"}
                    - {name: early, host: early.internal, upstream: "127.0.0.1:%d"}
                admin: {listen: "127.0.0.1:0", token: "admin-secret"}
                identity: {jwtIssuers: [{issuer: "https://idp.example", publicKeyFile: idp.pem}]}
                events: {spillDir: "%s"}
                """.formatted(platform.kafkaBootstrap(), platform.registryUrl(), HOST,
                upstream.getAddress().getPort(), brokenUpstream.getLocalPort(), earlyUpstream.getLocalPort(),
                dir.resolve("spill")));
        gateway = Gateway.start(GatewayConfig.load(config), dir, Clock.systemUTC());
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.notReady() == null);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.stop(0);
        }
        for (java.net.ServerSocket s : new java.net.ServerSocket[] {brokenUpstream, earlyUpstream}) {
            if (s != null) {
                try {
                    s.close();
                } catch (java.io.IOException e) {
                    // closing anyway
                }
            }
        }
    }

    /** One connection of the early-answering upstream: each head read up to its blank line, answered at once. */
    private static void answerEarly(java.net.Socket s) {
        try (s; java.io.InputStream in = new java.io.BufferedInputStream(s.getInputStream())) {
            boolean dropNext = false;
            while (true) {
                StringBuilder head = new StringBuilder();
                while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    head.append((char) b);
                }
                if (dropNext) {
                    return;
                }
                String requestLine = head.substring(0, head.indexOf("\r\n"));
                dropNext = requestLine.startsWith("GET /drop-next ");
                String body = requestLine.startsWith("POST /early ") ? "early" : "saw " + requestLine;
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
        } catch (java.io.IOException e) {
            // the gateway closed the connection
        }
    }

    private static String token(String user) throws Exception {
        return tokens.token(user, "laptop-" + user, System.currentTimeMillis() + 600_000);
    }

    @Test
    void everyConnectionGivesOneOpenAndOneCloseWithItsByteCounts(TestPlatform platform) throws Exception {
        String user = "alice-" + UUID.randomUUID();
        long sent;
        long received;
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            for (int i = 0; i < 3; i++) {
                RawHttpClient.Response r = client.get(HOST, "/things/" + i, token(user));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("hello /things/" + i + " as " + user);
            }
            sent = client.bytesSent;
            received = client.bytesReceived;
        }
        List<ConsumerRecord<String, ConnectionEvent>> events = platform.consume(Topics.CONN_EVENTS, 3,
                Duration.ofSeconds(8), r -> user.equals(r.value().getUser()));
        assertThat(events).as("exactly one OPEN and one CLOSE").hasSize(2);
        ConnectionEvent open = events.get(0).value();
        ConnectionEvent close = events.get(1).value();
        assertThat(events.get(0).key()).isEqualTo("user:" + user);
        assertThat(open.getPhase()).isEqualTo(ConnectionPhase.OPEN);
        assertThat(close.getPhase()).isEqualTo(ConnectionPhase.CLOSE);
        assertThat(close.getConnectionId()).isEqualTo(open.getConnectionId());
        assertThat(open.getDeviceId()).isEqualTo("laptop-" + user);
        assertThat(open.getDst().getService()).isEqualTo("api");
        assertThat(close.getBytesIn()).isEqualTo(sent);
        assertThat(close.getBytesOut()).isEqualTo(received);
        assertThat(close.getRequestCount()).isEqualTo(3);
        assertThat(close.getCloseReason()).isEqualTo("client_closed");
        assertThat(close.getDurationMs()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void aBlockClosesTheUsersLiveConnectionAndRefusesNewOnesUntilItExpires(TestPlatform platform) throws Exception {
        String user = "bob-" + UUID.randomUUID();
        String decisionId = "d-" + UUID.randomUUID();
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            assertThat(client.get(HOST, "/before", token(user)).status()).isEqualTo(200);

            long expiresAt = System.currentTimeMillis() + 4_000;
            publish(platform, decision(decisionId, "user:" + user, Action.BLOCK, DecisionMode.ENFORCE, expiresAt));
            long published = System.nanoTime();
            assertThat(client.closedByServer(3_000)).as("the live keep-alive connection is closed").isTrue();
            long closedWithinMs = (System.nanoTime() - published) / 1_000_000;
            assertThat(closedWithinMs).as("closed within 1 s of the decision").isLessThan(1_000);
        }
        try (RawHttpClient again = new RawHttpClient(gateway.httpPort())) {
            RawHttpClient.Response r = again.get(HOST, "/after", token(user));
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.headers()).contains("X-ZT-Decision: " + decisionId);
        }
        List<ConsumerRecord<String, DecisionApplied>> acks = platform.consume(Topics.ENFORCEMENT_ACKS, 1,
                Duration.ofSeconds(20), r -> decisionId.equals(r.value().getDecisionId()));
        assertThat(acks).singleElement().satisfies(a -> {
            assertThat(a.value().getOutcome()).isEqualTo(ApplyOutcome.APPLIED);
            assertThat(a.value().getSessionsRevoked()).isEqualTo(1);
            assertThat(a.value().getGatewayId()).isEqualTo("gw-it");
            assertThat(a.value().getAppliedAt()).isGreaterThanOrEqualTo(a.value().getReceivedAt());
        });
        List<ConsumerRecord<String, ConnectionEvent>> closes = platform.consume(Topics.CONN_EVENTS, 1,
                Duration.ofSeconds(20), r -> user.equals(r.value().getUser())
                        && r.value().getPhase() == ConnectionPhase.CLOSE);
        assertThat(closes).singleElement().satisfies(c -> {
            assertThat(c.value().getCloseReason()).isEqualTo("revoked");
            assertThat(c.value().getAttributes()).containsEntry("revokedBy", decisionId);
        });

        // The expiry lets the user back in.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            try (RawHttpClient later = new RawHttpClient(gateway.httpPort())) {
                assertThat(later.get(HOST, "/later", token(user)).status()).isEqualTo(200);
            }
        });
    }

    @Test
    void aShadowDecisionChangesNothingButIsAcknowledgedAsShadow(TestPlatform platform) throws Exception {
        String user = "carol-" + UUID.randomUUID();
        String decisionId = "d-" + UUID.randomUUID();
        publish(platform, decision(decisionId, "user:" + user, Action.BLOCK, DecisionMode.SHADOW,
                System.currentTimeMillis() + 600_000));
        List<ConsumerRecord<String, DecisionApplied>> acks = platform.consume(Topics.ENFORCEMENT_ACKS, 1,
                Duration.ofSeconds(20), r -> decisionId.equals(r.value().getDecisionId()));
        assertThat(acks).singleElement().satisfies(a -> {
            assertThat(a.value().getOutcome()).isEqualTo(ApplyOutcome.SHADOW_RECORDED);
            assertThat(a.value().getMode()).isEqualTo(DecisionMode.SHADOW);
            assertThat(a.value().getSessionsRevoked()).isZero();
        });
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            assertThat(client.get(HOST, "/shadow", token(user)).status()).isEqualTo(200);
            assertThat(client.get(HOST, "/shadow2", token(user)).status()).isEqualTo(200);
        }
        List<ConsumerRecord<String, ConnectionEvent>> open = platform.consume(Topics.CONN_EVENTS, 1,
                Duration.ofSeconds(20), r -> user.equals(r.value().getUser())
                        && r.value().getPhase() == ConnectionPhase.OPEN);
        assertThat(open).singleElement().satisfies(o -> {
            assertThat(o.value().getDecision().getDecisionId()).isEqualTo(decisionId);
            assertThat(o.value().getDecision().getMode()).isEqualTo(DecisionMode.SHADOW);
        });
    }

    @Test
    void theAdminEndpointsAnswer() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + gateway.adminPort();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("ready");
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            assertThat(client.get("nowhere.internal", "/", null).status()).isEqualTo(403);
        }
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("gateway_rejects_total{reason=\"no_route\"}", "gateway_event_queue_depth",
                "gateway_decision_cache_staleness_seconds", "gateway_decision_cache_lag_records",
                "gateway_events_total");
    }

    @Test
    void aThrottleLimitsTheEntitysRequestRate(TestPlatform platform) throws Exception {
        String user = "tess-" + UUID.randomUUID();
        EnforcementDecision throttle = decision("d-" + UUID.randomUUID(), "user:" + user, Action.THROTTLE,
                DecisionMode.ENFORCE, System.currentTimeMillis() + 600_000);
        throttle.setThrottleRatePerSecond(2.0);
        publish(platform, throttle);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            int ok = 0;
            int throttled = 0;
            for (int i = 0; i < 6; i++) {
                try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
                    RawHttpClient.Response r = client.get(HOST, "/t/" + i, token(user));
                    if (r.status() == 200) {
                        ok++;
                    } else {
                        assertThat(r.status()).isEqualTo(429);
                        assertThat(r.headers().toLowerCase()).contains("retry-after: 1",
                                throttle.getDecisionId().toLowerCase());
                        throttled++;
                    }
                }
            }
            assertThat(throttled).as("over 2 requests per second").isGreaterThan(0);
            assertThat(ok).as("the allowed rate still passes").isGreaterThan(0);
        });
    }

    @Test
    void largeBodiesStreamThroughBothWaysAndAreCounted(TestPlatform platform) throws Exception {
        String user = "bulk-" + UUID.randomUUID();
        byte[] upload = new byte[2 * 1024 * 1024 - 17]; // just under http.maxRequestBytes
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            RawHttpClient.Response up = client.post(HOST, "/upload", token(user), upload);
            assertThat(up.status()).isEqualTo(200);
            assertThat(up.body()).isEqualTo("received " + upload.length + " bytes");
        }

        int size = 6_000_000; // responses are streamed, so they may exceed http.maxRequestBytes (2 MiB here)
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            RawHttpClient.Response down = client.get(HOST, "/download/" + size, token(user));
            assertThat(down.status()).isEqualTo(200);
            assertThat(down.body()).hasSize(size);
        }
        List<ConsumerRecord<String, ConnectionEvent>> closes = platform.consume(Topics.CONN_EVENTS, 2,
                Duration.ofSeconds(8), r -> user.equals(r.value().getUser())
                        && r.value().getPhase() == ConnectionPhase.CLOSE);
        assertThat(closes).extracting(r -> r.value().getBytesIn()).anySatisfy(b -> assertThat(b)
                .isGreaterThan((long) upload.length));
        assertThat(closes).extracting(r -> r.value().getBytesOut()).anySatisfy(b -> assertThat(b)
                .isGreaterThan((long) size));
    }

    @Test
    void aBodyOverTheLimitIsRefusedBeforeReachingTheUpstream() throws Exception {
        String user = "big-" + UUID.randomUUID();
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            RawHttpClient.Response ok = client.postExpectingContinue(HOST, "/upload", token(user), new byte[1000]);
            assertThat(ok.status()).as("the upstream's 100 Continue is passed on, then its answer").isEqualTo(200);
            assertThat(ok.body()).isEqualTo("received 1000 bytes");
        }
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            RawHttpClient.Response r = client.postExpectingContinue(HOST, "/upload", token(user),
                    new byte[3 * 1024 * 1024]);
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).contains("request_too_large");
        }
    }

    @Test
    void responsesArePassedOnAsTheUpstreamFramedThem() throws Exception {
        String user = "framing-" + UUID.randomUUID();
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            RawHttpClient.Response chunked = client.get(HOST, "/framing/chunks", token(user));
            assertThat(chunked.header("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
            assertThat(chunked.body()).isEqualTo("framed /framing/chunks");
            RawHttpClient.Response head = client.head(HOST, "/framing/head", token(user));
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).as("announced, not sent").isEqualTo("20");
            // the same connection carries on: nothing of the HEAD response was taken for a body
            assertThat(client.get(HOST, "/p/after-head", token(user)).body())
                    .isEqualTo("hello /p/after-head as " + user);
            RawHttpClient.Response upstreamCloses = client.get(HOST, "/framing/close", token(user));
            assertThat(upstreamCloses.body()).isEqualTo("last on this upstream connection");
            assertThat(upstreamCloses.header("Connection")).as("the client's connection stays open").isNull();
            assertThat(client.get(HOST, "/p/after-upstream-close", token(user)).body())
                    .as("the next request goes over another upstream connection")
                    .isEqualTo("hello /p/after-upstream-close as " + user);
            RawHttpClient.Response last = client.getAndClose(HOST, "/p/last", token(user));
            assertThat(last.body()).isEqualTo("hello /p/last as " + user);
            assertThat(last.header("Connection")).as("the client asked to close").isEqualToIgnoringCase("close");
            assertThat(client.closedByServer(2_000)).isTrue();
        }
    }

    @Test
    void aResponseThatCannotBeFramedSafelyBecomesA502(TestPlatform platform) throws Exception {
        String user = "broken-" + UUID.randomUUID();
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            RawHttpClient.Response r = client.get("broken.internal", "/x", token(user));
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.body()).contains("upstream_bad_response").contains("conflicting Content-Length");
            assertThat(client.closedByServer(2_000)).isTrue();
        }
        List<ConsumerRecord<String, ConnectionEvent>> closes = platform.consume(Topics.CONN_EVENTS, 1,
                Duration.ofSeconds(8), r -> user.equals(r.value().getUser())
                        && r.value().getPhase() == ConnectionPhase.CLOSE);
        assertThat(closes.get(0).value().getCloseReason()).isEqualTo("upstream_bad_response");
    }

    @Test
    void aTrustedProxyNamesTheClientOfItsConnection(TestPlatform platform) throws Exception {
        String user = "fwd-" + UUID.randomUUID();
        String client = "198.51.100." + (1 + new java.util.Random().nextInt(254));
        try (RawHttpClient c = new RawHttpClient(gateway.httpPort())) {
            // the test connects from 127.0.0.1, which this gateway trusts; a trusted hop on the right is skipped
            RawHttpClient.Response ok = c.getWith(HOST, "/fwd/1", token(user),
                    "X-Forwarded-For: " + client + ", 127.0.0.1\r\n");
            assertThat(ok.status()).isEqualTo(200);
            RawHttpClient.Response changed = c.getWith(HOST, "/fwd/2", token(user),
                    "X-Forwarded-For: 203.0.113.9\r\n");
            assertThat(changed.status()).isEqualTo(400);
            assertThat(changed.body()).contains("client_changed");
        }
        try (RawHttpClient c = new RawHttpClient(gateway.httpPort())) {
            RawHttpClient.Response bad = c.getWith(HOST, "/fwd/3", token(user),
                    "X-Forwarded-For: lb-7.internal\r\n");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).contains("bad_forwarded_for").contains("not an address");
        }
        List<ConsumerRecord<String, ConnectionEvent>> events = platform.consume(Topics.CONN_EVENTS, 3,
                Duration.ofSeconds(8), r -> user.equals(r.value().getUser()));
        assertThat(events).extracting(r -> r.value().getPhase() + " " + r.value().getSrc().getIp() + " "
                + r.value().getRejectReason()).containsExactlyInAnyOrder(
                "OPEN " + client + " null", "REJECT " + client + " client_changed", "CLOSE " + client + " null");
    }

    @Test
    void anUpstreamConnectionStillOwedARequestBodyIsNeverReused() throws Exception {
        String user = "early-" + UUID.randomUUID();
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            // the upstream answers before the body is complete; the client then leaves without sending the rest
            RawHttpClient.Response r = client.postPartially("early.internal", "/early", token(user), 1_000, 10);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("early");
        }
        for (int i = 0; i < 4; i++) { // new clients, on whichever event loop each lands
            try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
                RawHttpClient.Response r = client.get("early.internal", "/after/" + i, token(user));
                assertThat(r.body()).as("the request line reached the upstream on a clean connection")
                        .isEqualTo("saw GET /after/" + i + " HTTP/1.1");
            }
        }
    }

    @Test
    void anIdempotentRequestTheUpstreamClosedItsReusedConnectionOnIsSentAgain() throws Exception {
        String user = "retry-" + UUID.randomUUID();
        double before = retries("early");
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            assertThat(client.get("early.internal", "/drop-next", token(user)).body())
                    .isEqualTo("saw GET /drop-next HTTP/1.1");
            RawHttpClient.Response r = client.get("early.internal", "/retried", token(user));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("saw GET /retried HTTP/1.1");
        }
        assertThat(retries("early")).isEqualTo(before + 1);
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            assertThat(client.get("early.internal", "/drop-next", token(user)).status()).isEqualTo(200);
            // a POST may have been acted on before the connection closed: never sent twice
            RawHttpClient.Response r = client.post("early.internal", "/form", token(user),
                    "a=1".getBytes(StandardCharsets.US_ASCII));
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.body()).contains("upstream_closed");
        }
        assertThat(retries("early")).isEqualTo(before + 1);
    }

    private static double retries(String route) {
        io.micrometer.core.instrument.Counter c = gateway.metrics().find("gateway_upstream_retries_total")
                .tag("route", route).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        String user = "pipe-" + UUID.randomUUID();
        try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
            List<RawHttpClient.Response> responses = client.pipelined(HOST, List.of("/p/1", "/p/2", "/p/3"),
                    token(user));
            assertThat(responses).extracting(RawHttpClient.Response::body).containsExactly(
                    "hello /p/1 as " + user, "hello /p/2 as " + user, "hello /p/3 as " + user);
        }
    }

    @Test
    void clientConnectionsShareKeepAliveUpstreamConnections() throws Exception {
        String user = "pool-" + UUID.randomUUID();
        UPSTREAM_CLIENT_PORTS.clear();
        for (int i = 0; i < 20; i++) {
            try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
                assertThat(client.get(HOST, "/pooled/" + i, token(user)).status()).isEqualTo(200);
            }
        }
        // one upstream connection per event loop at most, instead of one per client connection
        assertThat(UPSTREAM_CLIENT_PORTS).hasSizeLessThanOrEqualTo(Runtime.getRuntime().availableProcessors() * 2);
    }

    @Test
    void aManualOverrideIsPublishedAndEnforced(TestPlatform platform) throws Exception {
        String user = "mallory-" + UUID.randomUUID();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/decisions"))
                .header("Authorization", "Bearer admin-secret")
                .POST(HttpRequest.BodyPublishers.ofString("{\"entity\":\"user:" + user + "\",\"action\":\"BLOCK\","
                        + "\"ttlSeconds\":300,\"reason\":\"stolen laptop\",\"operator\":\"secops-1\"}"))
                .build();
        HttpResponse<String> r = http.send(post, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String decisionId = r.body().replaceAll(".*\"decisionId\":\"([^\"]+)\".*\\s*", "$1").trim();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (RawHttpClient client = new RawHttpClient(gateway.httpPort())) {
                RawHttpClient.Response resp = client.get(HOST, "/x", token(user));
                assertThat(resp.status()).isEqualTo(403);
                assertThat(resp.body()).contains(decisionId, "stolen laptop");
            }
        });
        HttpRequest unauthorized = HttpRequest.newBuilder(post.uri()).POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        assertThat(http.send(unauthorized, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    }

    private static void publish(TestPlatform platform, EnforcementDecision d) throws Exception {
        try (KafkaProducer<String, EnforcementDecision> p = platform.producer(Topics.ENFORCEMENT_DECISIONS)) {
            p.send(new ProducerRecord<>(Topics.ENFORCEMENT_DECISIONS.name(), d.getEntity(), d)).get();
        }
    }

    private static EnforcementDecision decision(String id, String entity, Action action, DecisionMode mode,
                                                long expiresAt) {
        long now = System.currentTimeMillis();
        return EnforcementDecision.newBuilder().setDecisionId(id).setEntity(entity).setEntityType(EntityType.USER)
                .setAction(action).setMode(mode).setIssuedAt(now).setExpiresAt(expiresAt)
                .setPolicyVersion("it").setSummary("integration test " + action).setReasons(List.of()).build();
    }
}
