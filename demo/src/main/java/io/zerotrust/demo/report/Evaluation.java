package io.zerotrust.demo.report;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.demo.sim.Attempt;
import io.zerotrust.demo.sim.Plan;
import io.zerotrust.demo.sim.Scenario;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A run judged against its ground truth, from what the pipeline wrote: anomalies, enforcement decisions and the
 * gateways' acknowledgements. Everything is measured with the records' own timestamps — the event time at the
 * gateway that triggered a decision, the decision's issue time, the gateway's apply time — never with the
 * simulator's clock.
 *
 * <ul>
 *   <li>Per scenario: the first anomaly for its entity from one of its detectors after it started, the first
 *       enforced decision for the entity at least as severe as it needs, and that decision's acknowledgement.</li>
 *   <li>Precision: of the entities that got an enforced (non-ALLOW, ENFORCE-mode) decision during the live phase,
 *       the share that the attacks involved (their entities, the attackers' addresses, the accounts they tried
 *       credentials on, the compromised accounts' devices and addresses); recall: the share of scenarios enforced.
 *       Every other enforced entity is a false positive. A BLOCK on a person whose account no attack took over is
 *       named apart: the run fails on it (an account under a credential attack may be asked to step up).</li>
 *   <li>Loop latency over every acknowledged decision of the live phase: trigger event → issued → applied.</li>
 * </ul>
 */
public record Evaluation(List<ScenarioResult> scenarios, Set<String> enforcedEntities, Set<String> falsePositives,
                         Set<String> benignUsersBlocked, double precision, double recall, Latencies decide,
                         Latencies deliver, Latencies loop, List<LoopPoint> points) {

    /** One acknowledged decision of the live phase: its trigger's event time and its latencies in ms. */
    public record LoopPoint(long eventTimeMs, long decideMs, long loopMs) {
    }

    /** What became of one scripted attack; times are epoch milliseconds, null when it did not happen. */
    public record ScenarioResult(Scenario scenario, long startedAtMs, Long detectedAtMs, String detector,
                                 Long enforcedAtMs, Action action, String rule, String decisionId,
                                 Long appliedAtMs) {

        public boolean detected() {
            return detectedAtMs != null;
        }

        public boolean enforced() {
            return enforcedAtMs != null;
        }

        public boolean applied() {
            return appliedAtMs != null;
        }
    }

    /** Percentiles of a set of durations in milliseconds ({@code count} 0: none measured). */
    public record Latencies(int count, long p50, long p95, long p99, long max) {

        public static Latencies of(List<Long> values) {
            if (values.isEmpty()) {
                return new Latencies(0, 0, 0, 0, 0);
            }
            List<Long> v = new ArrayList<>(values);
            v.sort(Comparator.naturalOrder());
            return new Latencies(v.size(), pct(v, 50), pct(v, 95), pct(v, 99), v.get(v.size() - 1));
        }

        /** Nearest-rank percentile. */
        private static long pct(List<Long> sorted, int p) {
            int rank = (int) Math.ceil(p / 100.0 * sorted.size());
            return sorted.get(Math.max(0, rank - 1));
        }
    }

    /**
     * @param liveStartMs the wall-clock start of the live phase (scenario offsets count from it)
     * @param startedAtMs when each scenario's first attempt really started, by name (missing: its offset is used)
     */
    public static Evaluation of(Plan plan, long liveStartMs, Map<String, Long> startedAtMs, List<Anomaly> anomalies,
                                List<EnforcementDecision> decisions, List<DecisionApplied> acks) {
        Map<String, DecisionApplied> firstAck = new HashMap<>();
        for (DecisionApplied a : acks) {
            if (a.getOutcome() != io.zerotrust.avro.ApplyOutcome.APPLIED) {
                continue; // recorded, expired or superseded: not enforcement
            }
            firstAck.merge(a.getDecisionId(), a, (x, y) -> x.getAppliedAt() <= y.getAppliedAt() ? x : y);
        }
        List<EnforcementDecision> live = decisions.stream()
                .filter(d -> d.getMode() == DecisionMode.ENFORCE && d.getEventTime() != null
                        && d.getEventTime() >= liveStartMs)
                .sorted(Comparator.comparingLong(EnforcementDecision::getIssuedAt)).toList();

        List<ScenarioResult> results = new ArrayList<>();
        for (Scenario s : plan.scenarios()) {
            long started = startedAtMs.getOrDefault(s.name(), liveStartMs + s.startMs());
            Optional<Anomaly> hit = anomalies.stream()
                    .filter(a -> a.getEntity().equals(s.entity()) && s.detectors().contains(a.getDetector())
                            && a.getEventTime() >= started)
                    .min(Comparator.comparingLong(Anomaly::getDetectedAt));
            Optional<EnforcementDecision> enforced = live.stream()
                    .filter(d -> d.getEntity().equals(s.entity()) && s.stoppedBy(d.getAction())
                            && d.getEventTime() >= started)
                    .findFirst();
            DecisionApplied ack = enforced.map(d -> firstAck.get(d.getDecisionId())).orElse(null);
            results.add(new ScenarioResult(s, started, hit.map(Anomaly::getDetectedAt).orElse(null),
                    hit.map(Anomaly::getDetector).orElse(null), enforced.map(EnforcementDecision::getIssuedAt)
                    .orElse(null), enforced.map(EnforcementDecision::getAction).orElse(null),
                    enforced.map(EnforcementDecision::getRuleId).orElse(null),
                    enforced.map(EnforcementDecision::getDecisionId).orElse(null),
                    ack == null ? null : ack.getAppliedAt()));
        }

        Set<String> involved = involvedEntities(plan);
        Set<String> enforcedEntities = new LinkedHashSet<>();
        live.stream().filter(d -> d.getAction() != Action.ALLOW).forEach(d -> enforcedEntities.add(d.getEntity()));
        Set<String> falsePositives = new LinkedHashSet<>(enforcedEntities);
        falsePositives.removeAll(involved);
        Set<String> benign = new HashSet<>();
        plan.population().people().forEach(p -> benign.add("user:" + p.user()));
        plan.scenarios().forEach(s -> benign.remove(s.entity())); // accounts an attack took over
        Set<String> benignBlocked = new LinkedHashSet<>();
        for (EnforcementDecision d : live) {
            if (d.getAction() == Action.BLOCK && benign.contains(d.getEntity())) {
                benignBlocked.add(d.getEntity());
            }
        }
        double precision = enforcedEntities.isEmpty() ? 1.0
                : (double) (enforcedEntities.size() - falsePositives.size()) / enforcedEntities.size();
        double recall = results.isEmpty() ? 1.0
                : (double) results.stream().filter(ScenarioResult::enforced).count() / results.size();

        List<Long> decide = new ArrayList<>();
        List<Long> deliver = new ArrayList<>();
        List<Long> loop = new ArrayList<>();
        List<LoopPoint> points = new ArrayList<>();
        for (EnforcementDecision d : live) {
            decide.add(d.getIssuedAt() - d.getEventTime());
            DecisionApplied a = firstAck.get(d.getDecisionId());
            if (a != null) {
                deliver.add(a.getAppliedAt() - d.getIssuedAt());
                loop.add(a.getAppliedAt() - d.getEventTime());
                points.add(new LoopPoint(d.getEventTime(), d.getIssuedAt() - d.getEventTime(),
                        a.getAppliedAt() - d.getEventTime()));
            }
        }
        return new Evaluation(results, enforcedEntities, falsePositives, benignBlocked, precision, recall,
                Latencies.of(decide), Latencies.of(deliver), Latencies.of(loop), points);
    }

    /**
     * The entities the attacks involve: each scenario's entity, the addresses its attempts came from when no benign
     * person lives there (the attackers'), the home address of each account a scenario acts on (its workstation is
     * compromised too), the devices its attempts used (the attacker's, or the compromised account's own), and the
     * accounts it tried forged credentials on.
     */
    static Set<String> involvedEntities(Plan plan) {
        Set<String> homes = new HashSet<>();
        plan.population().people().forEach(p -> homes.add(p.homeIp()));
        Set<String> involved = new HashSet<>();
        for (Scenario s : plan.scenarios()) {
            involved.add(s.entity());
            for (Attempt a : s.attempts()) {
                if (!homes.contains(a.srcIp()) || s.entity().equals("user:" + a.user())) {
                    involved.add("ip:" + a.srcIp());
                }
                if (a.device() != null && s.entity().equals("user:" + a.user())) {
                    involved.add("device:" + a.device());
                }
                if (a.kind() == Attempt.Kind.BAD_TOKEN && a.user() != null) {
                    involved.add("user:" + a.user());
                }
            }
        }
        return involved;
    }

    /** Every scenario detected and enforced, and no benign person blocked. */
    public boolean passed() {
        return scenarios.stream().allMatch(r -> r.detected() && r.enforced()) && benignUsersBlocked.isEmpty();
    }
}
