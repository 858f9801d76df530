package io.zerotrust.jobs.risk.score;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.jobs.state.Contribution;
import io.zerotrust.jobs.state.RiskState;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An entity's risk, 0-100: the sum of its detectors' contributions, each decaying exponentially from when it fired
 * with a configurable half-life, capped at 100. Pure functions over {@link RiskState}.
 */
public final class RiskScoring implements Serializable {

    private static final long serialVersionUID = 1L;
    /** A contribution decayed below this many points is forgotten. */
    static final double FORGET_BELOW = 0.5;
    /** Contributions kept per entity (the largest); more only come from a flood of firings. */
    static final int MAX_CONTRIBUTIONS = 50;

    private final long halfLifeMs;

    public RiskScoring(long halfLifeMs) {
        if (halfLifeMs <= 0) {
            throw new IllegalArgumentException("the half-life must be positive, not " + halfLifeMs + " ms");
        }
        this.halfLifeMs = halfLifeMs;
    }

    public long halfLifeMs() {
        return halfLifeMs;
    }

    /** {@code points} decayed from {@code firedAt} to {@code now} (no growth for a time before the firing). */
    public double decayed(double points, long firedAt, long now) {
        long age = Math.max(0, now - firedAt);
        return points * Math.pow(0.5, (double) age / halfLifeMs);
    }

    /** The level of a score: low below 25, medium below 50, high below 75, critical from 75. */
    public static RiskLevel levelOf(double score) {
        if (score >= 75) {
            return RiskLevel.CRITICAL;
        }
        if (score >= 50) {
            return RiskLevel.HIGH;
        }
        return score >= 25 ? RiskLevel.MEDIUM : RiskLevel.LOW;
    }

    /** Adds an anomaly's points and drops what has decayed away; returns the score at the anomaly's time. */
    public double add(RiskState s, Anomaly a) {
        if (!(s.getContributions() instanceof ArrayList)) {
            s.setContributions(new ArrayList<>(s.getContributions()));
        }
        s.getContributions().add(Contribution.newBuilder()
                .setDetector(a.getDetector())
                .setPoints(a.getScore())
                .setTime(a.getEventTime())
                .setAnomalyId(a.getAnomalyId())
                .setExplanation(a.getExplanation())
                .setEvidenceEventIds(new ArrayList<>(a.getEvidenceEventIds()))
                .build());
        long now = Math.max(a.getEventTime(), s.getLastTime());
        prune(s, now);
        double score = score(s, now);
        s.setLastScore(score);
        s.setLastTime(now);
        return score;
    }

    /** The score at {@code now}. */
    public double score(RiskState s, long now) {
        double sum = 0;
        for (Contribution c : s.getContributions()) {
            sum += decayed(c.getPoints(), c.getTime(), now);
        }
        return Math.min(100.0, sum);
    }

    /**
     * Forgets contributions decayed below half a point, and keeps at most the largest 50. Builds a new list: state
     * read back from a checkpoint holds Avro's own list type, which cannot remove through an iterator.
     */
    public void prune(RiskState s, long now) {
        List<Contribution> kept = new ArrayList<>(s.getContributions().size());
        for (Contribution c : s.getContributions()) {
            if (decayed(c.getPoints(), c.getTime(), now) >= FORGET_BELOW) {
                kept.add(c);
            }
        }
        if (kept.size() > MAX_CONTRIBUTIONS) {
            kept.sort(Comparator.comparingDouble((Contribution c) -> -decayed(c.getPoints(), c.getTime(), now)));
            kept = new ArrayList<>(kept.subList(0, MAX_CONTRIBUTIONS));
            kept.sort(Comparator.comparingLong(Contribution::getTime));
        }
        s.setContributions(kept);
    }

    /**
     * The current points per detector, largest first, with the latest firing's anomaly, explanation and evidence:
     * what a score or a decision explains itself with.
     */
    public List<DetectorShare> byDetector(RiskState s, long now) {
        Map<String, DetectorShare> shares = new LinkedHashMap<>();
        for (Contribution c : s.getContributions()) {
            double p = decayed(c.getPoints(), c.getTime(), now);
            DetectorShare prev = shares.get(c.getDetector());
            shares.put(c.getDetector(), prev == null ? new DetectorShare(c.getDetector(), p, c)
                    : new DetectorShare(c.getDetector(), prev.points() + p,
                            c.getTime() >= prev.latest().getTime() ? c : prev.latest()));
        }
        List<DetectorShare> out = new ArrayList<>(shares.values());
        out.sort(Comparator.comparingDouble((DetectorShare d) -> -d.points()));
        return out;
    }

    /**
     * When the entity's score, decaying from {@code now} with no new firing, falls below {@code level}: every
     * contribution decays at the same rate, so the uncapped sum halves every half-life. {@code now} if it is already
     * below.
     */
    public long fallsBelowAt(RiskState s, double level, long now) {
        double sum = 0;
        for (Contribution c : s.getContributions()) {
            sum += decayed(c.getPoints(), c.getTime(), now);
        }
        if (sum < level) {
            return now;
        }
        return now + (long) Math.ceil(Math.log(sum / level) / Math.log(2) * halfLifeMs) + 1;
    }

    /** One detector's current share of an entity's score. */
    public record DetectorShare(String detector, double points, Contribution latest) {
    }
}
