package io.zerotrust.jobs.risk.flink;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.avro.RiskScore;
import io.zerotrust.jobs.risk.detect.Entities;
import io.zerotrust.jobs.risk.score.RiskScoring;
import io.zerotrust.jobs.state.RiskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keeps each entity's risk: every anomaly adds its points and the entity's score is emitted at once (per event, not
 * at a window's end). As the score decays, an event-time timer reports the entity again each time it falls below a
 * level boundary (75, 50, 25), so that policy can release it; once nothing is left the state is cleared. State also
 * has a time-to-live as a backstop.
 */
public final class ScoringFunction extends KeyedProcessFunction<String, Anomaly, RiskScore> {

    private static final long serialVersionUID = 1L;
    /** Contributions carried on each score, largest first. */
    static final int TOP = 5;

    private final RiskScoring scoring;
    private final Duration stateTtl;
    private transient ValueState<RiskState> state;
    private transient ValueState<Long> timer;

    public ScoringFunction(RiskScoring scoring, Duration stateTtl) {
        this.scoring = scoring;
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        StateTtlConfig ttl = EntityTtl.of(stateTtl);
        ValueStateDescriptor<RiskState> risk = new ValueStateDescriptor<>("risk", new AvroTypeInfo<>(RiskState.class));
        risk.enableTimeToLive(ttl);
        state = getRuntimeContext().getState(risk);
        ValueStateDescriptor<Long> next = new ValueStateDescriptor<>("risk-timer", Long.class);
        next.enableTimeToLive(ttl);
        timer = getRuntimeContext().getState(next);
    }

    @Override
    public void processElement(Anomaly a, Context ctx, Collector<RiskScore> out) throws Exception {
        RiskState s = state.value();
        if (s == null) {
            s = RiskState.newBuilder().setContributions(new ArrayList<>()).build();
        }
        double score = scoring.add(s, a);
        state.update(s);
        List<String> evidence = a.getEvidenceEventIds();
        out.collect(score(ctx.getCurrentKey(), s, score, a.getEventTime(),
                evidence.isEmpty() ? null : evidence.get(evidence.size() - 1),
                ctx.timerService().currentProcessingTime()));
        schedule(ctx, s, score, a.getEventTime());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RiskScore> out) throws Exception {
        Long due = timer.value();
        if (due == null || due != timestamp) {
            return; // superseded by a later schedule
        }
        timer.clear();
        RiskState s = state.value();
        if (s == null) {
            return;
        }
        long now = Math.max(timestamp, s.getLastTime());
        scoring.prune(s, now);
        double score = scoring.score(s, now);
        s.setLastScore(score);
        s.setLastTime(now);
        out.collect(score(ctx.getCurrentKey(), s, score, now, null, ctx.timerService().currentProcessingTime()));
        if (s.getContributions().isEmpty()) {
            state.clear();
            return;
        }
        state.update(s);
        schedule(ctx, s, score, now);
    }

    /** A timer for when the score will fall below the boundary of its current level. */
    private void schedule(Context ctx, RiskState s, double score, long now) throws Exception {
        double boundary = floorOf(RiskScoring.levelOf(score));
        long at = boundary > 0 ? scoring.fallsBelowAt(s, boundary, now)
                : scoring.fallsBelowAt(s, 0.5, now); // low: report once more when it has all decayed away
        Long previous = timer.value();
        if (previous != null) {
            ctx.timerService().deleteEventTimeTimer(previous);
        }
        ctx.timerService().registerEventTimeTimer(at);
        timer.update(at);
    }

    static double floorOf(RiskLevel level) {
        return switch (level) {
            case CRITICAL -> 75;
            case HIGH -> 50;
            case MEDIUM -> 25;
            default -> 0;
        };
    }

    private RiskScore score(String entity, RiskState s, double score, long eventTime, String trigger, long now) {
        List<io.zerotrust.avro.Contribution> top = new ArrayList<>();
        for (RiskScoring.DetectorShare d : scoring.byDetector(s, eventTime)) {
            if (top.size() == TOP) {
                break;
            }
            top.add(io.zerotrust.avro.Contribution.newBuilder()
                    .setDetector(d.detector())
                    .setPoints(Math.round(d.points() * 10) / 10.0)
                    .setAnomalyId(d.latest().getAnomalyId())
                    .setExplanation(d.latest().getExplanation())
                    .setEvidenceEventIds(new ArrayList<>(d.latest().getEvidenceEventIds()))
                    .build());
        }
        return RiskScore.newBuilder()
                .setEntity(entity)
                .setEntityType(Entities.typeOf(entity))
                .setScore(Math.floor(score * 10) / 10.0) // down, so that score and level agree
                .setLevel(RiskScoring.levelOf(score))
                .setEventTime(eventTime)
                .setComputedAt(now)
                .setTriggerEventId(trigger)
                .setHalfLifeMs(scoring.halfLifeMs())
                .setContributions(top)
                .build();
    }
}
