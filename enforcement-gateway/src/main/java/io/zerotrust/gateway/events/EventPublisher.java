package io.zerotrust.gateway.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.serde.AvroCodec;
import io.zerotrust.schemas.topics.Topics;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets connection events to Kafka without ever blocking the proxy: {@link #emit} only offers to a bounded queue, and
 * one sender thread encodes and sends. What cannot go to Kafka (the queue is full, or a send fails after the
 * producer's retries) is appended to a spill file and replayed once sends succeed again. Nothing is lost silently:
 * every path is counted ({@code gateway_events_total{outcome=...}}), and only a failure to write the spill file
 * drops an event, which is counted and logged.
 *
 * <p>Also publishes decision acknowledgements and manual decisions, which are not on the data path.
 */
public final class EventPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final AvroCodec<ConnectionEvent> events;
    private final AvroCodec<DecisionApplied> acks;
    private final AvroCodec<EnforcementDecision> decisions;
    private final EventQueue<ConnectionEvent> queue;
    private final Path spillFile;
    private final Thread sender;
    private final Counter sent;
    private final Counter spilled;
    private final Counter replayed;
    private final Counter dropped;
    private final AtomicLong pendingSpill = new AtomicLong();
    private final AtomicLong lastSendOkMs = new AtomicLong();
    private final AtomicLong lastSendFailMs = new AtomicLong();
    private volatile boolean running = true;

    public EventPublisher(String bootstrap, RegistryClient registry, int capacity, Path spillDir, String clientId,
                          MeterRegistry metrics) throws IOException {
        Properties p = producerProperties(bootstrap, clientId);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.events = new AvroCodec<>(ConnectionEvent.class, registry, Topics.CONN_EVENTS.valueSubject(), true);
        this.acks = new AvroCodec<>(DecisionApplied.class, registry, Topics.ENFORCEMENT_ACKS.valueSubject(), true);
        this.decisions = new AvroCodec<>(EnforcementDecision.class, registry,
                Topics.ENFORCEMENT_DECISIONS.valueSubject(), true);
        this.queue = new EventQueue<>(capacity);
        Files.createDirectories(spillDir);
        this.spillFile = spillDir.resolve("conn-events.spill");
        if (Files.exists(spillFile)) {
            pendingSpill.set(countSpilled(spillFile));
        }
        this.sent = metrics.counter("gateway_events_total", "outcome", "sent");
        this.spilled = metrics.counter("gateway_events_total", "outcome", "spilled");
        this.replayed = metrics.counter("gateway_events_total", "outcome", "replayed");
        this.dropped = metrics.counter("gateway_events_total", "outcome", "dropped");
        metrics.gauge("gateway_event_queue_depth", queue, EventQueue::size);
        metrics.gauge("gateway_event_spill_pending", pendingSpill, AtomicLong::get);
        this.sender = new Thread(this::run, "event-sender");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    /** Queues an event for Kafka; never blocks. A full queue sends the event to the spill file. */
    public void emit(ConnectionEvent event) {
        if (!queue.offer(event)) {
            spill(keyOf(event), encodeOrNull(event));
        }
    }

    /** Publishes a decision acknowledgement (asynchronously; failures are logged and counted). */
    public void ack(DecisionApplied ack) {
        producer.send(new ProducerRecord<>(Topics.ENFORCEMENT_ACKS.name(), ack.getDecisionId(), acks.encode(ack)),
                (md, e) -> {
                    if (e != null) {
                        LOG.warn("cannot publish the ack of decision {}: {}", ack.getDecisionId(), e.toString());
                    }
                });
    }

    /** Publishes a decision (manual override) and waits until Kafka has it. */
    public void publishDecision(EnforcementDecision decision) throws Exception {
        producer.send(new ProducerRecord<>(Topics.ENFORCEMENT_DECISIONS.name(), decision.getEntity(),
                decisions.encode(decision))).get(10, TimeUnit.SECONDS);
    }

    /** Resolves the schema ids of everything this publisher writes; call at start, while the registry answers. */
    public void resolveSchemas() {
        events.writerSchemaId();
        acks.writerSchemaId();
        decisions.writerSchemaId();
    }

    private void run() {
        long lastReplayTry = 0;
        while (running || !queue.isEmpty()) {
            try {
                ConnectionEvent e = queue.poll(100);
                if (e != null) {
                    send(e);
                }
                long now = System.currentTimeMillis();
                // While sends succeed, replay soon; otherwise probe every few seconds with the oldest spilled event, so
                // that the file is replayed when Kafka returns even if no new traffic proves it.
                if (pendingSpill.get() > 0 && now - lastReplayTry > (healthy(now) ? 1_000 : 5_000)) {
                    lastReplayTry = now;
                    replay();
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException ex) {
                LOG.warn("event sender: {}", ex.toString());
            }
        }
    }

    private boolean healthy(long now) {
        return lastSendOkMs.get() > lastSendFailMs.get() && now - lastSendFailMs.get() > 2_000;
    }

    private void send(ConnectionEvent e) {
        String key = keyOf(e);
        byte[] value = encodeOrNull(e);
        if (value == null) {
            return;
        }
        sendBytes(key, value, sent);
    }

    private void sendBytes(String key, byte[] value, Counter onSuccess) {
        try {
            producer.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), key, value), (md, ex) -> {
                if (ex == null) {
                    onSuccess.increment();
                    lastSendOkMs.set(System.currentTimeMillis());
                } else {
                    lastSendFailMs.set(System.currentTimeMillis());
                    spill(key, value);
                }
            });
        } catch (RuntimeException ex) {
            // metadata unavailable within max.block.ms, buffer exhausted, ...: the broker is away
            lastSendFailMs.set(System.currentTimeMillis());
            spill(key, value);
        }
    }

    private byte[] encodeOrNull(ConnectionEvent e) {
        try {
            return events.encode(e);
        } catch (RuntimeException ex) {
            // Schema ids are resolved at start (see resolveSchemas), so this is a record the schema rejects.
            LOG.error("cannot encode event {}: {}; it is dropped", e.getEventId(), ex.getMessage());
            dropped.increment();
            return null;
        }
    }

    private synchronized void spill(String key, byte[] value) {
        if (value == null) {
            return;
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(spillFile,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)))) {
            out.writeUTF(key == null ? "" : key);
            out.writeInt(value.length);
            out.write(value);
            spilled.increment();
            pendingSpill.incrementAndGet();
        } catch (IOException io) {
            dropped.increment();
            LOG.error("cannot write the spill file {}: an event is lost ({})", spillFile, io.toString());
        }
    }

    /**
     * Sends what was spilled; what fails again is spilled again by the send callback. The oldest spilled event goes
     * first, alone, and the rest follows only once Kafka has taken it: a probe that fails leaves the file as it is.
     */
    private void replay() {
        byte[][] first;
        synchronized (this) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(spillFile)))) {
                first = readRecord(in);
            } catch (IOException e) {
                return;
            }
        }
        if (first == null) {
            return;
        }
        String firstKey = first[0].length == 0 ? null : new String(first[0], StandardCharsets.UTF_8);
        try {
            // waits at most delivery.timeout.ms (30 s); a probe given up earlier could still land and be sent twice
            producer.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), firstKey, first[1])).get();
            lastSendOkMs.set(System.currentTimeMillis());
            replayed.increment();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException | RuntimeException e) {
            lastSendFailMs.set(System.currentTimeMillis());
            return;
        }
        Path replaying = spillFile.resolveSibling(spillFile.getFileName() + ".replaying");
        synchronized (this) {
            try {
                Files.move(spillFile, replaying, StandardCopyOption.REPLACE_EXISTING);
                pendingSpill.set(0);
            } catch (IOException e) {
                LOG.error("cannot replay the spill file {}: {}; the oldest event in it may be sent twice", spillFile,
                        e.toString());
                return;
            }
        }
        int n = 1;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(replaying)))) {
            readRecord(in); // the probe, sent above
            for (byte[][] r; (r = readRecord(in)) != null; n++) {
                sendBytes(r[0].length == 0 ? null : new String(r[0], StandardCharsets.UTF_8), r[1], replayed);
            }
            producer.flush();
            Files.deleteIfExists(replaying);
            LOG.info("replayed {} spilled events", n);
        } catch (IOException e) {
            LOG.error("cannot replay the spill file {}: {}", replaying, e.toString());
        }
    }

    /** The next spilled record as {key bytes, value}, or null at the end of the file. */
    private static byte[][] readRecord(DataInputStream in) throws IOException {
        String key;
        try {
            key = in.readUTF();
        } catch (EOFException eof) {
            return null;
        }
        byte[] value = new byte[in.readInt()];
        in.readFully(value);
        return new byte[][] {key.getBytes(StandardCharsets.UTF_8), value};
    }

    private static long countSpilled(Path file) throws IOException {
        long n = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            while (true) {
                try {
                    in.readUTF();
                } catch (EOFException eof) {
                    return n;
                }
                in.skipNBytes(in.readInt());
                n++;
            }
        }
    }

    /**
     * The settings the gateway's event producer runs with (also what a load generator standing in for gateways
     * should use).
     */
    public static Properties producerProperties(String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Fewer, larger requests: at thousands of connections per second the producer's network thread, not the
        // proxy, was the gateway's largest consumer of CPU with 5 ms batches. 20 ms adds at most that to detection.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        // snappy, not lz4: Kafka's lz4 stream allocates two 64 KiB arrays for every batch it opens (a quarter of all
        // the bytes a gateway-shaped load allocated), snappy's reuses its buffers; same send time (docs/benchmarks.md)
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "snappy");
        // A send that has not succeeded in 30 s goes to the spill file instead of being retried in memory.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        // The sender thread, not the proxy, waits here; keep it short so the queue keeps draining to the spill file.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        return p;
    }

    /** The Kafka key of a connection event: its principal ({@code user:<name>}, else {@code ip:<address>}). */
    public static String keyOf(ConnectionEvent e) {
        return e.getUser() != null ? "user:" + e.getUser() : "ip:" + e.getSrc().getIp();
    }

    /** Sends what is queued (waiting up to 10 s), then closes the producer. */
    @Override
    public void close() {
        running = false;
        try {
            sender.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
