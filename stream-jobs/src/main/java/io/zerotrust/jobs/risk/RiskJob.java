package io.zerotrust.jobs.risk;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DeadLetter;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskScore;
import io.zerotrust.jobs.JobSettings;
import io.zerotrust.jobs.kafka.JobKafka;
import io.zerotrust.jobs.risk.detect.BruteForceDetector;
import io.zerotrust.jobs.risk.detect.Detector;
import io.zerotrust.jobs.risk.detect.DetectorParams;
import io.zerotrust.jobs.risk.detect.DistributedBruteForceDetector;
import io.zerotrust.jobs.risk.detect.Entities;
import io.zerotrust.jobs.risk.detect.ExfiltrationDetector;
import io.zerotrust.jobs.risk.detect.FanOutDetector;
import io.zerotrust.schemas.geo.GeoTable;
import io.zerotrust.jobs.risk.detect.ImpossibleTravelDetector;
import io.zerotrust.jobs.risk.detect.NewCountryDetector;
import io.zerotrust.jobs.risk.detect.NewDeviceDetector;
import io.zerotrust.jobs.risk.detect.OffHoursDetector;
import io.zerotrust.jobs.risk.detect.PasswordSprayDetector;
import io.zerotrust.jobs.risk.detect.PortScanDetector;
import io.zerotrust.jobs.risk.detect.RareDestinationDetector;
import io.zerotrust.jobs.risk.detect.SlowBruteForceDetector;
import io.zerotrust.jobs.risk.detect.SlowFanOutDetector;
import io.zerotrust.jobs.risk.detect.SlowPasswordSprayDetector;
import io.zerotrust.jobs.risk.detect.SlowPortScanDetector;
import io.zerotrust.jobs.risk.flink.DetectorFunction;
import io.zerotrust.jobs.risk.flink.PolicyFunction;
import io.zerotrust.jobs.risk.flink.PolicyInput;
import io.zerotrust.jobs.risk.flink.ScoringFunction;
import io.zerotrust.schemas.policy.PolicyFiles;
import io.zerotrust.jobs.risk.score.RiskScoring;
import io.zerotrust.schemas.flink.SpecificRecordTypeInfo;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.serde.AvroCodec;
import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;

/**
 * The risk engine: connection events in; anomalies, entity risk scores and enforcement decisions out.
 *
 * <pre>
 * conn.events ─┬─ keyBy user ─ user detectors ───────────────┐
 *              ├─ keyBy ip ─── source detectors ─────────────┤
 *              └─ failed auth ─ keyBy service ─ destination ─┴─ anomalies ─ keyBy entity ─ scoring ─ risk.scores
 *                                   detectors                                                  │
 * enforcement.decisions (manual) ─────────────────── keyBy entity ─ policy ◄───────────────────┘◄── policy.rules
 *                                                                      └─ enforcement.decisions      (broadcast)
 * </pre>
 *
 * Anomalies and scores are written exactly once (Kafka transactions committed on checkpoints); decisions at least
 * once and at once, with ids derived from their inputs, so enforcement does not wait for a checkpoint and a repeat
 * after a failure is harmless. Records that cannot be decoded, and events behind the watermark, go to
 * {@code telemetry.dlq}. Every operator has a stable uid.
 */
public final class RiskJob {

    public static final String STAGE = "risk-engine";

    private RiskJob() {
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println("risk-engine: scores conn.events, writes anomalies, risk.scores and "
                    + "enforcement.decisions.\n" + RiskJobConfig.usage());
            return;
        }
        RiskJobConfig config;
        try {
            config = RiskJobConfig.fromArgs(List.of(args), System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("risk-engine: " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        System.out.println("risk-engine: " + (config.backfill() ? "BACKFILL (decisions in SHADOW mode, events up to "
                + config.outOfOrderness().toMinutes() + " min out of order are scored, group " + config.groupId()
                + "): " : "") + "reading conn.events (start: " + config.eventsStart() + "), policy.rules and "
                + "manual decisions from " + config.kafkaBootstrap() + " (registry " + config.registryUrl()
                + "); writing anomalies, risk.scores, enforcement.decisions and telemetry.dlq. Parallelism "
                + config.parallelism() + ", checkpoints every " + config.checkpointInterval().toMillis()
                + " ms. Ctrl-C stops.");
        env.execute(STAGE);
    }

    /** The detectors of each entity type, configured. */
    public static List<Detector<?>> userDetectors(DetectorParams p, GeoTable geo) {
        return List.of(new BruteForceDetector(EntityType.USER, p), new ImpossibleTravelDetector(geo, p),
                new NewDeviceDetector(p), new NewCountryDetector(geo, p), new RareDestinationDetector(p),
                new FanOutDetector(EntityType.USER, p), new ExfiltrationDetector(p), new OffHoursDetector(p),
                new SlowBruteForceDetector(EntityType.USER, p), new SlowFanOutDetector(EntityType.USER, p));
    }

    public static List<Detector<?>> sourceDetectors(DetectorParams p) {
        return List.of(new BruteForceDetector(EntityType.IP, p), new PasswordSprayDetector(p),
                new PortScanDetector(p), new FanOutDetector(EntityType.IP, p),
                new SlowBruteForceDetector(EntityType.IP, p), new SlowPasswordSprayDetector(p),
                new SlowPortScanDetector(p), new SlowFanOutDetector(EntityType.IP, p));
    }

    /** Detectors of destination services, fed only the failed authentications against them. */
    public static List<Detector<?>> destinationDetectors(DetectorParams p) {
        return List.of(new DistributedBruteForceDetector(p));
    }

    /** Adds the whole job to {@code env}; shared by {@link #main} and the tests. */
    public static void build(StreamExecutionEnvironment env, RiskJobConfig c) {
        env.setParallelism(c.parallelism());
        // Records between operators must not wait for network buffers to fill (Flink's default: up to 100 ms at each
        // shuffle). Every edge but the two that carry each event carries few records (anomalies, scores, decisions,
        // rules, dead letters), so it sends each at once: no waiting, and no flusher thread that wakes every few
        // milliseconds whether there is anything to send or not (sixteen of them took a tenth of a core at 5 ms).
        // The two event edges flush at least every risk.buffer.timeout.ms (set on the filters below).
        env.setBufferTimeout(0);
        // Chained operators pass records on without a deep copy for each: the reading thread copied every event for
        // both filters it feeds. Safe because no operator of this job changes a record it was given, and those that
        // keep parts of one in state (the detectors, scoring) get it fresh from the network, not from a chain.
        env.getConfig().enableObjectReuse();
        env.enableCheckpointing(c.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // Unaligned: a checkpoint barrier overtakes the records queued ahead of it instead of making the scoring and
        // policy operators hold back the input it arrived on until it has come through every other input. Aligned,
        // each checkpoint held up the decisions of the next few hundred milliseconds (most of the loop's p99 at
        // 10,000 events/s; docs/benchmarks.md). The records overtaken are written into the checkpoint.
        env.getCheckpointConfig().enableUnalignedCheckpoints();
        JobSettings.checkpointsIn(env, c.checkpointDir());
        GeoTable geo = c.file(RiskJobConfig.GEO_FILE).map(p -> {
            try {
                return GeoTable.load(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElseGet(GeoTable::bundled);
        List<PolicyRule> defaults = c.file(RiskJobConfig.POLICY_FILE).map(p -> {
            try {
                return PolicyFiles.parse(Files.readString(p), p.toString(), 0L);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElseGet(() -> PolicyFiles.defaults(0L));
        DetectorParams params = c.detectorParams();
        Duration ttl = c.stateTtl();

        WatermarkStrategy<Either<DeadLetter, ConnectionEvent>> watermarks = WatermarkStrategy
                .<Either<DeadLetter, ConnectionEvent>>forBoundedOutOfOrderness(c.outOfOrderness())
                .withIdleness(c.idleness())
                .withTimestampAssigner((e, kafkaTime) -> e.isRight() ? e.right().getEventTime() : kafkaTime);
        SingleOutputStreamOperator<ConnectionEvent> events = JobKafka.decoded(env.fromSource(
                source(c, Topics.CONN_EVENTS, JobKafka.start(c.eventsStart())), watermarks, "conn.events")
                .uid("source-conn-events"), Topics.CONN_EVENTS, "decode-conn-events");

        SingleOutputStreamOperator<Anomaly> userAnomalies = events
                .filter(e -> Entities.user(e) != null).uid("with-user").name("events with a user")
                .setBufferTimeout(c.bufferTimeoutMs())
                .keyBy(Entities::user)
                .process(new DetectorFunction(EntityType.USER, userDetectors(params, geo), ttl, false))
                .returns(new SpecificRecordTypeInfo<>(Anomaly.class))
                .uid("detect-user").name("user detectors");
        SingleOutputStreamOperator<Anomaly> sourceAnomalies = events
                .filter(e -> Entities.sourceIp(e) != null).uid("with-source").name("events with a source")
                .setBufferTimeout(c.bufferTimeoutMs())
                .keyBy(Entities::sourceIp)
                .process(new DetectorFunction(EntityType.IP, sourceDetectors(params), ttl, true))
                .returns(new SpecificRecordTypeInfo<>(Anomaly.class))
                .uid("detect-source").name("source detectors");
        // only failed authentications cross this shuffle: few records, each sent at once
        SingleOutputStreamOperator<Anomaly> destinationAnomalies = events
                .filter(e -> DistributedBruteForceDetector.targetOf(e) != null).uid("failed-auth")
                .name("failed authentications")
                .keyBy(DistributedBruteForceDetector::targetOf)
                .process(new DetectorFunction(EntityType.SERVICE, destinationDetectors(params), ttl, false))
                .returns(new SpecificRecordTypeInfo<>(Anomaly.class))
                .uid("detect-destination").name("destination detectors");
        DataStream<Anomaly> anomalies = userAnomalies.union(sourceAnomalies, destinationAnomalies);
        anomalies.sinkTo(sink(c, Topics.ANOMALIES, Anomaly::getEntity, DeliveryGuarantee.EXACTLY_ONCE, "anomalies"))
                .uid("sink-anomalies").name("anomalies");

        SingleOutputStreamOperator<RiskScore> scores = anomalies
                .keyBy(Anomaly::getEntity)
                .process(new ScoringFunction(new RiskScoring(c.halfLife().toMillis()), ttl))
                .returns(new SpecificRecordTypeInfo<>(RiskScore.class))
                .uid("score").name("risk scoring");
        // not chained to the scoring: at each checkpoint an exactly-once sink waits for the broker (flush, then a
        // transaction), which would hold up the decisions the scores feed
        scores.sinkTo(sink(c, Topics.RISK_SCORES, RiskScore::getEntity, DeliveryGuarantee.EXACTLY_ONCE, "scores"))
                .uid("sink-risk-scores").name("risk.scores").disableChaining();

        SingleOutputStreamOperator<EnforcementDecision> allDecisions = JobKafka.decoded(env.fromSource(
                        source(c, Topics.ENFORCEMENT_DECISIONS, OffsetsInitializer.earliest()),
                        WatermarkStrategy.noWatermarks(), "enforcement.decisions")
                .uid("source-decisions"), Topics.ENFORCEMENT_DECISIONS, "decode-decisions");
        DataStream<EnforcementDecision> manual = allDecisions
                .filter(d -> d.getIssuer() == DecisionIssuer.MANUAL).uid("manual-decisions").name("manual decisions");
        SingleOutputStreamOperator<PolicyRule> ruleStream = JobKafka.decoded(env.fromSource(
                        source(c, Topics.POLICY_RULES, OffsetsInitializer.earliest()),
                        WatermarkStrategy.noWatermarks(), "policy.rules")
                .uid("source-policy-rules"), Topics.POLICY_RULES, "decode-policy-rules");
        BroadcastStream<PolicyRule> rules = ruleStream.broadcast(PolicyFunction.RULES);

        TypeInformation<PolicyInput> inputType = TypeInformation.of(PolicyInput.class);
        SingleOutputStreamOperator<EnforcementDecision> decisions = scores
                .map((MapFunction<RiskScore, PolicyInput>) PolicyInput::of).returns(inputType).uid("scores-in")
                .union(manual.map((MapFunction<EnforcementDecision, PolicyInput>) PolicyInput::of)
                        .returns(inputType).uid("manual-in"))
                .keyBy(PolicyInput::entity)
                .connect(rules)
                .process(new PolicyFunction(defaults, ttl))
                .returns(new SpecificRecordTypeInfo<>(EnforcementDecision.class))
                .uid("policy").name("policy");
        if (c.backfill()) {
            // decisions about the past are for the record (ClickHouse, the console), never for a gateway to apply
            decisions = decisions.map(new AsShadow()).returns(new SpecificRecordTypeInfo<>(EnforcementDecision.class))
                    .uid("backfill-shadow").name("backfill: shadow decisions");
        }
        decisions.sinkTo(sink(c, Topics.ENFORCEMENT_DECISIONS, EnforcementDecision::getEntity,
                c.decisionsExactlyOnce() ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE,
                "decisions")).uid("sink-decisions").name("enforcement.decisions");

        DataStream<DeadLetter> late = sourceAnomalies.getSideOutput(DetectorFunction.LATE)
                .map(new LateEvent(c.registryUrl())).returns(JobKafka.UNDECODABLE.getTypeInfo())
                .uid("late-events").name("late events");
        events.getSideOutput(JobKafka.UNDECODABLE)
                .union(allDecisions.getSideOutput(JobKafka.UNDECODABLE), ruleStream.getSideOutput(JobKafka.UNDECODABLE),
                        late)
                .sinkTo(sink(c, Topics.TELEMETRY_DLQ, DeadLetter::getSource, DeliveryGuarantee.AT_LEAST_ONCE, "dlq"))
                .uid("sink-dlq").name("telemetry.dlq");
    }

    /** Rules and manual decisions are read from the beginning: they are state to rebuild, not a backlog. */
    private static <T extends org.apache.avro.specific.SpecificRecord> KafkaSource<Either<DeadLetter, T>> source(
            RiskJobConfig c, Topic<String, T> topic, OffsetsInitializer start) {
        return JobKafka.source(c.kafkaBootstrap(), c.registryUrl(), c.groupId(), topic, start, STAGE);
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> KafkaSink<T> sink(
            RiskJobConfig c, Topic<String, T> topic, JobKafka.KeyOf<T> key, DeliveryGuarantee guarantee, String name) {
        return JobKafka.sink(c.kafkaBootstrap(), c.registryUrl(), topic, key, guarantee, c.groupId() + "-" + name);
    }

    /** A backfill's decision: in SHADOW mode, marked as one about history. */
    static final class AsShadow implements MapFunction<EnforcementDecision, EnforcementDecision> {
        private static final long serialVersionUID = 1L;

        @Override
        public EnforcementDecision map(EnforcementDecision d) {
            d.setMode(io.zerotrust.avro.DecisionMode.SHADOW);
            d.setSummary("backfill (history, not enforced): " + d.getSummary());
            return d;
        }
    }

    /** A late event as a dead letter: its wire-format bytes and how late it was. */
    static final class LateEvent extends RichMapFunction<ConnectionEvent, DeadLetter> {
        private static final long serialVersionUID = 1L;
        private final String registryUrl;
        private transient AvroCodec<ConnectionEvent> codec;

        LateEvent(String registryUrl) {
            this.registryUrl = registryUrl;
        }

        @Override
        public void open(OpenContext openContext) {
            codec = new AvroCodec<>(ConnectionEvent.class, RegistryClient.connect(registryUrl),
                    Topics.CONN_EVENTS.valueSubject(), false);
        }

        @Override
        public DeadLetter map(ConnectionEvent e) {
            return DeadLetter.newBuilder()
                    .setId("late-" + e.getEventId())
                    .setFailedAt(System.currentTimeMillis())
                    .setStage(STAGE)
                    .setSource(Topics.CONN_EVENTS.name())
                    .setTopic(Topics.CONN_EVENTS.name())
                    .setReason("event " + e.getEventId() + " at " + java.time.Instant.ofEpochMilli(e.getEventTime())
                            + " arrived behind the watermark (later than " + RiskJobConfig.OUT_OF_ORDERNESS
                            + " allows); it was not scored")
                    .setErrorType("late_event")
                    .setPayload(ByteBuffer.wrap(codec.encode(e)))
                    .build();
        }
    }
}
