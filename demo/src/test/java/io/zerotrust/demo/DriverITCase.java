package io.zerotrust.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.demo.services.DemoUpstreams;
import io.zerotrust.demo.sim.Attempt;
import io.zerotrust.demo.sim.Attempt.Kind;
import io.zerotrust.demo.sim.DemoIdentityProvider;
import io.zerotrust.demo.sim.Driver;
import io.zerotrust.demo.sim.SimEvents;
import io.zerotrust.gateway.Gateway;
import io.zerotrust.gateway.config.GatewayConfig;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator's driver through the real demo gateway (its generated configuration, the demo upstreams and
 * identity provider) with the real broker and registry: each kind of attempt gives the events the plan's history
 * assumes — the same phases, user, device, client address, authentication outcome and service — so the baselines
 * learned from the published history hold for the live traffic.
 */
@ExtendWith(PlatformExtension.class)
class DriverITCase {

    private static DemoUpstreams upstreams;
    private static Gateway gateway;
    private static Driver driver;
    private static final List<Attempt> PROBES = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start(TestPlatform platform, @TempDir Path dir) throws Exception {
        upstreams = DemoUpstreams.start(DemoGatewayConfig.TCP_SERVICES);
        DemoIdentityProvider idp = new DemoIdentityProvider();
        idp.writePublicKey(dir.resolve("idp.pem"));
        Path config = DemoGatewayConfig.write(dir, "gw-demo-it", platform.kafkaBootstrap(), platform.registryUrl(),
                upstreams, "demo-admin-token-0123456789");
        gateway = Gateway.start(GatewayConfig.load(config), dir, Clock.systemUTC());
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.notReady() == null);
        Map<String, Integer> tcp = new HashMap<>();
        for (int i = 0; i < DemoGatewayConfig.TCP_SERVICES.size(); i++) {
            tcp.put(DemoGatewayConfig.TCP_SERVICES.get(i), gateway.tcpPort(i));
        }
        driver = new Driver(gateway.httpPort(), tcp, idp, Clock.systemUTC(), PROBES::add);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstreams != null) {
            upstreams.close();
        }
    }

    @Test
    void eachKindOfAttemptGivesTheEventsTheHistoryAssumes(TestPlatform platform) throws Exception {
        String user = "sim-" + UUID.randomUUID();
        Attempt login = new Attempt(0, Kind.LOGIN, user, "laptop-" + user, "198.51.100.23", "wiki", 443, 250_000,
                500, null);
        Attempt forged = new Attempt(0, Kind.BAD_TOKEN, user, "kali-1", "203.0.113.50", "crm", 443, 0, 600,
                "password_spray");
        Attempt ssh = new Attempt(0, Kind.TCP, user, "laptop-" + user, "198.51.100.23", "ssh", 22, 0, 0, null);
        Attempt probe = new Attempt(0, Kind.PROBE, null, null, "198.18.6.66", null, 23, 0, 0, "port_scan");

        Driver.Outcome ok = driver.run(login);
        assertThat(ok.error()).isNull();
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.bytesReceived()).isGreaterThan(250_000);
        Driver.Outcome refused = driver.run(forged);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(driver.run(ssh).error()).isNull();
        assertThat(driver.run(probe).error()).isNull();
        assertThat(PROBES).containsExactly(probe);

        List<ConsumerRecord<String, ConnectionEvent>> events = platform.consume(Topics.CONN_EVENTS, 3,
                Duration.ofSeconds(10), r -> user.equals(r.value().getUser()));
        assertThat(events).hasSize(3);
        List<ConnectionEvent> expected = new java.util.ArrayList<>(SimEvents.of(login, 0, "gw-demo-it"));
        expected.addAll(SimEvents.of(forged, 0, "gw-demo-it"));
        for (int i = 0; i < 3; i++) {
            ConnectionEvent got = events.get(i).value();
            ConnectionEvent want = expected.stream().filter(e -> e.getPhase() == got.getPhase()).findFirst()
                    .orElseThrow();
            assertThat(shape(got)).as(got.getPhase().name()).isEqualTo(shape(want));
        }
        ConnectionEvent close = events.stream().map(ConsumerRecord::value)
                .filter(e -> e.getPhase() == ConnectionPhase.CLOSE).findFirst().orElseThrow();
        assertThat(close.getBytesOut()).isGreaterThan(250_000);
        ConnectionEvent reject = events.stream().map(ConsumerRecord::value)
                .filter(e -> e.getPhase() == ConnectionPhase.REJECT).findFirst().orElseThrow();
        assertThat(reject.getAuth().getOutcome()).isEqualTo(AuthResult.FAILURE);

        List<ConsumerRecord<String, ConnectionEvent>> tcp = platform.consume(Topics.CONN_EVENTS, 2,
                Duration.ofSeconds(10), r -> "gw-demo-it".equals(r.value().getGatewayId())
                        && r.value().getDst() != null && "ssh".equals(r.value().getDst().getService()));
        assertThat(tcp).extracting(r -> r.value().getPhase()).containsExactly(ConnectionPhase.OPEN,
                ConnectionPhase.CLOSE);
    }

    @Test
    void theHistoryIsPublishedInFullAndInEventTimeOrder(TestPlatform platform) {
        io.zerotrust.demo.sim.Plan plan = io.zerotrust.demo.sim.Plan.generate(3, 30, System.currentTimeMillis(),
                6 * 60_000L, 20_000);
        List<ConnectionEvent> history = io.zerotrust.demo.sim.HistoryPublisher.events(plan, "gw-demo-history-it");
        assertThat(history).isSortedAccordingTo(java.util.Comparator.comparingLong(ConnectionEvent::getEventTime));
        List<Long> progress = new CopyOnWriteArrayList<>();
        long before = System.currentTimeMillis();
        long sent = io.zerotrust.demo.sim.HistoryPublisher.publish(platform.kafkaBootstrap(), platform.registry(),
                history, progress::add);
        assertThat(sent).isEqualTo(history.size());
        assertThat(progress).last().isEqualTo(sent);
        List<ConsumerRecord<String, ConnectionEvent>> back = platform.consume(Topics.CONN_EVENTS, history.size(),
                Duration.ofSeconds(20), r -> "gw-demo-history-it".equals(r.value().getGatewayId()));
        assertThat(back).hasSize(history.size());
        // published now (the jobs take event time from the value), though the events are days old
        assertThat(back).allSatisfy(r -> assertThat(r.timestamp()).isGreaterThanOrEqualTo(before));
        assertThat(back).allSatisfy(r -> assertThat(r.value().getEventTime()).isLessThan(before));
    }

    /** What the detectors read from an event (the destination port aside: the gateway reports the upstream's). */
    private static List<Object> shape(ConnectionEvent e) {
        return List.of(String.valueOf(e.getPhase()), String.valueOf(e.getUser()), String.valueOf(e.getDeviceId()),
                e.getSrc().getIp(), String.valueOf(e.getAuth().getMethod()), String.valueOf(e.getAuth().getOutcome()),
                String.valueOf(e.getDst().getService()), String.valueOf(e.getDst().getHost()),
                String.valueOf(e.getRejectReason()), e.getOrigin());
    }
}
