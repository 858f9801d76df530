package io.zerotrust.demo.bench;

import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.HttpInfo;
import io.zerotrust.avro.SourceEndpoint;
import io.zerotrust.demo.sim.Attempt;
import io.zerotrust.demo.sim.Service;
import io.zerotrust.demo.sim.SimEvents;
import io.zerotrust.gateway.events.EventPublisher;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * The benchmark's offered load onto {@code conn.events}, produced with the gateway's own producer settings and
 * record keys, stamped with the time it is sent (as the gateway stamps its events):
 * <ul>
 *   <li>background: a population of users, each on one device from one address visiting two or three usual HTTP
 *       services (an OPEN and a CLOSE event per visit), at a rate that can be changed while it runs;</li>
 *   <li>probes: {@code triggersPerSecond} times a second a fresh address scans 15 ports (refused connections as the
 *       network sensor reports them), which the risk engine's port_scan rule blocks — every such decision is one
 *       measurement of the loop, from the 15th probe's event time to the gateway's ack.</li>
 * </ul>
 */
final class BenchLoad implements AutoCloseable {

    /** Probes per scan: the port_scan detector's default threshold. */
    static final int PROBES = 15;

    private final KafkaProducer<String, ConnectionEvent> producer;
    private final Clock clock;
    private final int users;
    private final String tag;
    private final double triggersPerSecond;
    private final SplittableRandom random = new SplittableRandom(7);
    private final List<Service> services = Service.ALL.stream().filter(s -> !s.tcp()).toList();
    private final AuthInfo jwt = new AuthInfo(AuthMethod.JWT, AuthResult.SUCCESS, null, SimEvents.ISSUER);
    private final HttpInfo get = new HttpInfo("GET", "/", null, "bench");
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Event time of each scan's last probe, by the scanning address's entity key. */
    private final Map<String, Long> scans = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile double rate;
    private volatile boolean running = true;
    private long seq;
    private int scanSeq;

    BenchLoad(String kafka, RegistryClient registry, Clock clock, int users, String tag, double triggersPerSecond) {
        this.producer = new KafkaProducer<>(EventPublisher.producerProperties(kafka, "bench-load"),
                Topics.CONN_EVENTS.keySerde().serializer(), Topics.CONN_EVENTS.valueSerde(registry).serializer());
        this.clock = clock;
        this.users = users;
        this.tag = tag;
        this.triggersPerSecond = triggersPerSecond;
        this.thread = new Thread(this::run, "bench-load");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Background events per second from now on (the probes come on top). */
    void rate(double eventsPerSecond) {
        rate = eventsPerSecond;
    }

    long sent() {
        return sent.get();
    }

    long failed() {
        return failed.get();
    }

    /** Each scan's entity key with its last probe's event time. */
    Map<String, Long> scans() {
        return scans;
    }

    private void run() {
        long start = clock.millis();
        double offered = 0;
        double triggers = 0;
        long last = start;
        while (running) {
            long now = clock.millis();
            double dt = (now - last) / 1000.0;
            last = now;
            offered += rate * dt;
            triggers += triggersPerSecond * dt;
            while (offered >= 2) { // a visit is two events
                visit(now);
                offered -= 2;
            }
            while (triggers >= 1) {
                scan();
                triggers -= 1;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void visit(long now) {
        int u = random.nextInt(users);
        Service s = services.get((u + random.nextInt(3)) % services.size());
        String ip = "10." + (64 + (u >> 16)) + "." + ((u >> 8) & 0xff) + "." + (u & 0xff);
        String user = "bu" + u + "-" + tag;
        String connection = tag + "-" + (seq++);
        SourceEndpoint src = new SourceEndpoint(ip, 40_000 + (int) (seq % 20_000), null, null, null);
        DestinationEndpoint dst = new DestinationEndpoint(s.name(), s.host(), null, s.port());
        ConnectionEvent.Builder b = ConnectionEvent.newBuilder().setEventTime(now).setOrigin("gateway")
                .setGatewayId("gw-bench").setConnectionId(connection).setUser(user).setDeviceId("bd" + u + "-" + tag)
                .setAuth(jwt).setSrc(src).setDst(dst).setProtocol("https").setTls(null).setHttp(get)
                .setBytesIn(0L).setBytesOut(0L).setDurationMs(0L).setRequestCount(0).setCloseReason(null)
                .setRejectReason(null).setDecision(null).setAttributes(Map.of());
        send(b.setEventId(connection + "-open").setPhase(ConnectionPhase.OPEN).build());
        long bytes = 2_000 + random.nextInt(40_000);
        send(b.setEventId(connection + "-close").setPhase(ConnectionPhase.CLOSE)
                .setDst(new DestinationEndpoint(s.name(), null, null, s.port())).setBytesOut(bytes)
                .setBytesIn(600L).setDurationMs(40L).setRequestCount(1).setCloseReason("client_closed").build());
    }

    /** A port scan from a fresh address in 100.64.0.0/10, its probes stamped as they are sent. */
    private void scan() {
        int n = scanSeq++;
        String ip = "100." + (64 + (n >> 16) % 64) + "." + ((n >> 8) & 0xff) + "." + (n & 0xff);
        long t = 0;
        for (int port = 0; port < PROBES; port++) {
            t = clock.millis();
            Attempt a = new Attempt(t, Attempt.Kind.PROBE, null, null, ip, null, 1_000 + port, 0, 0, "bench");
            SimEvents.of(a, t, "zeek").forEach(this::send);
        }
        scans.put("ip:" + ip, t);
    }

    private void send(ConnectionEvent e) {
        try {
            producer.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), EventPublisher.keyOf(e), e), (md, ex) -> {
                if (ex != null) {
                    failed.incrementAndGet();
                }
            });
        } catch (KafkaException ex) { // the gateway's settings give up on a full buffer after 2 s
            failed.incrementAndGet();
        }
        sent.incrementAndGet();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
        producer.close();
    }
}
