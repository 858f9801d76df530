package io.zerotrust.jobs.risk.detect;

import io.zerotrust.jobs.state.Baseline;
import java.util.ArrayList;

/**
 * Online baselines: an exponentially weighted mean and variance of a measure taken per period (failures per 10
 * minutes, distinct destinations per hour) or per observation (log bytes per connection). Pure functions over
 * {@link Baseline}.
 */
public final class Baselines {

    private Baselines() {
    }

    public static Baseline empty() {
        return Baseline.newBuilder().setPeriodKeys(new ArrayList<>()).build();
    }

    /** Folds one observation {@code x} into the mean and variance with weight {@code alpha} (0-1). */
    public static void observe(Baseline b, double x, double alpha) {
        if (b.getPeriods() == 0) {
            b.setMean(x);
            b.setVariance(0.0);
        } else {
            double diff = x - b.getMean();
            double incr = alpha * diff;
            b.setMean(b.getMean() + incr);
            b.setVariance((1 - alpha) * (b.getVariance() + diff * incr));
        }
        b.setPeriods(b.getPeriods() + 1);
    }

    /**
     * Moves the baseline's current period forward to the one holding {@code time}: each finished period's value is
     * folded in (and empty periods in between as zeros, at most {@code maxGapPeriods} of them), then the current
     * period restarts. Times before the current period (late events) count in the current one.
     */
    public static void advance(Baseline b, long time, long periodMs, double alpha, int maxGapPeriods) {
        long start = time - Math.floorMod(time, periodMs);
        if (b.getPeriodStart() == 0) {
            b.setPeriodStart(start);
            return;
        }
        if (start <= b.getPeriodStart()) {
            return;
        }
        observe(b, currentValue(b), alpha);
        long gaps = Math.min(maxGapPeriods, (start - b.getPeriodStart()) / periodMs - 1);
        for (long i = 0; i < gaps; i++) {
            observe(b, 0.0, alpha);
        }
        b.setPeriodStart(start);
        b.setPeriodValue(0.0);
        b.setPeriodKeys(new ArrayList<>());
    }

    /** Adds to the current period's count. */
    public static void count(Baseline b, double amount) {
        b.setPeriodValue(b.getPeriodValue() + amount);
    }

    /** Adds a key to the current period's distinct set; its value is the number of distinct keys. */
    public static void countDistinct(Baseline b, String key) {
        if (!b.getPeriodKeys().contains(key)) {
            if (!(b.getPeriodKeys() instanceof ArrayList)) {
                b.setPeriodKeys(new ArrayList<>(b.getPeriodKeys()));
            }
            b.getPeriodKeys().add(key);
            b.setPeriodValue(b.getPeriodKeys().size());
        }
    }

    public static double currentValue(Baseline b) {
        return b.getPeriodValue();
    }

    public static double stddev(Baseline b) {
        return Math.sqrt(Math.max(0.0, b.getVariance()));
    }

    /**
     * The level above which a measure is unusual for this entity: {@code mean + k * stddev}, never below
     * {@code floor}. Before {@code warmupPeriods} have been seen the baseline knows nothing and the floor alone
     * applies.
     */
    public static double threshold(Baseline b, double k, double floor, long warmupPeriods) {
        if (b.getPeriods() < warmupPeriods) {
            return floor;
        }
        return Math.max(floor, b.getMean() + k * stddev(b));
    }
}
