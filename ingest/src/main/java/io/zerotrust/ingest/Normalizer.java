package io.zerotrust.ingest;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DeadLetter;
import io.zerotrust.avro.DeviceInventory;
import io.zerotrust.avro.IdentityInventory;
import io.zerotrust.ingest.parse.BadRecord;
import io.zerotrust.ingest.parse.Events;
import io.zerotrust.ingest.parse.Memory;
import io.zerotrust.ingest.parse.SourceParser;
import io.zerotrust.schemas.geo.GeoTable;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Normalizes one source's raw records: parses each into connection events, drops a record whose events it has
 * already written within the dedup window (a shipper that sent a record twice), and sends what it cannot parse or map to the
 * dead-letter topic with the original bytes, where it came from and why. It never fails on a record: an
 * unexpected error in a parser is dead-lettered too, as {@code internal_error}.
 *
 * <p>Metrics (group {@code zt-ingest}, tag {@code source}): {@code records-in-total}, {@code events-out-total},
 * {@code duplicates-total}, and {@code dead-lettered-total} with a {@code reason} tag.
 */
final class Normalizer implements Processor<byte[], byte[], String, SpecificRecord> {

    static final String METRIC_GROUP = "zt-ingest";

    private final SourceParser parser;
    private final Duration window;
    private final Inventory inventory;
    private final GeoTable geo;
    private ReadOnlyKeyValueStore<String, DeviceInventory> devices;
    private ReadOnlyKeyValueStore<String, IdentityInventory> identities;
    private ProcessorContext<String, SpecificRecord> context;
    private WindowStore<String, Long> seen;
    private WindowStore<String, String> remembered;
    private Sensor in;
    private Sensor out;
    private Sensor duplicates;
    private final Map<String, Sensor> deadLettered = new HashMap<>();
    private long now;

    Normalizer(SourceParser parser, Duration window, Inventory inventory, GeoTable geo) {
        this.parser = parser;
        this.window = window;
        this.inventory = inventory;
        this.geo = geo;
    }

    static String seenStore(String source) {
        return "seen-" + source;
    }

    static String memoryStore(String source) {
        return "memory-" + source;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.seen = context.getStateStore(seenStore(parser.source()));
        this.remembered = context.getStateStore(memoryStore(parser.source()));
        this.devices = context.getStateStore(Inventory.DEVICES_STORE);
        this.identities = context.getStateStore(Inventory.IDENTITIES_STORE);
        // global stores are complete before processing starts: index them now, then every REFRESH_MS at most
        inventory.refresh(devices, identities, System.currentTimeMillis(), false);
        context.schedule(Duration.ofMillis(Inventory.REFRESH_MS), PunctuationType.WALL_CLOCK_TIME,
                t -> inventory.refresh(devices, identities, t, false));
        this.in = counter("records-in-total", "raw records read", Map.of());
        this.out = counter("events-out-total", "connection events written", Map.of());
        this.duplicates = counter("duplicates-total", "records dropped as repeats within the dedup window",
                Map.of());
    }

    private Sensor counter(String name, String description, Map<String, String> extraTags) {
        Map<String, String> tags = new HashMap<>(extraTags);
        tags.put("source", parser.source());
        String sensorName = METRIC_GROUP + "." + parser.source() + "." + name + extraTags;
        synchronized (Normalizer.class) {
            Sensor s = context.metrics().addSensor(sensorName, Sensor.RecordingLevel.INFO);
            if (!s.hasMetrics()) {
                s.add(new MetricName(name, METRIC_GROUP, description, tags), new CumulativeCount());
            }
            return s;
        }
    }

    /** What the current record's outputs carry ({@link #passedOn}). */
    private Headers headers;

    private final Memory memory = new Memory() {
        @Override
        public String get(String key) {
            try (WindowStoreIterator<String> it = remembered.backwardFetch(key, now - window.toMillis(), now)) {
                return it.hasNext() ? it.next().value : null;
            }
        }

        @Override
        public void put(String key, String value) {
            remembered.put(key, value, now);
        }
    };

    /**
     * The headers the record's outputs carry: only a replay's mark ({@link Replay#HEADER}), by which
     * {@code ./pipeline replay} finds what became of each record it sent; null for a record without one.
     */
    private static Headers passedOn(Record<byte[], byte[]> record) {
        Header mark = record.headers() == null ? null : record.headers().lastHeader(Replay.HEADER);
        return mark == null ? null : new RecordHeaders(new Header[] {mark});
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        in.record();
        now = record.timestamp();
        headers = passedOn(record);
        byte[] raw = record.value();
        if (raw == null || raw.length == 0) {
            deadLetter(raw, "empty_record", "the record has no value");
            return;
        }
        List<ConnectionEvent> events;
        try {
            events = parser.parse(raw, now, memory);
        } catch (BadRecord bad) {
            deadLetter(raw, bad.errorType(), bad.getMessage());
            return;
        } catch (RuntimeException e) {
            deadLetter(raw, "internal_error", "the " + parser.source() + " parser failed on this record: " + e);
            return;
        }
        if (events.isEmpty()) {
            return;
        }
        // One look-up per record, not per event: a record's events are derived from it together, so the first
        // event's id stands for the record (a Zeek uid, a Windows host and record number, an sshd line's hash).
        String id = events.get(0).getEventId();
        try (WindowStoreIterator<Long> it = seen.fetch(id, now - window.toMillis(), now)) {
            if (it.hasNext()) {
                duplicates.record();
                return;
            }
        }
        seen.put(id, now, now);
        Inventory.Snapshot known = inventory.current();
        for (ConnectionEvent e : events) {
            enrich(e, known);
            String key = e.getUser() != null ? "user:" + e.getUser() : "ip:" + e.getSrc().getIp();
            context.forward(new Record<String, SpecificRecord>(key, e, now, headers), IngestTopology.EVENTS_SINK);
            out.record();
        }
    }

    /**
     * Adds what the inventories and the address table know: the device (by device id, else the source's host name,
     * else its address) fills a missing device id and a missing source address, and adds its owner and
     * criticality; the user's department and privilege; the source address's country.
     */
    void enrich(ConnectionEvent e, Inventory.Snapshot known) {
        String ip = e.getSrc().getIp();
        boolean noAddress = ip == null || Events.UNKNOWN_IP.equals(ip);
        DeviceInventory d = known.device(e.getDeviceId(), e.getSrc().getHost(), noAddress ? null : ip);
        IdentityInventory who = known.identity(e.getUser());
        Map<String, String> attrs = null;
        if (d != null) {
            attrs = new HashMap<>(e.getAttributes());
            if (e.getDeviceId() == null) {
                e.setDeviceId(d.getDeviceId());
            }
            if (noAddress && !d.getAddresses().isEmpty()) {
                e.getSrc().setIp(d.getAddresses().get(0));
                attrs.put("src_ip_from", "inventory");
            }
            if (d.getOwner() != null) {
                attrs.put("device_owner", d.getOwner());
            }
            attrs.put("device_criticality", d.getCriticality().name());
        }
        if (who != null) {
            attrs = attrs != null ? attrs : new HashMap<>(e.getAttributes());
            if (who.getDepartment() != null) {
                attrs.put("user_department", who.getDepartment());
            }
            attrs.put("user_privileged", Boolean.toString(who.getPrivileged()));
        }
        if (attrs != null) {
            e.setAttributes(attrs);
        }
        if (e.getSrc().getCountry() == null && !Events.UNKNOWN_IP.equals(e.getSrc().getIp())) {
            geo.locate(e.getSrc().getIp()).ifPresent(place -> e.getSrc().setCountry(place.country()));
        }
    }

    private void deadLetter(byte[] raw, String errorType, String reason) {
        Optional<RecordMetadata> meta = context.recordMetadata();
        DeadLetter d = DeadLetter.newBuilder()
                .setId(UUID.randomUUID().toString())
                .setFailedAt(System.currentTimeMillis())
                .setStage("ingest")
                .setSource(parser.source())
                .setTopic(meta.map(RecordMetadata::topic).orElse(null))
                .setPartition(meta.map(RecordMetadata::partition).orElse(null))
                .setOffset(meta.map(RecordMetadata::offset).orElse(null))
                .setReason(reason)
                .setErrorType(errorType)
                .setPayload(ByteBuffer.wrap(raw == null ? new byte[0] : raw))
                .build();
        context.forward(new Record<String, SpecificRecord>(null, d, now, headers), IngestTopology.DLQ_SINK);
        deadLettered.computeIfAbsent(errorType, t -> counter("dead-lettered-total",
                "records sent to telemetry.dlq, by reason", Map.of("reason", t))).record();
    }
}
