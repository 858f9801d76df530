package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.gateway.config.GatewayConfig;
import io.zerotrust.platform.KafkaBroker;
import io.zerotrust.platform.KafkaCluster;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One of three brokers is killed with SIGKILL while the gateway serves a steady stream of requests, and started again
 * some seconds later: every request gets its normal answer (on a fail-closed route, so decisions never went stale
 * either), and once the broker is back every event the gateway emitted for the traffic is in {@code conn.events} for
 * a read_committed consumer, none twice. The killed broker is the active controller when it leads partitions of
 * {@code conn.events}, else the leader of partition 0.
 *
 * <p>It prints one line, {@code broker-kill: requests=N failed=F events=E lost=L duplicated=D recovery=Xs}:
 * <ul>
 *   <li>{@code events}: the gateway's events for the traffic, an OPEN and a CLOSE per answered request (one request
 *       per connection, each to its own path, so the OPEN names its request and the CLOSE shares its connection id);
 *   <li>{@code lost}: those of them not in {@code conn.events} once the gateway's queue and spill file are empty;
 *   <li>{@code duplicated}: records of {@code conn.events} whose event id an earlier record already had (the
 *       producer's retries to the new leaders must not leave a second copy);
 *   <li>{@code recovery}: from the SIGKILL until the last event that became visible more than a second after its
 *       request was answered, as seen by a read_committed consumer reading all along: how long the pipeline's input
 *       is held up by the death of a broker (0 when no event was late).
 * </ul>
 * Uses brokers of its own (the shared one must not stop), with the shared registry. About 50 s of traffic at about
 * 100 requests/s.
 */
@ExtendWith(PlatformExtension.class)
class BrokerKillITCase {

    private static final Duration BEFORE_KILL = Duration.ofSeconds(8);
    private static final Duration DOWN = Duration.ofSeconds(12);
    private static final Duration AFTER_RESTART = Duration.ofSeconds(6);
    private static final int CLIENTS = 2;
    private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(20); // 50 requests/s per client
    private static final long LATE_MS = 1_000;

    @Test
    void aKilledBrokerLosesAndDuplicatesNoEventAndTheGatewayKeepsServing(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        List<Integer> ports = List.of(PortCheck.freePort(), PortCheck.freePort(), PortCheck.freePort());
        List<Integer> controllerPorts = List.of(PortCheck.freePort(), PortCheck.freePort(), PortCheck.freePort());
        KafkaCluster cluster = KafkaCluster.start(dir.resolve("kafka"), ports, controllerPorts,
                Platform.kafkaClasspath(), Duration.ofSeconds(90));
        HttpServer upstream = TestUpstream.start(ex -> "ok");
        Gateway gateway = null;
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        Watcher watcher = null;
        try {
            TopicProvisioner.ensure(cluster.bootstrapServers(), Topics.all(), KafkaCluster.REPLICATION_FACTOR,
                    KafkaCluster.MIN_INSYNC_REPLICAS);
            TestTokens tokens = TestTokens.rsa("https://idp.example");
            tokens.writePublicKey(dir.resolve("idp.pem"));
            Path config = dir.resolve("gateway.yaml");
            Files.writeString(config, """
                    gatewayId: gw-broker-kill
                    kafka: {bootstrap: "%s", registryUrl: "%s"}
                    http:
                      listen: "127.0.0.1:0"
                      routes:
                        - {name: api, upstream: "127.0.0.1:%d"}
                    identity: {jwtIssuers: [{issuer: "https://idp.example", publicKeyFile: idp.pem}]}
                    events: {spillDir: "%s"}
                    """.formatted(cluster.bootstrapServers(), platform.registryUrl(), upstream.getAddress().getPort(),
                    dir.resolve("spill")));
            Gateway gw = Gateway.start(GatewayConfig.load(config), dir, Clock.systemUTC());
            gateway = gw;
            await().atMost(Duration.ofSeconds(30)).until(() -> gw.notReady() == null);
            watcher = new Watcher(cluster.bootstrapServers(), platform);
            watcher.start();

            String run = UUID.randomUUID().toString().substring(0, 8);
            String token = tokens.token("kill-" + run, null, System.currentTimeMillis() + 600_000);
            AtomicInteger next = new AtomicInteger();
            AtomicInteger sent = new AtomicInteger();
            Map<Integer, Long> answeredAtMs = new ConcurrentHashMap<>();
            List<String> failures = new CopyOnWriteArrayList<>();
            long started = System.nanoTime();
            for (int c = 0; c < CLIENTS; c++) {
                Thread client = new Thread(() -> {
                    long slot = System.nanoTime();
                    while (running.get()) {
                        int n = next.getAndIncrement();
                        sent.incrementAndGet();
                        try (RawHttpClient http = new RawHttpClient(gw.httpPort())) {
                            RawHttpClient.Response r = http.get("any.internal", path(run, n), token);
                            if (r.status() != 200) {
                                failures.add(String.format("request %d at %d ms: %d %s", n,
                                        (System.nanoTime() - started) / 1_000_000, r.status(), r.body()));
                            } else {
                                answeredAtMs.put(n, System.currentTimeMillis());
                            }
                        } catch (Exception e) {
                            failures.add(String.format("request %d at %d ms: %s", n,
                                    (System.nanoTime() - started) / 1_000_000, e));
                        }
                        slot += PACE_NANOS;
                        LockSupport.parkNanos(slot - System.nanoTime());
                    }
                }, "broker-kill-client-" + c);
                client.start();
                clients.add(client);
            }

            LockSupport.parkNanos(BEFORE_KILL.toNanos());
            KafkaBroker victim = chooseVictim(cluster);
            long killedAtMs = System.currentTimeMillis();
            long killedAtTraffic = (System.nanoTime() - started) / 1_000_000;
            ProcessHandle.of(victim.pid()).orElseThrow().destroyForcibly(); // SIGKILL
            await().atMost(Duration.ofSeconds(10)).until(() -> !victim.isAlive());
            System.out.printf("broker-kill: killed node %d (pid %d) with SIGKILL after %d ms of traffic%n",
                    victim.nodeId(), victim.pid(), killedAtTraffic);
            try (Admin admin = admin(cluster.bootstrapServers())) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                        .until(() -> leadersOf(admin).values().stream().noneMatch(l -> l == victim.nodeId()));
                System.out.printf("broker-kill: conn.events leaders moved off node %d after %.1f s: %s;"
                                + " under-replicated partitions of conn.events: %d%n", victim.nodeId(),
                        (System.currentTimeMillis() - killedAtMs) / 1e3, leadersOf(admin),
                        underReplicated(admin));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(
                        Math.max(0, DOWN.toMillis() - (System.currentTimeMillis() - killedAtMs))));
                long restartAt = System.currentTimeMillis();
                KafkaBroker back = cluster.restart(victim.nodeId(), Duration.ofSeconds(90));
                System.out.printf("broker-kill: node %d back (pid %d) %.1f s after the kill, its start took %.1f s%n",
                        back.nodeId(), back.pid(), (System.currentTimeMillis() - killedAtMs) / 1e3,
                        (System.currentTimeMillis() - restartAt) / 1e3);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                        .until(() -> underReplicated(admin) == 0);
                System.out.printf("broker-kill: every conn.events partition has 3 in-sync replicas again %.1f s"
                        + " after the kill%n", (System.currentTimeMillis() - killedAtMs) / 1e3);
            }
            LockSupport.parkNanos(AFTER_RESTART.toNanos());
            running.set(false);
            for (Thread client : clients) {
                client.join();
            }

            int served = answeredAtMs.size();
            int events = 2 * served; // an OPEN and a CLOSE per connection
            // The gateway has handed everything to Kafka when its queue and spill file are empty and Kafka has
            // acknowledged at least as many events as it emitted.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                    gauge(gw, "gateway_event_queue_depth") == 0 && gauge(gw, "gateway_event_spill_pending") == 0
                            && count(gw, "sent") + count(gw, "replayed") >= events);
            assertThat(gw.notReady()).isNull();

            Contents topic = readCommitted(cluster.bootstrapServers(), platform, run);
            // the events of answered requests: an OPEN naming the request, a CLOSE of the OPEN's connection
            Set<String> answeredConnections = new HashSet<>();
            topic.openOf.forEach((connection, n) -> {
                if (answeredAtMs.containsKey(n)) {
                    answeredConnections.add(connection);
                }
            });
            int found = answeredConnections.size()
                    + (int) topic.closeReasons.keySet().stream().filter(answeredConnections::contains).count();
            int lost = events - found;
            Map<Integer, String> closeOfRequest = new HashMap<>();
            topic.openOf.forEach((connection, n) -> closeOfRequest.put(n, topic.closeReasons.get(connection)));
            failures.replaceAll(f -> f + " (its connection's CLOSE event says "
                    + closeOfRequest.get(Integer.valueOf(f.substring("request ".length(), f.indexOf(' ', 8)))) + ")");
            long lastLateMs = watcher.lastLateArrival(run, answeredAtMs, killedAtMs);
            double recovery = lastLateMs < 0 ? 0 : (lastLateMs - killedAtMs) / 1e3;
            System.out.printf("broker-kill: requests=%d failed=%d events=%d lost=%d duplicated=%d recovery=%.1fs"
                            + " (gateway: sent=%.0f spilled=%.0f replayed=%.0f dropped=%.0f)%n",
                    sent.get(), failures.size(), events, lost, topic.duplicated, recovery, count(gw, "sent"),
                    count(gw, "spilled"), count(gw, "replayed"), count(gw, "dropped"));

            assertThat(failures).as("requests that did not get their normal answer").isEmpty();
            assertThat(served).as("requests answered").isEqualTo(sent.get()).isGreaterThan(1_000);
            assertThat(lost).as("events of answered requests missing from conn.events").isZero();
            assertThat(topic.duplicated).as("records of conn.events whose event id came before").isZero();
            assertThat(count(gw, "dropped")).isZero();
        } finally {
            running.set(false);
            for (Thread client : clients) {
                client.join();
            }
            if (watcher != null) {
                watcher.close();
            }
            if (gateway != null) {
                gateway.close();
            }
            upstream.stop(0);
            cluster.close();
        }
    }

    private static String path(String run, int n) {
        return "/kill/" + run + "/" + n;
    }

    /** The active controller if it leads a partition of conn.events, else the leader of partition 0. */
    private static KafkaBroker chooseVictim(KafkaCluster cluster) throws Exception {
        try (Admin admin = admin(cluster.bootstrapServers())) {
            int controller = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
            Map<Integer, Integer> leaders = leadersOf(admin);
            int victim = leaders.containsValue(controller) ? controller : leaders.get(0);
            System.out.printf("broker-kill: active controller is node %d; conn.events leaders %s; killing node %d%n",
                    controller, leaders, victim);
            return cluster.broker(victim);
        }
    }

    /** Partition of conn.events to the node id of its leader (-1 when it has none). */
    private static Map<Integer, Integer> leadersOf(Admin admin) throws Exception {
        Map<Integer, Integer> leaders = new java.util.TreeMap<>();
        for (TopicPartitionInfo p : describe(admin).partitions()) {
            leaders.put(p.partition(), p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id());
        }
        return leaders;
    }

    private static long underReplicated(Admin admin) throws Exception {
        return describe(admin).partitions().stream().filter(p -> p.isr().size() < p.replicas().size()).count();
    }

    private static TopicDescription describe(Admin admin) throws Exception {
        return admin.describeTopics(List.of(Topics.CONN_EVENTS.name())).allTopicNames().get(10, TimeUnit.SECONDS)
                .get(Topics.CONN_EVENTS.name());
    }

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        return Admin.create(p);
    }

    private static double count(Gateway gw, String outcome) {
        Counter c = gw.metrics().find("gateway_events_total").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    private static double gauge(Gateway gw, String name) {
        Gauge g = gw.metrics().find(name).gauge();
        return g == null ? Double.NaN : g.value();
    }

    private static Properties consumerProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return p;
    }

    /**
     * What conn.events holds of the run: the request of each OPEN's connection, the close reason of each CLOSE's
     * connection, and how many records repeated an earlier event id.
     */
    private record Contents(Map<String, Integer> openOf, Map<String, String> closeReasons, int duplicated) {
    }

    /** Reads all of conn.events up to its last committed offsets, as a sink would after the recovery. */
    private static Contents readCommitted(String bootstrap, TestPlatform platform, String run) {
        Map<String, Integer> openOf = new HashMap<>();
        Map<String, String> closeReasons = new HashMap<>();
        Set<String> ids = new HashSet<>();
        int duplicated = 0;
        try (KafkaConsumer<String, ConnectionEvent> consumer = new KafkaConsumer<>(consumerProperties(bootstrap),
                Topics.CONN_EVENTS.keySerde().deserializer(),
                Topics.CONN_EVENTS.valueSerde(platform.registry()).deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.CONN_EVENTS.name(), Duration.ofSeconds(30))
                    .stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("read conn.events to its end within 60 s").isLessThan(deadline);
                for (ConsumerRecord<String, ConnectionEvent> r : consumer.poll(Duration.ofMillis(200))) {
                    ConnectionEvent e = r.value();
                    if (!ids.add(e.getEventId())) {
                        duplicated++;
                    }
                    Integer n = requestOf(e, run);
                    if (n != null) {
                        openOf.put(e.getConnectionId(), n);
                    } else if (e.getPhase() == ConnectionPhase.CLOSE && ("kill-" + run).equals(e.getUser())) {
                        closeReasons.put(e.getConnectionId(), String.valueOf(e.getCloseReason()));
                    }
                }
            }
        }
        return new Contents(openOf, closeReasons, duplicated);
    }

    /** The request number of an OPEN event of the run, else null. */
    private static Integer requestOf(ConnectionEvent e, String run) {
        if (e.getPhase() != ConnectionPhase.OPEN || e.getHttp() == null || e.getHttp().getPath() == null) {
            return null;
        }
        String prefix = "/kill/" + run + "/";
        String path = e.getHttp().getPath();
        return path.startsWith(prefix) ? Integer.valueOf(path.substring(prefix.length())) : null;
    }

    /**
     * A read_committed consumer of conn.events running all along, noting when each event of the run became visible:
     * OPENs by request, CLOSEs by connection.
     */
    private static final class Watcher extends Thread implements AutoCloseable {
        private final KafkaConsumer<String, ConnectionEvent> consumer;
        private final Map<String, Long> openSeenMs = new ConcurrentHashMap<>(); // "run/n" -> when
        private final Map<String, String> openConnection = new ConcurrentHashMap<>(); // connection id -> "run/n"
        private final Map<String, Long> closeSeenMs = new ConcurrentHashMap<>(); // connection id -> when
        private volatile boolean stop;

        Watcher(String bootstrap, TestPlatform platform) {
            super("broker-kill-watcher");
            consumer = new KafkaConsumer<>(consumerProperties(bootstrap), Topics.CONN_EVENTS.keySerde().deserializer(),
                    Topics.CONN_EVENTS.valueSerde(platform.registry()).deserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.CONN_EVENTS.name(), Duration.ofSeconds(30))
                    .stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // from now on, whatever the run writes
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    for (ConsumerRecord<String, ConnectionEvent> r : consumer.poll(Duration.ofMillis(100))) {
                        long now = System.currentTimeMillis();
                        ConnectionEvent e = r.value();
                        if (e.getPhase() == ConnectionPhase.OPEN && e.getHttp() != null && e.getHttp().getPath() != null
                                && e.getHttp().getPath().startsWith("/kill/")) {
                            String key = e.getHttp().getPath().substring("/kill/".length());
                            openSeenMs.putIfAbsent(key, now);
                            openConnection.put(e.getConnectionId(), key);
                        } else if (e.getPhase() == ConnectionPhase.CLOSE) {
                            closeSeenMs.putIfAbsent(e.getConnectionId(), now);
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // closing
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }

        /**
         * When the last event of the run that became visible more than {@link #LATE_MS} after its request was
         * answered did so, counting only those seen after {@code sinceMs}; -1 when there was none.
         */
        long lastLateArrival(String run, Map<Integer, Long> answeredAtMs, long sinceMs) {
            long last = -1;
            for (Map.Entry<String, Long> open : openSeenMs.entrySet()) {
                Long answered = answered(run, open.getKey(), answeredAtMs);
                if (answered != null && open.getValue() >= sinceMs && open.getValue() - answered > LATE_MS) {
                    last = Math.max(last, open.getValue());
                }
            }
            for (Map.Entry<String, Long> close : closeSeenMs.entrySet()) {
                String request = openConnection.get(close.getKey());
                Long answered = request == null ? null : answered(run, request, answeredAtMs);
                if (answered != null && close.getValue() >= sinceMs && close.getValue() - answered > LATE_MS) {
                    last = Math.max(last, close.getValue());
                }
            }
            return last;
        }

        private static Long answered(String run, String request, Map<Integer, Long> answeredAtMs) {
            return request.startsWith(run + "/") ? answeredAtMs.get(Integer.valueOf(request.substring(run.length() + 1)))
                    : null;
        }

        @Override
        public void close() {
            stop = true;
            consumer.wakeup();
            try {
                join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
