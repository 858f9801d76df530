package io.zerotrust.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.gateway.TestTokens;
import io.zerotrust.gateway.decisions.DecisionCache;
import io.zerotrust.gateway.decisions.SessionRegistry;
import io.zerotrust.gateway.decisions.Throttle;
import io.zerotrust.gateway.events.ConnectionEvents;
import io.zerotrust.gateway.identity.JwtAuthenticator;
import io.zerotrust.gateway.routing.Route;
import io.zerotrust.gateway.routing.RouteTable;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The refusals of the HTTP frontend, on an embedded channel: nothing reaches an upstream. */
class HttpFrontendHandlerTest {

    private static final long NOW = 1_795_000_000_000L;
    private final List<ConnectionEvent> events = new ArrayList<>();
    private final DecisionCache decisions = new DecisionCache();
    private Duration staleness = Duration.ZERO;
    private TestTokens tokens;
    private ProxyContext context;

    @BeforeEach
    void setUp(@TempDir Path dir) throws Exception {
        tokens = TestTokens.rsa("https://idp.example");
        Clock clock = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
        JwtAuthenticator jwt = new JwtAuthenticator(List.of(new JwtAuthenticator.Issuer(tokens.issuer,
                JwtAuthenticator.readPublicKey(tokens.writePublicKey(dir.resolve("k.pem"))), null, "sub",
                "device_id")), Duration.ofSeconds(30), clock);
        RouteTable routes = new RouteTable(List.of(
                new Route("api", "api.internal", "/", InetSocketAddress.createUnresolved("127.0.0.1", 1), "api",
                        true, true)));
        context = new ProxyContext(routes, jwt, decisions, () -> staleness, Duration.ofSeconds(30),
                new SessionRegistry(), new Throttle(), new ConnectionEvents("gw-test"), events::add, clock,
                new SimpleMeterRegistry(), 1 << 20, Duration.ofMinutes(5), ForwardedFor.none());
    }

    private String exchange(String request) {
        EmbeddedChannel ch = new EmbeddedChannel(new ByteCounter(new IdleSweeper(Duration.ofMinutes(5))), new HttpRequestDecoder(),
                new HttpFrontendHandler(context));
        ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        assertThat(ch.isOpen()).as("a refused connection is closed").isFalse();
        return out.toString();
    }

    private String get(String host, String authorization) {
        return "GET /v1/things HTTP/1.1\r\nHost: " + host + "\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
    }

    @Test
    void aRequestWithoutARouteIsRefusedAndRecorded() {
        String response = exchange(get("unknown.internal", null));
        assertThat(response).startsWith("HTTP/1.1 403").contains("\"error\":\"no_route\"");
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getPhase()).isEqualTo(ConnectionPhase.REJECT);
            assertThat(e.getRejectReason()).isEqualTo("no_route");
            assertThat(e.getHttp().getStatus()).isEqualTo(403);
            assertThat(e.getGatewayId()).isEqualTo("gw-test");
        });
    }

    @Test
    void missingAndInvalidCredentialsAreRefusedWithTheReason() throws Exception {
        assertThat(exchange(get("api.internal", null))).startsWith("HTTP/1.1 401")
                .contains("missing_credentials");
        assertThat(exchange(get("api.internal", "Bearer " + tokens.token("alice", null, NOW - 120_000))))
                .startsWith("HTTP/1.1 401").contains("auth_failed").contains("expired");
        assertThat(events).extracting(ConnectionEvent::getRejectReason)
                .containsExactly("missing_credentials", "auth_failed");
        assertThat(events.get(1).getAuth().getFailureReason()).isEqualTo("expired");
        assertThat(events.get(1).getUser()).isEqualTo("alice");
    }

    @Test
    void blockAndStepUpAnswerWithTheDecision() throws Exception {
        decisions.apply(decision("d-block", "user:bob", Action.BLOCK, DecisionMode.ENFORCE), NOW);
        decisions.apply(decision("d-step", "device:laptop-7", Action.STEP_UP, DecisionMode.ENFORCE), NOW);

        String blocked = exchange(get("api.internal", "Bearer " + tokens.token("bob", "laptop-7", NOW + 60_000)));
        assertThat(blocked).startsWith("HTTP/1.1 403").contains("X-ZT-Decision: d-block")
                .contains("\"decision\":\"d-block\"").contains("blocked");
        String stepUp = exchange(get("api.internal", "Bearer " + tokens.token("carol", "laptop-7", NOW + 60_000)));
        assertThat(stepUp).startsWith("HTTP/1.1 401").contains("insufficient_user_authentication")
                .contains("d-step");
        assertThat(events).extracting(ConnectionEvent::getRejectReason).containsExactly("blocked",
                "step_up_required");
        assertThat(events.get(0).getDecision().getDecisionId()).isEqualTo("d-block");
        assertThat(events.get(0).getDst().getService()).as("the refused request's service").isEqualTo("api");
    }

    @Test
    void staleDecisionsCloseAFailClosedRoute() throws Exception {
        staleness = Duration.ofMinutes(5);
        assertThat(exchange(get("api.internal", "Bearer " + tokens.token("dan", null, NOW + 60_000))))
                .startsWith("HTTP/1.1 503").contains("stale_decisions");
    }

    @Test
    void aDeclaredBodyOverTheLimitIsRefused() throws Exception {
        String request = "POST /v1/upload HTTP/1.1\r\nHost: api.internal\r\nAuthorization: Bearer "
                + tokens.token("erin", null, NOW + 60_000) + "\r\nContent-Length: " + (2 << 20) + "\r\n\r\n";
        assertThat(exchange(request)).startsWith("HTTP/1.1 413").contains("request_too_large");
        assertThat(events).extracting(ConnectionEvent::getRejectReason).containsExactly("request_too_large");
    }

    private static EnforcementDecision decision(String id, String entity, Action action, DecisionMode mode) {
        return EnforcementDecision.newBuilder().setDecisionId(id).setEntity(entity).setEntityType(EntityType.USER)
                .setAction(action).setMode(mode).setIssuedAt(NOW).setExpiresAt(NOW + 600_000)
                .setPolicyVersion("test").setSummary("test decision " + id).setReasons(List.of()).build();
    }
}
