package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.gateway.config.GatewayConfig;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A keep-alive connection that stays silent past http.idleTimeoutSeconds is closed, and its CLOSE says why. */
@ExtendWith(PlatformExtension.class)
class GatewayIdleTimeoutITCase {

    @Test
    void anIdleConnectionIsClosedAndTheEventSaysIdleTimeout(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        HttpServer upstream = TestUpstream.start(ex -> "ok");
        TestTokens tokens = TestTokens.rsa("https://idp.example");
        tokens.writePublicKey(dir.resolve("idp.pem"));
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, """
                gatewayId: gw-idle
                kafka: {bootstrap: "%s", registryUrl: "%s"}
                http:
                  listen: "127.0.0.1:0"
                  idleTimeoutSeconds: 1
                  routes: [{name: api, upstream: "127.0.0.1:%d"}]
                identity: {jwtIssuers: [{issuer: "https://idp.example", publicKeyFile: idp.pem}]}
                events: {spillDir: "%s"}
                """.formatted(platform.kafkaBootstrap(), platform.registryUrl(), upstream.getAddress().getPort(),
                dir.resolve("spill")));
        String user = "sleepy-" + UUID.randomUUID();
        String token = tokens.token(user, null, System.currentTimeMillis() + 600_000);
        try (Gateway gateway = Gateway.start(GatewayConfig.load(config), dir, Clock.systemUTC());
             RawHttpClient busy = new RawHttpClient(gateway.httpPort());
             RawHttpClient idle = new RawHttpClient(gateway.httpPort())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.notReady() == null);
            assertThat(idle.get("api.internal", "/once", token).status()).isEqualTo(200);
            long start = System.nanoTime();
            // the busy connection talks every 300 ms and must survive the same 2.5 s
            while (System.nanoTime() - start < 2_500_000_000L) {
                assertThat(busy.get("api.internal", "/again", token).status()).isEqualTo(200);
                Thread.sleep(300);
            }
            assertThat(idle.closedByServer(500)).as("closed after 1 s of silence (plus one sweep)").isTrue();
            assertThat(busy.closedByServer(100)).isFalse();
            List<ConsumerRecord<String, ConnectionEvent>> closes = platform.consume(Topics.CONN_EVENTS, 1,
                    Duration.ofSeconds(10), r -> user.equals(r.value().getUser())
                            && r.value().getPhase() == ConnectionPhase.CLOSE);
            assertThat(closes).singleElement().satisfies(r -> {
                assertThat(r.value().getCloseReason()).isEqualTo("idle_timeout");
                assertThat(r.value().getRequestCount()).isEqualTo(1);
            });
        } finally {
            upstream.stop(0);
        }
    }
}
