package io.zerotrust.demo.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ApplyOutcome;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.Severity;
import io.zerotrust.demo.sim.Plan;
import io.zerotrust.demo.sim.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's judgement of a run, from hand-made pipeline output with known answers. */
class EvaluationTest {

    private static final long LIVE = 1_795_000_000_000L;
    private final Plan plan = Plan.generate(42, 40, LIVE, 6 * 60_000L, 20_000);
    private final List<Anomaly> anomalies = new ArrayList<>();
    private final List<EnforcementDecision> decisions = new ArrayList<>();
    private final List<DecisionApplied> acks = new ArrayList<>();

    /** Every scenario detected 2 s after it starts, decided 100 ms later, applied 20 ms after that. */
    private void pipelineCatchesEverything() {
        int i = 0;
        for (Scenario s : plan.scenarios()) {
            long t = LIVE + s.startMs() + 2_000;
            anomalies.add(anomaly("a" + i, s.entity(), s.detectors().iterator().next(), t, t + 50));
            decisions.add(decision("d" + i, s.entity(), s.minAction(), DecisionMode.ENFORCE, t, t + 100));
            acks.add(ack("d" + i, s.entity(), s.minAction(), t + 120, ApplyOutcome.APPLIED));
            i++;
        }
    }

    @Test
    void aRunThatCatchesEveryAttackAndNothingElsePasses() {
        pipelineCatchesEverything();
        Evaluation e = Evaluation.of(plan, LIVE, Map.of(), anomalies, decisions, acks);
        assertThat(e.scenarios()).hasSize(7).allMatch(r -> r.detected() && r.enforced() && r.applied());
        assertThat(e.precision()).isEqualTo(1.0);
        assertThat(e.recall()).isEqualTo(1.0);
        assertThat(e.falsePositives()).isEmpty();
        assertThat(e.passed()).isTrue();
        assertThat(e.decide()).isEqualTo(new Evaluation.Latencies(7, 100, 100, 100, 100));
        assertThat(e.deliver()).isEqualTo(new Evaluation.Latencies(7, 20, 20, 20, 20));
        assertThat(e.loop()).isEqualTo(new Evaluation.Latencies(7, 120, 120, 120, 120));
        Evaluation.ScenarioResult travel = e.scenarios().get(2);
        assertThat(travel.detectedAtMs() - travel.startedAtMs()).isEqualTo(2_050);
    }

    @Test
    void aBenignPersonActedOnIsAFalsePositiveAndFailsTheRun() {
        pipelineCatchesEverything();
        String bystander = "user:" + plan.population().get(35).user();
        decisions.add(decision("fp", bystander, Action.BLOCK, DecisionMode.ENFORCE, LIVE + 10_000, LIVE + 10_050));
        Evaluation e = Evaluation.of(plan, LIVE, Map.of(), anomalies, decisions, acks);
        assertThat(e.falsePositives()).containsExactly(bystander);
        assertThat(e.benignUsersBlocked()).containsExactly(bystander);
        assertThat(e.precision()).isEqualTo(7.0 / 8.0);
        assertThat(e.passed()).isFalse();
    }

    @Test
    void anAccountUnderACredentialAttackMayBeSteppedUpButNotBlocked() {
        pipelineCatchesEverything();
        Scenario stuffing = plan.scenarios().get(0);
        String target = "user:" + stuffing.attempts().get(0).user();
        decisions.add(decision("target", target, Action.STEP_UP, DecisionMode.ENFORCE, LIVE + 60_000, LIVE + 60_040));
        Evaluation stepped = Evaluation.of(plan, LIVE, Map.of(), anomalies, decisions, acks);
        assertThat(stepped.falsePositives()).as("the account was under attack").isEmpty();
        assertThat(stepped.passed()).isTrue();
        decisions.add(decision("target-2", target, Action.BLOCK, DecisionMode.ENFORCE, LIVE + 61_000, LIVE + 61_040));
        Evaluation blocked = Evaluation.of(plan, LIVE, Map.of(), anomalies, decisions, acks);
        assertThat(blocked.benignUsersBlocked()).containsExactly(target);
        assertThat(blocked.passed()).isFalse();
    }

    @Test
    void aBystanderSteppedUpIsAFalsePositiveThatDoesNotFailTheRun() {
        pipelineCatchesEverything();
        String bystander = "user:" + plan.population().get(36).user();
        decisions.add(decision("by", bystander, Action.STEP_UP, DecisionMode.ENFORCE, LIVE + 10_000, LIVE + 10_050));
        Evaluation e = Evaluation.of(plan, LIVE, Map.of(), anomalies, decisions, acks);
        assertThat(e.falsePositives()).containsExactly(bystander);
        assertThat(e.benignUsersBlocked()).isEmpty();
        assertThat(e.passed()).isTrue();
    }

    @Test
    void tooMildShadowOrMissingDecisionsDoNotCountAsEnforced() {
        pipelineCatchesEverything();
        Scenario spray = plan.scenarios().get(1);
        decisions.removeIf(d -> d.getEntity().equals(spray.entity()));
        long t = LIVE + spray.startMs() + 3_000;
        decisions.add(decision("mild", spray.entity(), Action.THROTTLE, DecisionMode.ENFORCE, t, t + 10));
        decisions.add(decision("shadow", spray.entity(), Action.BLOCK, DecisionMode.SHADOW, t, t + 10));
        Scenario exfil = plan.scenarios().get(6);
        acks.removeIf(a -> a.getEntity().equals(exfil.entity()));
        acks.add(ack("d6", exfil.entity(), Action.BLOCK, t, ApplyOutcome.EXPIRED_ON_ARRIVAL));
        Evaluation e = Evaluation.of(plan, LIVE, Map.of(), anomalies, decisions, acks);
        assertThat(e.scenarios().get(1).enforced()).isFalse();
        assertThat(e.scenarios().get(6).enforced()).isTrue();
        assertThat(e.scenarios().get(6).applied()).as("an expired decision was not applied").isFalse();
        assertThat(e.recall()).isEqualTo(6.0 / 7.0);
        assertThat(e.passed()).isFalse();
        // the mild decision is still an enforcement on an attacker's address: not a false positive
        assertThat(e.falsePositives()).isEmpty();
    }

    @Test
    void theCompromisedAccountsDevicesAndWorkstationsAreNotFalsePositives() {
        pipelineCatchesEverything();
        Scenario travel = plan.scenarios().get(2);
        String victimDevice = "device:" + travel.attempts().get(0).device();
        String victimHome = "ip:" + travel.attempts().get(0).srcIp();
        decisions.add(decision("dev", victimDevice, Action.STEP_UP, DecisionMode.ENFORCE, LIVE + 200_000,
                LIVE + 200_100));
        decisions.add(decision("home", victimHome, Action.BLOCK, DecisionMode.ENFORCE, LIVE + 200_000,
                LIVE + 200_100));
        Evaluation e = Evaluation.of(plan, LIVE, Map.of(), anomalies, decisions, acks);
        assertThat(e.enforcedEntities()).contains(victimDevice, victimHome);
        assertThat(e.falsePositives()).isEmpty();
        assertThat(e.precision()).isEqualTo(1.0);
    }

    @Test
    void decisionsFromTheHistoryAreNotJudged() {
        pipelineCatchesEverything();
        decisions.add(decision("old", "user:" + plan.population().get(35).user(), Action.BLOCK, DecisionMode.ENFORCE,
                LIVE - 3_600_000, LIVE - 3_599_000));
        assertThat(Evaluation.of(plan, LIVE, Map.of(), anomalies, decisions, acks).passed()).isTrue();
    }

    static Anomaly anomaly(String id, String entity, String detector, long eventTime, long detectedAt) {
        return Anomaly.newBuilder().setAnomalyId(id).setDetector(detector).setEntity(entity)
                .setEntityType(entity.startsWith("ip:") ? EntityType.IP : EntityType.USER).setSeverity(Severity.HIGH)
                .setScore(50).setEventTime(eventTime).setDetectedAt(detectedAt).setWindowStart(null)
                .setWindowEnd(null).setExplanation("test").setObserved(null).setBaseline(null)
                .setEvidenceEventIds(List.of()).setAttributes(Map.of()).build();
    }

    static EnforcementDecision decision(String id, String entity, Action action, DecisionMode mode,
                                        long eventTime, long issuedAt) {
        return EnforcementDecision.newBuilder().setDecisionId(id).setEntity(entity)
                .setEntityType(entity.startsWith("ip:") ? EntityType.IP : EntityType.USER).setAction(action)
                .setMode(mode).setIssuedAt(issuedAt).setExpiresAt(issuedAt + 900_000).setEventTime(eventTime)
                .setIssuer(DecisionIssuer.ENGINE).setPolicyVersion("test").setSummary("test").setReasons(List.of())
                .build();
    }

    static DecisionApplied ack(String id, String entity, Action action, long appliedAt, ApplyOutcome o) {
        return DecisionApplied.newBuilder().setDecisionId(id).setEntity(entity).setAction(action)
                .setMode(DecisionMode.ENFORCE).setGatewayId("gw-demo").setOutcome(o).setDecisionIssuedAt(appliedAt - 20)
                .setReceivedAt(appliedAt - 5).setAppliedAt(appliedAt).setSessionsRevoked(0).setDetail(null).build();
    }
}
