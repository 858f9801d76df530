package io.zerotrust.jobs.risk.detect;

import io.zerotrust.jobs.state.SlowWindowState;
import java.util.ArrayList;
import java.util.List;

/**
 * Long sliding windows whose cost does not grow with the event rate (pure functions over {@link SlowWindowState}):
 * counts are kept per bucket of a seventy-second of the window (5 minutes of a 6-hour window), distinct values as one
 * entry each ({@link Windows#addDistinct}, capped at {@link #MAX_DISTINCT}), and evidence as the newest
 * {@link #EVIDENCE} event ids. A count covers the {@link #BUCKETS} buckets up to the newest one, so it spans between
 * the window less one bucket and the window.
 */
public final class SlowWindows {

    /** Buckets per window. */
    public static final int BUCKETS = 72;
    /** Event ids kept as evidence. */
    public static final int EVIDENCE = 20;
    /** Distinct values kept per window; past it the oldest go first. */
    public static final int MAX_DISTINCT = 2_000;

    private SlowWindows() {
    }

    public static SlowWindowState empty() {
        return SlowWindowState.newBuilder().setBucketStarts(new ArrayList<>()).setBucketCounts(new ArrayList<>())
                .setDistinct(Windows.empty()).setEvidence(new ArrayList<>()).setBaseline(Baselines.empty()).build();
    }

    public static long bucketMs(long windowMs) {
        return Math.max(1, windowMs / BUCKETS);
    }

    /**
     * Counts one observation at {@code time} in its bucket (a late one in place) and drops the buckets that fell out
     * of the window before the newest. An observation older than the window's first bucket is not counted.
     */
    public static void count(SlowWindowState s, long time, long windowMs) {
        mutable(s);
        long bucketMs = bucketMs(windowMs);
        long start = time - Math.floorMod(time, bucketMs);
        List<Long> starts = s.getBucketStarts();
        List<Long> counts = s.getBucketCounts();
        if (!starts.isEmpty() && start <= starts.get(starts.size() - 1) - (long) BUCKETS * bucketMs) {
            return;
        }
        int i = starts.size();
        while (i > 0 && starts.get(i - 1) > start) {
            i--;
        }
        if (i > 0 && starts.get(i - 1) == start) {
            counts.set(i - 1, counts.get(i - 1) + 1);
        } else {
            starts.add(i, start);
            counts.add(i, 1L);
        }
        long oldest = starts.get(starts.size() - 1) - (long) (BUCKETS - 1) * bucketMs;
        int drop = 0;
        while (drop < starts.size() && starts.get(drop) < oldest) {
            drop++;
        }
        if (drop > 0) {
            starts.subList(0, drop).clear();
            counts.subList(0, drop).clear();
        }
    }

    /** Takes back one observation counted at {@code time}, if its bucket is still in the window. */
    public static boolean uncount(SlowWindowState s, long time, long windowMs) {
        mutable(s);
        long start = time - Math.floorMod(time, bucketMs(windowMs));
        int i = s.getBucketStarts().indexOf(start);
        if (i < 0 || s.getBucketCounts().get(i) <= 0) {
            return false;
        }
        s.getBucketCounts().set(i, s.getBucketCounts().get(i) - 1);
        return true;
    }

    /** The observations counted in the window. */
    public static long total(SlowWindowState s) {
        long n = 0;
        for (long c : s.getBucketCounts()) {
            n += c;
        }
        return n;
    }

    /** The observations counted in the buckets that overlap the last {@code spanMs} before the newest bucket's end. */
    public static long recent(SlowWindowState s, long spanMs, long windowMs) {
        List<Long> starts = s.getBucketStarts();
        if (starts.isEmpty()) {
            return 0;
        }
        long bucketMs = bucketMs(windowMs);
        long from = starts.get(starts.size() - 1) + bucketMs - spanMs;
        long n = 0;
        for (int i = starts.size() - 1; i >= 0 && starts.get(i) + bucketMs > from; i--) {
            n += s.getBucketCounts().get(i);
        }
        return n;
    }

    /** Where the counted window starts: the oldest bucket's start, or 0 when empty. */
    public static long start(SlowWindowState s) {
        return s.getBucketStarts().isEmpty() ? 0 : s.getBucketStarts().get(0);
    }

    /** Adds a distinct value ({@link Windows#addDistinct}); the window's size is then the distinct count. */
    public static void addDistinct(SlowWindowState s, long time, String value, String eventId, long windowMs) {
        Windows.addDistinct(s.getDistinct(), time, value, eventId, windowMs, MAX_DISTINCT);
    }

    /** The distinct values whose latest time is within {@code spanMs} of {@code time}. */
    public static int distinctSince(SlowWindowState s, long time, long spanMs) {
        List<Long> times = s.getDistinct().getTimes();
        int n = 0;
        for (int i = times.size() - 1; i >= 0 && times.get(i) > time - spanMs; i--) {
            n++;
        }
        return n;
    }

    /** Keeps {@code eventId} among the newest {@link #EVIDENCE} event ids. */
    public static void addEvidence(SlowWindowState s, String eventId) {
        mutable(s);
        List<String> ids = s.getEvidence();
        ids.add(eventId);
        if (ids.size() > EVIDENCE) {
            ids.subList(0, ids.size() - EVIDENCE).clear();
        }
    }

    public static List<String> evidence(SlowWindowState s) {
        return new ArrayList<>(s.getEvidence());
    }

    /** Whole hours when the window is a number of hours ({@code 6 h}), else minutes ({@code 90 min}). */
    public static String describe(long windowMs) {
        long minutes = windowMs / 60_000;
        return minutes % 60 == 0 ? minutes / 60 + " h" : minutes + " min";
    }

    /** Plain ArrayLists: state read back from a checkpoint holds Avro's own list type. */
    static void mutable(SlowWindowState s) {
        if (!(s.getBucketStarts() instanceof ArrayList)) {
            s.setBucketStarts(new ArrayList<>(s.getBucketStarts()));
            s.setBucketCounts(new ArrayList<>(s.getBucketCounts()));
        }
        if (!(s.getEvidence() instanceof ArrayList)) {
            s.setEvidence(new ArrayList<>(s.getEvidence()));
        }
    }
}
