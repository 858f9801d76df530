package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.gateway.config.GatewayConfig;
import io.zerotrust.platform.KafkaBroker;
import io.zerotrust.platform.Platform;
import io.zerotrust.platform.PortCheck;
import io.zerotrust.platform.TopicProvisioner;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away for 10 s while traffic flows through the gateway: the proxy keeps serving, and once the
 * broker is back every event of that period is in {@code conn.events}. Uses a broker of its own (the shared one
 * must not stop), with the shared registry.
 */
@ExtendWith(PlatformExtension.class)
class GatewayBrokerOutageITCase {

    @Test
    void noEventIsLostWhileTheBrokerIsDown(TestPlatform platform, @TempDir Path dir) throws Exception {
        int port = PortCheck.freePort();
        int controllerPort = PortCheck.freePort();
        List<String> classpath = Platform.kafkaClasspath();
        KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), port, controllerPort, classpath,
                Duration.ofSeconds(60));
        HttpServer upstream = TestUpstream.start(ex -> "ok");
        Gateway gateway = null;
        AtomicBoolean running = new AtomicBoolean(true);
        try {
            TopicProvisioner.ensure(broker.bootstrapServers(), Topics.all(), (short) 1);
            TestTokens tokens = TestTokens.rsa("https://idp.example");
            tokens.writePublicKey(dir.resolve("idp.pem"));
            Path config = dir.resolve("gateway.yaml");
            Files.writeString(config, """
                    gatewayId: gw-outage
                    kafka: {bootstrap: "%s", registryUrl: "%s"}
                    http:
                      listen: "127.0.0.1:0"
                      routes:
                        - {name: api, upstream: "127.0.0.1:%d", onStaleDecisions: fail-open}
                        - {name: strict, host: strict.internal, upstream: "127.0.0.1:%3$d"}
                    decisions: {maxStalenessSeconds: 3}
                    identity: {jwtIssuers: [{issuer: "https://idp.example", publicKeyFile: idp.pem}]}
                    events: {spillDir: "%s"}
                    """.formatted(broker.bootstrapServers(), platform.registryUrl(), upstream.getAddress().getPort(),
                    dir.resolve("spill")));
            Gateway gw = Gateway.start(GatewayConfig.load(config), dir, Clock.systemUTC());
            gateway = gw;
            await().atMost(Duration.ofSeconds(30)).until(() -> gw.notReady() == null);

            String user = "outage-" + UUID.randomUUID();
            String token = tokens.token(user, null, System.currentTimeMillis() + 600_000);
            AtomicInteger served = new AtomicInteger();
            List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            long started = System.nanoTime();
            Thread traffic = new Thread(() -> {
                while (running.get()) {
                    try (RawHttpClient c = new RawHttpClient(gw.httpPort())) {
                        RawHttpClient.Response r = c.get("any.internal", "/x", token);
                        if (r.status() == 200) {
                            served.incrementAndGet();
                        } else {
                            failures.add(String.format("at %d ms: %d %s", (System.nanoTime() - started) / 1_000_000,
                                    r.status(), r.body()));
                        }
                    } catch (Exception e) {
                        failures.add(String.format("at %d ms: %s", (System.nanoTime() - started) / 1_000_000, e));
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            traffic.start();
            Thread.sleep(2_000);
            broker.close();
            long outageStart = System.nanoTime();
            System.out.printf("broker stopped at %d ms%n", (outageStart - started) / 1_000_000);
            int beforeOutage = served.get();
            // Past the staleness bound, the fail-closed route refuses while the fail-open one keeps serving.
            await().atMost(Duration.ofSeconds(9)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                try (RawHttpClient c = new RawHttpClient(gw.httpPort())) {
                    RawHttpClient.Response r = c.get("strict.internal", "/x", token);
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.body()).contains("stale_decisions");
                }
            });
            assertThat(gw.notReady()).contains("stale");
            Thread.sleep(Math.max(0, 10_000 - (System.nanoTime() - outageStart) / 1_000_000));
            int duringOutage = served.get() - beforeOutage;
            System.out.printf("broker restarting at %d ms%n", (System.nanoTime() - started) / 1_000_000);
            broker = KafkaBroker.start(dir.resolve("kafka"), port, controllerPort, classpath, Duration.ofSeconds(60));
            System.out.printf("broker back at %d ms%n", (System.nanoTime() - started) / 1_000_000);
            Thread.sleep(2_000);
            running.set(false);
            traffic.join();

            assertThat(failures).as("requests refused or failed on the fail-open route").isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.notReady() == null);
            assertThat(duringOutage).as("the proxy kept serving while the broker was down").isGreaterThan(20);
            int expected = served.get() * 2; // one OPEN and one CLOSE per connection
            Set<String> seen = new HashSet<>();
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "outage-" + user);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, ConnectionEvent> consumer = new KafkaConsumer<>(p,
                    Topics.CONN_EVENTS.keySerde().deserializer(),
                    Topics.CONN_EVENTS.valueSerde(platform.registry()).deserializer())) {
                consumer.subscribe(List.of(Topics.CONN_EVENTS.name()));
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (seen.size() < expected && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, ConnectionEvent> r : consumer.poll(Duration.ofMillis(200))) {
                        // the traffic's connections, not the probes of the strict route
                        if (user.equals(r.value().getUser()) && "api".equals(r.value().getDst().getService())) {
                            seen.add(r.value().getConnectionId() + "/" + r.value().getPhase());
                        }
                    }
                }
            }
            assertThat(seen).as("every OPEN and CLOSE of %d connections", served.get()).hasSize(expected);
            assertThat(seen.stream().filter(s -> s.endsWith("/" + ConnectionPhase.CLOSE)).count())
                    .isEqualTo(served.get());
        } finally {
            running.set(false);
            if (gateway != null) {
                gateway.close();
            }
            upstream.stop(0);
            broker.close();
        }
    }
}
