package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.gateway.config.GatewayConfig;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
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

/**
 * TCP pass-through against the real broker: bytes relayed both ways and counted, and an IP-level BLOCK that closes
 * the live connection and refuses new ones. Clients come from their own loopback addresses (127.0.0.x), so a
 * decision about one does not touch the others.
 */
@ExtendWith(PlatformExtension.class)
class GatewayTcpITCase {

    private static ServerSocket echo;
    private static Gateway gateway;

    @BeforeAll
    static void start(TestPlatform platform, @TempDir Path dir) throws Exception {
        echo = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread t = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException e) {
                            // client went away
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, """
                gatewayId: gw-tcp
                kafka: {bootstrap: "%s", registryUrl: "%s"}
                http:
                  listen: "127.0.0.1:0"
                  routes: [{name: unused, upstream: "127.0.0.1:1"}]
                tcp:
                  - {name: echo, listen: "127.0.0.1:0", upstream: "127.0.0.1:%d", service: echo-db}
                events: {spillDir: "%s"}
                """.formatted(platform.kafkaBootstrap(), platform.registryUrl(), echo.getLocalPort(),
                dir.resolve("spill")));
        gateway = Gateway.start(GatewayConfig.load(config), dir, Clock.systemUTC());
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.notReady() == null);
    }

    @AfterAll
    static void stop() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
        echo.close();
    }

    private static Socket connectFrom(String localIp) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(localIp, 0));
        s.connect(new InetSocketAddress("127.0.0.1", gateway.tcpPort(0)), 5_000);
        s.setSoTimeout(5_000);
        return s;
    }

    @Test
    void bytesAreRelayedAndCountedInOneOpenAndOneClose(TestPlatform platform) throws Exception {
        String ip = "127.0.0.21";
        byte[] payload = new byte[100_000];
        Arrays.fill(payload, (byte) 7);
        try (Socket s = connectFrom(ip)) {
            s.getOutputStream().write(payload);
            byte[] back = s.getInputStream().readNBytes(payload.length);
            assertThat(back).isEqualTo(payload);
        }
        List<ConsumerRecord<String, ConnectionEvent>> events = platform.consume(Topics.CONN_EVENTS, 3,
                Duration.ofSeconds(8), r -> ip.equals(r.value().getSrc().getIp())
                        && "gw-tcp".equals(r.value().getGatewayId()));
        assertThat(events).extracting(r -> r.value().getPhase())
                .containsExactly(ConnectionPhase.OPEN, ConnectionPhase.CLOSE);
        ConnectionEvent close = events.get(1).value();
        assertThat(events.get(0).key()).isEqualTo("ip:" + ip);
        assertThat(close.getProtocol()).isEqualTo("tcp");
        assertThat(close.getDst().getService()).isEqualTo("echo-db");
        assertThat(close.getBytesIn()).isEqualTo(payload.length);
        assertThat(close.getBytesOut()).isEqualTo(payload.length);
    }

    @Test
    void anIpBlockClosesTheLiveConnectionAndRefusesNewOnes(TestPlatform platform) throws Exception {
        String ip = "127.0.0.22";
        String decisionId = "d-" + UUID.randomUUID();
        try (Socket s = connectFrom(ip)) {
            s.getOutputStream().write("ping".getBytes());
            assertThat(new String(s.getInputStream().readNBytes(4))).isEqualTo("ping");
            long now = System.currentTimeMillis();
            try (KafkaProducer<String, EnforcementDecision> p = platform.producer(Topics.ENFORCEMENT_DECISIONS)) {
                p.send(new ProducerRecord<>(Topics.ENFORCEMENT_DECISIONS.name(), "ip:" + ip,
                        EnforcementDecision.newBuilder().setDecisionId(decisionId).setEntity("ip:" + ip)
                                .setEntityType(EntityType.IP).setAction(Action.BLOCK).setMode(DecisionMode.ENFORCE)
                                .setIssuedAt(now).setExpiresAt(now + 60_000).setPolicyVersion("it")
                                .setSummary("port scan").setReasons(List.of()).build())).get();
            }
            long published = System.nanoTime();
            assertThat(s.getInputStream().read()).as("closed by the gateway").isEqualTo(-1);
            assertThat((System.nanoTime() - published) / 1_000_000).isLessThan(1_000);
        }
        try (Socket again = connectFrom(ip)) {
            assertThat(again.getInputStream().read()).as("refused at once").isEqualTo(-1);
        }
        List<ConsumerRecord<String, ConnectionEvent>> rejects = platform.consume(Topics.CONN_EVENTS, 1,
                Duration.ofSeconds(10), r -> ip.equals(r.value().getSrc().getIp())
                        && r.value().getPhase() == ConnectionPhase.REJECT);
        assertThat(rejects).singleElement().satisfies(r -> {
            assertThat(r.value().getRejectReason()).isEqualTo("blocked");
            assertThat(r.value().getDecision().getDecisionId()).isEqualTo(decisionId);
        });
    }
}
