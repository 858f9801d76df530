package io.zerotrust.jobs.risk.detect;

import io.zerotrust.jobs.state.TimedValues;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Sliding windows of timed values (pure functions over {@link TimedValues}). */
public final class Windows {

    private Windows() {
    }

    /**
     * Adds an observation, keeping the lists ordered by time (a slightly late event is inserted in place), then drops
     * what is older than {@code windowMs} before the newest observation and, past {@code maxEntries}, the oldest.
     */
    public static void add(TimedValues w, long time, String value, String eventId, long windowMs, int maxEntries) {
        mutable(w);
        List<Long> times = w.getTimes();
        int i = times.size();
        while (i > 0 && times.get(i - 1) > time) {
            i--;
        }
        times.add(i, time);
        w.getValues().add(i, value);
        w.getEventIds().add(i, eventId);
        long newest = times.get(times.size() - 1);
        int drop = 0;
        while (drop < times.size() && (times.get(drop) < newest - windowMs || times.size() - drop > maxEntries)) {
            drop++;
        }
        if (drop > 0) {
            times.subList(0, drop).clear();
            w.getValues().subList(0, drop).clear();
            w.getEventIds().subList(0, drop).clear();
        }
    }

    /**
     * Adds an observation to a window that only needs its distinct values (how many destinations, which ports): one
     * entry per value, at its latest time (to within a refresh step, below) with the event that carried it. The
     * window then holds at most as many entries as there are distinct values, however many events repeat them, and
     * {@link #size} is the distinct count.
     * A repeat moves the value's entry only once it is at least {@link #refreshMs} later (a twentieth of the window):
     * an entry may so leave the window that much early, and in return a value repeated many times a minute does not
     * put new objects into long-lived state with each event (each costs the next young collection a card to scan, a
     * pause on the decision path). What is older than {@code windowMs} before the newest observation is dropped, and
     * past {@code maxEntries} the oldest.
     */
    public static void addDistinct(TimedValues w, long time, String value, String eventId, long windowMs,
                                   int maxEntries) {
        mutable(w);
        List<String> values = w.getValues();
        int at = values.lastIndexOf(value);
        if (at >= 0) {
            if (time - w.getTimes().get(at) < refreshMs(windowMs)) {
                return;
            }
            w.getTimes().remove(at);
            values.remove(at);
            w.getEventIds().remove(at);
        }
        add(w, time, value, eventId, windowMs, maxEntries);
    }

    /** How much later a repeat must be to move its value's entry in a distinct window: a twentieth of the window. */
    public static long refreshMs(long windowMs) {
        return Math.max(1, windowMs / 20);
    }

    /**
     * Makes the lists plain ArrayLists: state read back from a checkpoint holds Avro's own list type, which does not
     * support every removal.
     */
    static void mutable(TimedValues w) {
        if (!(w.getTimes() instanceof ArrayList)) {
            w.setTimes(new ArrayList<>(w.getTimes()));
            w.setValues(new ArrayList<>(w.getValues()));
            w.setEventIds(new ArrayList<>(w.getEventIds()));
        }
    }

    public static int size(TimedValues w) {
        return w.getTimes().size();
    }

    public static int distinct(TimedValues w) {
        return new HashSet<>(w.getValues()).size();
    }

    public static Set<String> distinctValues(TimedValues w) {
        return new HashSet<>(w.getValues());
    }

    public static long start(TimedValues w) {
        return w.getTimes().isEmpty() ? 0 : w.getTimes().get(0);
    }

    public static long end(TimedValues w) {
        return w.getTimes().isEmpty() ? 0 : w.getTimes().get(w.getTimes().size() - 1);
    }

    /** The most recent {@code n} event ids, newest last. */
    public static List<String> lastEvidence(TimedValues w, int n) {
        List<String> ids = w.getEventIds();
        return new ArrayList<>(ids.subList(Math.max(0, ids.size() - n), ids.size()));
    }

    public static TimedValues empty() {
        return TimedValues.newBuilder().setTimes(new ArrayList<>()).setValues(new ArrayList<>())
                .setEventIds(new ArrayList<>()).build();
    }
}
