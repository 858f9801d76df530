package io.zerotrust.demo.sim;

import io.zerotrust.demo.sim.Attempt.Kind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Everything the simulation will do, decided up front from a seed: the population's history before the live phase
 * (published as events so that the risk engine knows everyone's habits when the live phase starts), the population's
 * live traffic, and the scripted attacks with their ground truth.
 *
 * <p>History times are absolute (event time, before {@code liveStart}); live attempts and scenarios carry offsets
 * into the live phase, which the driver turns into wall-clock times as it goes.
 */
public record Plan(Population population, long liveStart, long liveMs, List<Attempt> history, List<Attempt> live,
                   List<Scenario> scenarios) {

    /** Days of history: enough for every baseline's warm-up (new devices need 20 logins over 24 hours). */
    public static final int HISTORY_DAYS = 3;
    private static final long DAY = 86_400_000L;
    /** Largest benign response: benign people never come near the exfiltration floor (50 MB). */
    private static final long MAX_BENIGN_BYTES = 20_000_000L;

    public Plan {
        history = List.copyOf(history);
        live = List.copyOf(live);
        scenarios = List.copyOf(scenarios);
    }

    /**
     * The plan for {@code people} people and a live phase of {@code liveMs} starting at {@code liveStart}; each
     * person makes about one request every {@code meanGapMs} during the live phase.
     */
    public static Plan generate(long seed, int people, long liveStart, long liveMs, long meanGapMs) {
        return generate(seed, people, "", liveStart, liveMs, meanGapMs);
    }

    /**
     * As above, with the people's names and addresses and the attackers' addresses also depending on {@code tag}
     * (a run's own tag keeps it clear of decisions still live from earlier runs on the same platform).
     */
    public static Plan generate(long seed, int people, String tag, long liveStart, long liveMs, long meanGapMs) {
        if (!tag.matches("[a-z0-9]{0,8}")) {
            throw new IllegalArgumentException("a run tag is up to 8 lower-case letters or digits, got '" + tag + "'");
        }
        if (liveMs < Scenarios.MIN_LIVE_MS) {
            throw new IllegalArgumentException("the live phase must last at least " + Scenarios.MIN_LIVE_MS / 60_000
                    + " minutes for the scripted attacks, got " + liveMs / 1000 + " s");
        }
        if (meanGapMs < 100) {
            throw new IllegalArgumentException("the mean gap between a person's requests must be at least 100 ms");
        }
        Population population = Population.generate(seed, people, tag);
        Random r = new Random(seed ^ 0x5DEECE66DL);
        List<Attempt> history = workdays(population, (liveStart / DAY - HISTORY_DAYS) * DAY, liveStart, r);
        List<Attempt> live = new ArrayList<>();
        for (Person p : population.people()) {
            long t = (long) (r.nextDouble() * meanGapMs);
            while (t < liveMs) {
                live.addAll(session(p, t, r));
                t += (long) (-Math.log(1 - r.nextDouble()) * meanGapMs) + 1;
            }
        }
        live.sort(Comparator.comparingLong(Attempt::time));
        return new Plan(population, liveStart, liveMs, history, live, Scenarios.against(population, tag));
    }

    /**
     * The population's benign working days from {@code firstDay} (a midnight, UTC) until {@code end}, in time order:
     * each day up to an hour before {@code end}, each person makes 10 to 14 visits within their working hours, now and
     * then mistyping a credential first ({@link #session}). The history of a plan is three such days; longer runs of
     * them measure what the detectors make of ordinary behaviour (docs/detections.md, false-positive cost).
     */
    public static List<Attempt> workdays(Population population, long firstDay, long end, Random r) {
        List<Attempt> days = new ArrayList<>();
        for (Person p : population.people()) {
            for (long day = firstDay; day < end - DAY / 24; day += DAY) {
                int sessions = 10 + r.nextInt(5);
                for (int i = 0; i < sessions; i++) {
                    long t = day + (p.workStartHour() * 3_600_000L)
                            + (long) (r.nextDouble() * (p.workEndHour() - p.workStartHour()) * 3_600_000L);
                    if (t < end) {
                        days.addAll(session(p, t, r));
                    }
                }
            }
        }
        days.sort(Comparator.comparingLong(Attempt::time));
        return days;
    }

    /** One benign visit: now and then a mistyped credential first, then a request to one of the usual services. */
    private static List<Attempt> session(Person p, long t, Random r) {
        Service s = p.services().get(r.nextInt(p.services().size()));
        long bytes = Math.min(MAX_BENIGN_BYTES, (long) (p.typicalBytes() * Math.exp(r.nextGaussian() * 0.4)));
        Attempt visit = new Attempt(t, s.tcp() ? Kind.TCP : Kind.LOGIN, p.user(), p.device(), p.homeIp(), s.name(),
                s.port(), bytes, 400 + r.nextInt(2_000), null);
        if (r.nextInt(40) == 0) {
            return List.of(new Attempt(Math.max(0, t - 5_000), Kind.BAD_TOKEN, p.user(), p.device(), p.homeIp(),
                    s.name(), s.port(), 0, 600, null), visit);
        }
        return List.of(visit);
    }

    /** Every attempt of the live phase, benign and scripted, in time order (offsets into the live phase). */
    public List<Attempt> liveTimeline() {
        List<Attempt> all = new ArrayList<>(live);
        scenarios.forEach(s -> all.addAll(s.attempts()));
        all.sort(Comparator.comparingLong(Attempt::time));
        return all;
    }
}
