package io.zerotrust.demo.sim;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Plays the live phase: each attempt starts at the live phase's start plus its offset (wall clock), on a pool of
 * workers, so a slow attempt (a large download) does not hold up the others. Counts what happened, in total and per
 * scenario, and remembers when each scripted attempt really started — the report measures detection and enforcement
 * from there.
 */
public final class LiveRun implements AutoCloseable {

    /** Counters of one scenario (or of the benign traffic, under {@code "benign"}). */
    public static final class Tally {
        public final LongAdder started = new LongAdder();
        public final LongAdder failed = new LongAdder();
        /** Wall-clock start of the scenario's first attempt (0 until it started). */
        public final AtomicLong firstStartMs = new AtomicLong();
        /** HTTP statuses seen, by code (0: TCP, probe or no response). */
        public final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    }

    private final Function<Attempt, Driver.Outcome> runner;
    private final Clock clock;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "live-timer"));
    private final ExecutorService workers;
    private final Map<String, Tally> tallies = new ConcurrentHashMap<>();
    private final LongAdder pending = new LongAdder();
    private volatile long startMs;

    /** {@code runner} makes one attempt (the {@link Driver}); {@code workers} attempts may run at once. */
    public LiveRun(Function<Attempt, Driver.Outcome> runner, Clock clock, int workers) {
        this.runner = runner;
        this.clock = clock;
        this.workers = Executors.newFixedThreadPool(workers, r -> daemon(r, "live-worker"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Schedules every attempt of {@code timeline} (offsets into the live phase) from now; returns the start. */
    public long start(List<Attempt> timeline) {
        startMs = clock.millis();
        for (Attempt a : timeline) {
            pending.increment();
            timer.schedule(() -> workers.execute(() -> run(a)), a.time(), TimeUnit.MILLISECONDS);
        }
        return startMs;
    }

    private void run(Attempt a) {
        Tally t = tallies.computeIfAbsent(a.benign() ? "benign" : a.scenario(), k -> new Tally());
        t.firstStartMs.compareAndSet(0, clock.millis());
        t.started.increment();
        try {
            Driver.Outcome o = runner.apply(a);
            if (!o.ok()) {
                t.failed.increment();
            }
            t.statuses.computeIfAbsent(o.status(), k -> new LongAdder()).increment();
        } catch (RuntimeException e) {
            t.failed.increment();
        } finally {
            pending.decrement();
        }
    }

    /** The wall-clock start of the live phase. */
    public long startMs() {
        return startMs;
    }

    /** Attempts scheduled or running. */
    public long pending() {
        return pending.sum();
    }

    /** Waits until every attempt has run, or {@code timeoutMs} passed; true when all ran. */
    public boolean await(long timeoutMs) throws InterruptedException {
        long deadline = clock.millis() + timeoutMs;
        while (pending.sum() > 0 && clock.millis() < deadline) {
            Thread.sleep(50);
        }
        return pending.sum() == 0;
    }

    /** Counters by scenario name ({@code "benign"} for the population's own traffic). */
    public Map<String, Tally> tallies() {
        return tallies;
    }

    /** Stops scheduling; attempts under way finish on their own (their threads are daemons). */
    @Override
    public void close() {
        timer.shutdownNow();
        workers.shutdownNow();
    }
}
