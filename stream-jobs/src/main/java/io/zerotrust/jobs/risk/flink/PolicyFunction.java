package io.zerotrust.jobs.risk.flink;

import io.zerotrust.avro.Contribution;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskScore;
import io.zerotrust.schemas.policy.Policy;
import io.zerotrust.jobs.risk.policy.PolicyEngine;
import io.zerotrust.jobs.risk.score.RiskScoring;
import io.zerotrust.jobs.state.DecisionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the policy to each entity's scores. Rules arrive on {@code policy.rules} into broadcast state, so a change
 * applies to the next score without a restart; the job's default policy is in force underneath (a published rule
 * replaces a default rule of the same id when its version is higher). Manual decisions read back from
 * {@code enforcement.decisions} win over the engine while they last. The engine's per-entity memory (its live
 * decisions, for hysteresis) is keyed state with a time-to-live.
 */
public final class PolicyFunction extends KeyedBroadcastProcessFunction<String, PolicyInput, PolicyRule,
        EnforcementDecision> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PolicyFunction.class);
    public static final MapStateDescriptor<String, PolicyRule> RULES = new MapStateDescriptor<>("policy-rules",
            Types.STRING, new AvroTypeInfo<>(PolicyRule.class));

    private final List<PolicyRule> defaults;
    private final Duration stateTtl;
    private final PolicyEngine engine = new PolicyEngine();
    private transient ValueState<DecisionState> state;
    private transient Policy policy;
    private transient Counter enforced;
    private transient Counter shadow;
    private transient Counter rulesApplied;
    private transient Counter rulesRejected;

    public PolicyFunction(List<PolicyRule> defaults, Duration stateTtl) {
        this.defaults = List.copyOf(defaults);
        this.stateTtl = stateTtl;
        Policy.of(this.defaults); // fails now, at job build time, if a default rule is invalid
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<DecisionState> desc = new ValueStateDescriptor<>("decisions",
                new AvroTypeInfo<>(DecisionState.class));
        desc.enableTimeToLive(EntityTtl.of(stateTtl));
        state = getRuntimeContext().getState(desc);
        enforced = getRuntimeContext().getMetricGroup().counter("decisionsEnforce");
        shadow = getRuntimeContext().getMetricGroup().counter("decisionsShadow");
        rulesApplied = getRuntimeContext().getMetricGroup().counter("policyRulesApplied");
        rulesRejected = getRuntimeContext().getMetricGroup().counter("policyRulesRejected");
    }

    /** The policy in force: the defaults with every published rule over them. */
    private Policy policy(Iterable<Map.Entry<String, PolicyRule>> published) {
        Policy p = Policy.of(defaults);
        for (Map.Entry<String, PolicyRule> e : published) {
            p = p.with(e.getValue());
        }
        return p;
    }

    @Override
    public void processElement(PolicyInput in, ReadOnlyContext ctx, Collector<EnforcementDecision> out)
            throws Exception {
        if (policy == null) { // first element, or restored from a checkpoint
            ReadOnlyBroadcastState<String, PolicyRule> rules = ctx.getBroadcastState(RULES);
            policy = policy(rules.immutableEntries());
        }
        DecisionState s = state.value();
        if (s == null) {
            s = DecisionState.newBuilder().build();
        }
        if (in.manual != null) {
            PolicyEngine.manual(s, in.manual);
            state.update(s);
            return;
        }
        RiskScore score = in.score;
        List<RiskScoring.DetectorShare> shares = new ArrayList<>();
        for (Contribution c : score.getContributions()) {
            shares.add(new RiskScoring.DetectorShare(c.getDetector(), c.getPoints(),
                    io.zerotrust.jobs.state.Contribution.newBuilder()
                            .setDetector(c.getDetector())
                            .setPoints(c.getPoints())
                            .setTime(score.getEventTime())
                            .setAnomalyId(c.getAnomalyId() == null ? "" : c.getAnomalyId())
                            .setExplanation(c.getExplanation() == null ? "" : c.getExplanation())
                            .setEvidenceEventIds(new ArrayList<>(c.getEvidenceEventIds()))
                            .build()));
        }
        PolicyEngine.Subject subject = new PolicyEngine.Subject(score.getEntity(), score.getEntityType(),
                score.getScore(), score.getLevel(), shares, score.getEventTime(), score.getTriggerEventId());
        List<EnforcementDecision> decisions = engine.decide(policy, subject, s,
                ctx.currentProcessingTime());
        state.update(s);
        for (EnforcementDecision d : decisions) {
            (d.getMode() == io.zerotrust.avro.DecisionMode.SHADOW ? shadow : enforced).inc();
            out.collect(d);
        }
    }

    @Override
    public void processBroadcastElement(PolicyRule rule, Context ctx, Collector<EnforcementDecision> out)
            throws Exception {
        BroadcastState<String, PolicyRule> rules = ctx.getBroadcastState(RULES);
        try {
            Policy.validate(rule);
        } catch (IllegalArgumentException e) {
            // a bad rule must not stop enforcement: it is refused, logged and counted, and the policy stays as it was
            rulesRejected.inc();
            LOG.warn("refusing a policy rule from policy.rules: {}", e.getMessage());
            return;
        }
        PolicyRule current = rules.get(rule.getRuleId());
        if (current == null || current.getVersion() < rule.getVersion()) {
            rules.put(rule.getRuleId(), rule);
            rulesApplied.inc();
        }
        policy = policy(rules.entries());
    }
}
