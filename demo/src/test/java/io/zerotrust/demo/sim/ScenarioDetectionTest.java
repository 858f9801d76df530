package io.zerotrust.demo.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.jobs.risk.RiskJob;
import io.zerotrust.jobs.risk.detect.Detector;
import io.zerotrust.jobs.risk.detect.DetectorParams;
import io.zerotrust.jobs.risk.detect.Finding;
import io.zerotrust.schemas.geo.GeoTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Judges the simulation's plan with the risk engine's own detectors (the same classes and default parameters as
 * the job, run here without Flink, one state per detector and entity): every scripted attack must be recognised
 * for its entity, and the benign population's three days of history and live traffic must stay below anything the
 * default policy enforces. The demo's end-to-end run checks the same through the gateway and the real jobs.
 */
class ScenarioDetectionTest {

    private static final long LIVE_START = 1_795_000_000_000L; // 2026-11-18, a Wednesday morning UTC
    /** Three populations, each with its own plan, judged the same way. */
    private static final long[] SEEDS = {7, 42, 2026};
    private static final List<Replay> REPLAYS = new ArrayList<>();

    record Fired(String detector, long time, double points) {
    }

    /** A plan and, by entity, the detectors that fired on it. */
    record Replay(Plan plan, Map<String, List<Fired>> fired) {
    }

    @BeforeAll
    static void replayAll() {
        for (long seed : SEEDS) {
            REPLAYS.add(replay(Plan.generate(seed, 60, LIVE_START, 7 * 60_000L, 20_000)));
        }
        REPLAYS.add(replay(Plan.generate(42, 60, "k3x9", LIVE_START, 6 * 60_000L, 20_000))); // a demo run's tag
    }

    private static Replay replay(Plan plan) {
        Map<String, List<Fired>> fired = new HashMap<>();
        List<ConnectionEvent> events = new ArrayList<>();
        plan.history().forEach(a -> events.addAll(SimEvents.of(a, a.time(), "gw-demo")));
        plan.liveTimeline().forEach(a -> events.addAll(SimEvents.of(a, LIVE_START + a.time(), "gw-demo")));
        events.sort(Comparator.comparingLong(ConnectionEvent::getEventTime));
        DetectorParams params = DetectorParams.defaults();
        List<Detector<?>> detectors = new ArrayList<>(RiskJob.userDetectors(params, GeoTable.bundled()));
        detectors.addAll(RiskJob.sourceDetectors(params));
        detectors.addAll(RiskJob.destinationDetectors(params));
        Map<String, Object> states = new HashMap<>();
        for (ConnectionEvent e : events) {
            for (Detector<?> d : detectors) {
                String entity = d.entityOf(e);
                if (entity != null) {
                    observe(d, states, entity, e).ifPresent(f -> fired.computeIfAbsent(entity, k -> new ArrayList<>())
                            .add(new Fired(d.name(), e.getEventTime(), f.points())));
                }
            }
        }
        return new Replay(plan, fired);
    }

    private static <S extends SpecificRecord> Optional<Finding> observe(Detector<S> d, Map<String, Object> states,
                                                                       String entity, ConnectionEvent e) {
        @SuppressWarnings("unchecked")
        S state = (S) states.computeIfAbsent(d.name() + "|" + entity, k -> d.newState());
        return d.observe(state, e);
    }

    @Test
    void thePlanHasHistoryLiveTrafficAndTheSevenAttacks() {
        for (Replay r : REPLAYS) {
            thePlanHasHistoryLiveTrafficAndTheSevenAttacks(r.plan());
        }
    }

    private static void thePlanHasHistoryLiveTrafficAndTheSevenAttacks(Plan plan) {
        assertThat(plan.scenarios()).extracting(Scenario::name).containsExactly("credential_stuffing",
                "password_spray", "impossible_travel", "stolen_token", "lateral_fan_out", "port_scan", "exfiltration");
        assertThat(plan.history()).allMatch(a -> a.time() < LIVE_START && a.benign());
        // every person has enough history for the new-device warm-up: 20 logins over 24 hours
        Map<String, Long> logins = new HashMap<>();
        plan.history().stream().filter(a -> a.kind() == Attempt.Kind.LOGIN)
                .forEach(a -> logins.merge(a.user(), 1L, Long::sum));
        assertThat(logins).hasSize(60).allSatisfy((user, n) -> assertThat(n).as(user).isGreaterThanOrEqualTo(20));
        assertThat(plan.live()).isNotEmpty().allMatch(a -> a.time() >= 0 && a.time() < plan.liveMs() && a.benign());
    }

    @Test
    void everyScriptedAttackIsRecognisedForItsEntity() {
        for (Replay r : REPLAYS) {
            for (Scenario s : r.plan().scenarios()) {
                everyScriptedAttackIsRecognised(r, s);
            }
        }
    }

    private static void everyScriptedAttackIsRecognised(Replay r, Scenario s) {
        {
            List<Fired> fired = r.fired().getOrDefault(s.entity(), List.of()).stream()
                    .filter(f -> f.time() >= LIVE_START + s.startMs()).toList();
            assertThat(fired).as(s.name() + " on " + s.entity())
                    .anySatisfy(f -> assertThat(s.detectors()).contains(f.detector()));
        }
    }

    @Test
    void theBenignPopulationStaysBelowWhatThePolicyEnforces() {
        for (Replay r : REPLAYS) {
            theBenignPopulationStaysBelowWhatThePolicyEnforces(r.plan(), r.fired());
        }
    }

    private static void theBenignPopulationStaysBelowWhatThePolicyEnforces(Plan plan, Map<String, List<Fired>> all) {
        Set<String> attacked = new HashSet<>();
        plan.scenarios().forEach(s -> attacked.add(s.entity()));
        // the attack scenarios' compromised accounts and their workstations are acted on by design
        for (Scenario s : plan.scenarios()) {
            s.attempts().forEach(a -> {
                if (a.user() != null && s.entity().startsWith("user:")) {
                    attacked.add("ip:" + a.srcIp());
                }
            });
        }
        for (Person p : plan.population().people()) {
            for (String entity : List.of("user:" + p.user(), "ip:" + p.homeIp())) {
                if (attacked.contains(entity)) {
                    continue;
                }
                List<Fired> fired = all.getOrDefault(entity, List.of());
                // rare_destination (15 points) and the shadow-only off_hours never reach an enforcing level alone
                assertThat(fired).as(entity).allSatisfy(f ->
                        assertThat(f.detector()).isIn("rare_destination", "off_hours"));
                assertThat(fired.stream().mapToDouble(Fired::points).sum()).as(entity).isLessThan(25);
            }
        }
    }

    @Test
    void runsWithDifferentTagsShareNoEntity() {
        Plan a = Plan.generate(42, 60, "aaaa", LIVE_START, 6 * 60_000L, 20_000);
        Plan b = Plan.generate(42, 60, "bbbb", LIVE_START, 6 * 60_000L, 20_000);
        Set<String> ofA = entities(a);
        Set<String> ofB = entities(b);
        assertThat(ofA).hasSizeGreaterThan(120);
        ofA.retainAll(ofB);
        assertThat(ofA).as("entities of both runs").isEmpty();
    }

    private static Set<String> entities(Plan p) {
        Set<String> all = new HashSet<>();
        p.population().people().forEach(x -> all.addAll(List.of("user:" + x.user(), "device:" + x.device(),
                "ip:" + x.homeIp())));
        p.scenarios().forEach(s -> s.attempts().forEach(x -> all.add("ip:" + x.srcIp())));
        return all;
    }

    @Test
    void scenariosNameTheMildestActionThatStopsThem() {
        Plan plan = REPLAYS.get(0).plan();
        Scenario spray = plan.scenarios().get(1);
        assertThat(spray.stoppedBy(Action.BLOCK)).isTrue();
        assertThat(spray.stoppedBy(Action.THROTTLE)).isFalse();
        Scenario stuffing = plan.scenarios().get(0);
        assertThat(stuffing.stoppedBy(Action.THROTTLE)).isTrue();
        assertThat(stuffing.stoppedBy(Action.STEP_UP)).isFalse();
    }
}
