package io.zerotrust.demo.report;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.demo.sim.Attempt;
import io.zerotrust.demo.sim.Plan;
import io.zerotrust.demo.sim.Population;
import io.zerotrust.demo.sim.SimEvents;
import io.zerotrust.jobs.risk.RiskJob;
import io.zerotrust.jobs.risk.detect.Detector;
import io.zerotrust.jobs.risk.detect.DetectorParams;
import io.zerotrust.jobs.risk.detect.Finding;
import io.zerotrust.schemas.geo.GeoTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;

/**
 * The false-positive cost of the detectors on the simulator's benign population, without Kafka or Flink: the risk
 * job's own detectors (user, source and destination lists, default or given parameters) judge every event of a
 * population's ordinary behaviour, one state per detector and entity, and every firing is a false positive. Two
 * kinds of traffic:
 *
 * <ul>
 *   <li>{@link #workdays}: {@code days} working days of {@code people} people (each 10 to 14 visits a day within
 *       their working hours, one visit in 40 preceded by a mistyped credential: {@link Plan#workdays});</li>
 *   <li>{@link #demo}: a demo run's plan without its attacks: three days of history, then the live phase in which
 *       every person makes a request about every 20 s (a demo compresses a working day into minutes).</li>
 * </ul>
 *
 * <p>{@code java ... FalsePositiveCost [people=2000] [days=14] [seed=1] [minutes=120] [no-demo]
 * [detector.<name>=<value> ...]} prints, per detector, its firings, the entities they fell on, and the rate per day
 * and per 1,000 watched entities per day, for the working days and then for a demo run of {@code minutes}.
 */
public final class FalsePositiveCost {

    private static final long DAY = 86_400_000L;
    /** Monday 2026-11-02, 00:00 UTC: where the measured working days start. */
    public static final long FIRST_DAY = 1_793_577_600_000L;

    /** One firing on benign traffic. */
    public record Firing(String detector, String entity, long time, double points, String explanation) {
    }

    /**
     * What the detectors made of a benign population: {@code entities} by kind (user, ip, service) that had events,
     * and every firing.
     */
    public record Result(String traffic, int people, double days, long events, Map<String, Integer> entities,
                         List<Firing> firings) {

        /** Firings per detector, every detector of the job listed (those that never fired with 0). */
        public Map<String, Long> perDetector() {
            Map<String, Long> n = new TreeMap<>();
            detectorNames().forEach(d -> n.put(d, 0L));
            firings.forEach(f -> n.merge(f.detector(), 1L, Long::sum));
            return n;
        }

        public List<Firing> of(String detector) {
            return firings.stream().filter(f -> f.detector().equals(detector)).toList();
        }

        /** The table: detector, firings, entities, per day, per 1,000 entities of its kind per day. */
        public String table() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                    "%s: %d people, %.2f days, %d events; entities %s%n%-24s %8s %8s %9s %14s%n", traffic, people,
                    days, events, entities, "detector", "firings", "entities", "per day", "per 1k/day"));
            perDetector().forEach((d, n) -> {
                Set<String> on = new HashSet<>();
                of(d).forEach(f -> on.add(f.entity()));
                String kind = on.isEmpty() ? kindOf(d) : on.iterator().next().substring(0, on.iterator().next()
                        .indexOf(':'));
                int watched = Math.max(1, entities.getOrDefault(kind, 0));
                b.append(String.format(Locale.ROOT, "%-24s %8d %8d %9.2f %14.3f%n", d, n, on.size(), n / days,
                        1_000.0 * n / watched / days));
            });
            return b.toString();
        }
    }

    private FalsePositiveCost() {
    }

    public static void main(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            a.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        int people = Integer.parseInt(a.getOrDefault("people", "2000"));
        int days = Integer.parseInt(a.getOrDefault("days", "14"));
        long seed = Long.parseLong(a.getOrDefault("seed", "1"));
        int minutes = Integer.parseInt(a.getOrDefault("minutes", "120"));
        Map<String, Double> overrides = new TreeMap<>();
        a.forEach((k, v) -> {
            if (k.startsWith("detector.")) {
                overrides.put(k.substring("detector.".length()), Double.parseDouble(v));
            }
        });
        DetectorParams params = DetectorParams.of(overrides);
        Result w = workdays(seed, people, days, params);
        System.out.println(w.table());
        print(w);
        if (a.containsKey("no-demo")) {
            return;
        }
        Result d = demo(seed, Math.min(people, 2_000), minutes, params);
        System.out.println(d.table());
        print(d);
    }

    private static void print(Result r) {
        r.perDetector().forEach((d, n) -> {
            if (n > 0) {
                Map<Long, Long> byDay = new TreeMap<>();
                r.of(d).forEach(f -> byDay.merge((f.time() - FIRST_DAY) / DAY, 1L, Long::sum));
                System.out.println("  " + d + " by day (0 = the first): " + byDay);
            }
        });
        r.firings().stream().filter(f -> !f.detector().equals("rare_destination") && !f.detector().equals("off_hours"))
                .limit(40).forEach(f -> System.out.println("  " + f.detector() + " " + f.entity() + " at "
                        + java.time.Instant.ofEpochMilli(f.time()) + ": " + f.explanation()));
        System.out.println();
    }

    /** {@code days} working days of a population of {@code people} (seeded), judged day by day. */
    public static Result workdays(long seed, int people, int days, DetectorParams params) {
        Population population = Population.generate(seed, people);
        Random r = new Random(seed);
        Judge judge = new Judge(params);
        for (int day = 0; day < days; day++) {
            long start = FIRST_DAY + day * DAY;
            judge.all(events(Plan.workdays(population, start, start + DAY, r), 0));
        }
        return judge.result("working days", people, days);
    }

    /** A demo run's benign traffic: the plan's history and its live phase of {@code minutes}, without the attacks. */
    public static Result demo(long seed, int people, int minutes, DetectorParams params) {
        long liveStart = FIRST_DAY + 3 * DAY + 9 * 3_600_000L; // a Thursday, 09:00 UTC
        Plan plan = Plan.generate(seed, people, liveStart, minutes * 60_000L, 20_000);
        Judge judge = new Judge(params);
        List<ConnectionEvent> all = new ArrayList<>(events(plan.history(), 0));
        all.addAll(events(plan.live(), liveStart));
        all.sort(Comparator.comparingLong(ConnectionEvent::getEventTime));
        judge.all(all);
        return judge.result("demo run (history, then " + minutes + " min live)", people,
                (all.get(all.size() - 1).getEventTime() - all.get(0).getEventTime()) / (double) DAY);
    }

    private static List<ConnectionEvent> events(List<Attempt> attempts, long offset) {
        List<ConnectionEvent> events = new ArrayList<>();
        attempts.forEach(a -> events.addAll(SimEvents.of(a, offset + a.time(), "gw-demo")));
        events.sort(Comparator.comparingLong(ConnectionEvent::getEventTime));
        return events;
    }

    /** The names of the job's detectors, in the order it runs them. */
    public static List<String> detectorNames() {
        List<String> names = new ArrayList<>();
        detectors(DetectorParams.defaults()).forEach(d -> {
            if (!names.contains(d.name())) {
                names.add(d.name());
            }
        });
        return names;
    }

    private static List<Detector<?>> detectors(DetectorParams params) {
        List<Detector<?>> all = new ArrayList<>(RiskJob.userDetectors(params, GeoTable.bundled()));
        all.addAll(RiskJob.sourceDetectors(params));
        all.addAll(RiskJob.destinationDetectors(params));
        return all;
    }

    private static String kindOf(String detector) {
        for (Detector<?> d : detectors(DetectorParams.defaults())) {
            if (d.name().equals(detector)) {
                return switch (d.entityType()) {
                    case USER -> "user";
                    case IP -> "ip";
                    case SERVICE -> "service";
                    default -> "other";
                };
            }
        }
        return "other";
    }

    /** The detectors with one state per detector and entity, as the job keeps them. */
    private static final class Judge {
        private final List<Detector<?>> detectors;
        private final List<Map<String, Object>> states = new ArrayList<>();
        private final List<Firing> firings = new ArrayList<>();
        private final Map<String, Set<String>> entities = new LinkedHashMap<>();
        private long events;

        Judge(DetectorParams params) {
            this.detectors = detectors(params);
            detectors.forEach(d -> states.add(new HashMap<>()));
        }

        void all(List<ConnectionEvent> batch) {
            for (ConnectionEvent e : batch) {
                events++;
                for (int i = 0; i < detectors.size(); i++) {
                    Detector<?> d = detectors.get(i);
                    String entity = d.entityOf(e);
                    if (entity != null) {
                        entities.computeIfAbsent(entity.substring(0, entity.indexOf(':')), k -> new HashSet<>())
                                .add(entity);
                        observe(d, states.get(i), entity, e).ifPresent(f -> firings.add(new Firing(d.name(), entity,
                                e.getEventTime(), f.points(), f.explanation())));
                    }
                }
            }
        }

        Result result(String traffic, int people, double days) {
            Map<String, Integer> n = new TreeMap<>();
            entities.forEach((k, v) -> n.put(k, v.size()));
            return new Result(traffic, people, days, events, n, firings);
        }

        private static <S extends SpecificRecord> Optional<Finding> observe(Detector<S> d, Map<String, Object> states,
                                                                           String entity, ConnectionEvent e) {
            @SuppressWarnings("unchecked")
            S state = (S) states.computeIfAbsent(entity, k -> d.newState());
            return d.observe(state, e);
        }
    }
}
