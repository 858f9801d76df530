package io.zerotrust.jobs.risk.flink;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.risk.detect.Detector;
import io.zerotrust.jobs.risk.detect.Entities;
import io.zerotrust.jobs.risk.detect.Finding;
import io.zerotrust.schemas.flink.SpecificRecordTypeInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The thin keyed operator around the detectors of one entity type: events are keyed by that entity (user, source
 * address), each detector keeps its Avro state in its own value state, and each finding becomes an {@link Anomaly}
 * whose id is derived from detector, entity and event, so a replay produces the same ids. A finding also counts
 * against the device and the destination service of the event that triggered it (same points, attribute {@code via}
 * naming the entity it was found on), so that devices and services carry risk too.
 *
 * <p>An entity unseen for the state's time-to-live (in event time) starts afresh: one event-time timer per entity,
 * on the full hour after its newest event plus the time-to-live, clears all its state, so entities that never come
 * back (a scanner's address) do not stay in memory. Flink's own state TTL is not used here: with the heap state
 * backend its incremental cleanup walked the state tables on every access, a third of the job's CPU at 10,000
 * events/s.
 *
 * <p>An event behind the watermark (later than the configured out-of-orderness allows) is not scored: it goes to the
 * {@link #LATE} side output and is counted ({@code lateEvents}). The operator that reports late events also counts
 * them per source, in the metric group {@code origin.<origin>.sensor.<sensor>} ({@code lateEvents}: the event's
 * {@code origin}, such as zeek or gateway, and its sensor or gateway id), so that a replay that sends history out of
 * order shows which sensor's records were dropped. At most {@link #MAX_LATE_SOURCES} sources per operator instance
 * are told apart; any further ones are counted under sensor {@code other}.
 */
public final class DetectorFunction extends KeyedProcessFunction<String, ConnectionEvent, Anomaly> {

    private static final long serialVersionUID = 1L;
    private static final long HOUR = 3_600_000L;
    /**
     * The newest event time is written at most once a minute per entity: each write puts a new object into state
     * that has long been in the old generation, and every such reference costs the next young collection a card to
     * scan (a pause on the decision path). An entity may so be forgotten up to a minute early of its time-to-live.
     */
    static final long LAST_SEEN_STEP = 60_000L;
    /** How many sources (origin and sensor) an operator instance counts late events for separately. */
    static final int MAX_LATE_SOURCES = 256;
    public static final OutputTag<ConnectionEvent> LATE = new OutputTag<>("late-events",
            new SpecificRecordTypeInfo<>(ConnectionEvent.class));

    private final EntityType type;
    private final List<Detector<?>> detectors;
    private final Duration stateTtl;
    private final boolean reportLate;
    private transient List<ValueState<SpecificRecord>> states;
    /** The newest event time of the entity; present while a cleanup timer is pending for it. */
    private transient ValueState<Long> lastSeen;
    private transient Map<String, Counter> fired;
    private transient Counter events;
    private transient Counter late;
    private transient Map<String, Counter> lateBySource;

    /**
     * @param reportLate whether late events go to the side output (one operator per event should report them,
     *                   the others only count them)
     */
    public DetectorFunction(EntityType type, List<Detector<?>> detectors, Duration stateTtl, boolean reportLate) {
        for (Detector<?> d : detectors) {
            if (d.entityType() != type) {
                throw new IllegalArgumentException(d.name() + " watches " + d.entityType() + ", not " + type);
            }
        }
        this.type = type;
        this.detectors = List.copyOf(detectors);
        this.stateTtl = stateTtl;
        this.reportLate = reportLate;
    }

    @Override
    public void open(OpenContext openContext) {
        states = new ArrayList<>();
        fired = new HashMap<>();
        lastSeen = getRuntimeContext().getState(new ValueStateDescriptor<>("last-seen", Types.LONG));
        for (Detector<?> d : detectors) {
            states.add(getRuntimeContext().getState(descriptor(d)));
            fired.put(d.name(), getRuntimeContext().getMetricGroup().addGroup("detector", d.name())
                    .counter("anomalies"));
        }
        events = getRuntimeContext().getMetricGroup().counter("events");
        late = getRuntimeContext().getMetricGroup().counter("lateEvents");
        lateBySource = new HashMap<>();
    }

    /** The late events counted for a source (origin and sensor) by this instance so far. */
    long lateEvents(String origin, String sensor) {
        Counter c = lateBySource.get(origin + '\u0000' + sensor);
        return c == null ? 0 : c.getCount();
    }

    /** The late-events counter of the event's source: its origin and sensor. */
    private Counter lateCounter(ConnectionEvent e) {
        String origin = e.getOrigin() == null ? "unknown" : e.getOrigin();
        String sensor = e.getGatewayId() == null || e.getGatewayId().isEmpty() ? "unknown" : e.getGatewayId();
        String key = origin + '\u0000' + sensor;
        Counter c = lateBySource.get(key);
        if (c == null) {
            if (lateBySource.size() >= MAX_LATE_SOURCES) {
                sensor = "other";
                key = origin + '\u0000' + sensor;
                c = lateBySource.get(key);
            }
            if (c == null) {
                c = getRuntimeContext().getMetricGroup().addGroup("origin", origin).addGroup("sensor", sensor)
                        .counter("lateEvents");
                lateBySource.put(key, c);
            }
        }
        return c;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ValueStateDescriptor<SpecificRecord> descriptor(Detector<?> d) {
        return new ValueStateDescriptor<>(d.name() + "-" + d.entityType().name().toLowerCase() + "-state",
                new AvroTypeInfo(d.stateClass()));
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void processElement(ConnectionEvent e, Context ctx, Collector<Anomaly> out) throws Exception {
        Long ts = ctx.timestamp();
        if (ts != null && ts < ctx.timerService().currentWatermark()) {
            late.inc();
            if (reportLate) {
                lateCounter(e).inc();
                ctx.output(LATE, e);
            }
            return;
        }
        events.inc();
        Long seen = lastSeen.value();
        if (seen == null) {
            ctx.timerService().registerEventTimeTimer(cleanupTime(e.getEventTime()));
        }
        if (seen == null || e.getEventTime() >= seen + LAST_SEEN_STEP) {
            lastSeen.update(e.getEventTime());
        }
        String entity = ctx.getCurrentKey();
        for (int i = 0; i < detectors.size(); i++) {
            Detector d = detectors.get(i);
            ValueState<SpecificRecord> state = states.get(i);
            SpecificRecord s = state.value();
            if (s == null) {
                s = d.newState();
            }
            Optional<Finding> f = d.observe(s, e);
            state.update(s);
            if (f.isPresent()) {
                fired.get(d.name()).inc();
                long now = ctx.timerService().currentProcessingTime();
                out.collect(anomaly(d.name(), entity, type, e, f.get(), now, null));
                for (String related : new String[] {Entities.device(e), Entities.service(e)}) {
                    if (related != null && !related.equals(entity)) {
                        out.collect(anomaly(d.name(), related, Entities.typeOf(related), e, f.get(), now, entity));
                    }
                }
            }
        }
    }

    /**
     * The entity's cleanup timer fired: forget everything about it if it was not seen for the time-to-live, else look
     * again when the time-to-live after its newest event has passed.
     */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Anomaly> out) throws Exception {
        Long seen = lastSeen.value();
        if (seen == null) {
            return;
        }
        if (seen + stateTtl.toMillis() <= timestamp) {
            for (ValueState<SpecificRecord> s : states) {
                s.clear();
            }
            lastSeen.clear();
        } else {
            ctx.timerService().registerEventTimeTimer(cleanupTime(seen));
        }
    }

    /** When to look at an entity seen at {@code time} again: its time-to-live later, on the next full hour. */
    private long cleanupTime(long time) {
        long at = time + stateTtl.toMillis();
        return (at / HOUR + 1) * HOUR;
    }

    private static Anomaly anomaly(String detector, String entity, EntityType entityType, ConnectionEvent e, Finding f,
                                   long now, String via) {
        Map<String, String> attributes = new HashMap<>(f.attributes());
        if (via != null) {
            attributes.put("via", via);
        }
        return Anomaly.newBuilder()
                .setAnomalyId(anomalyId(detector, entity, e.getEventId()))
                .setDetector(detector)
                .setEntity(entity)
                .setEntityType(entityType)
                .setSeverity(f.severity())
                .setScore(f.points())
                .setEventTime(e.getEventTime())
                .setDetectedAt(now)
                .setWindowStart(f.windowStart())
                .setWindowEnd(f.windowEnd())
                .setExplanation(f.explanation())
                .setObserved(f.observed())
                .setBaseline(f.baseline())
                .setEvidenceEventIds(new ArrayList<>(f.evidenceEventIds()))
                .setAttributes(attributes)
                .build();
    }

    /** Deterministic: the same detector, entity and event give the same id on a replay. */
    public static String anomalyId(String detector, String entity, String eventId) {
        return "an-" + UUID.nameUUIDFromBytes((detector + "|" + entity + "|" + eventId)
                .getBytes(StandardCharsets.UTF_8));
    }
}
