package io.zerotrust.jobs.analytics;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DeadLetter;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.RiskScore;
import io.zerotrust.jobs.JobSettings;
import io.zerotrust.jobs.kafka.JobKafka;
import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.types.Either;

/**
 * The ClickHouse sink job: connection events, risk scores, anomalies, decisions and acks into the analytics tables,
 * plus one-minute rollups of the events. By default at least once into ReplacingMergeTrees keyed by the rows' own ids,
 * which makes it exactly once as analysts read it (FINAL, argMax); batches are flushed on every checkpoint. With
 * {@code analytics.clickhouse.delivery=exactly-once} rows are inserted when their checkpoint completes, once each.
 */
public final class AnalyticsJob {

    public static final String STAGE = "analytics-sink";
    public static final String KAFKA_BOOTSTRAP = "kafka.bootstrap";
    public static final String REGISTRY_URL = "registry.url";
    public static final String CLICKHOUSE_URL = "clickhouse.url";
    public static final String DATABASE = "analytics.database";
    public static final String GROUP_ID = "analytics.group.id";
    public static final String START = "analytics.start";
    public static final String BATCH_ROWS = "analytics.batch.rows";
    public static final String BATCH_INTERVAL = "analytics.batch.interval.ms";
    public static final String CHECKPOINT_INTERVAL = "analytics.checkpoint.interval.ms";
    public static final String LATENESS = "analytics.rollup.lateness.ms";
    public static final String OUT_OF_ORDERNESS = "analytics.out.of.orderness.ms";
    public static final String IDLENESS = "analytics.idleness.ms";
    public static final String PARALLELISM = "analytics.parallelism";
    public static final String CHECKPOINT_DIR = "analytics.checkpoint.dir";
    public static final String STATE_BACKEND = "analytics.state.backend";
    public static final String DELIVERY = "analytics.clickhouse.delivery";

    public static final JobSettings.Spec SPEC = new JobSettings.Spec(STAGE)
            .key(KAFKA_BOOTSTRAP, "127.0.0.1:9092", "Kafka bootstrap servers")
            .key(REGISTRY_URL, "http://127.0.0.1:8081", "schema registry URL")
            .key(CLICKHOUSE_URL, "http://127.0.0.1:8123", "ClickHouse HTTP URL")
            .key(DATABASE, "zt", "ClickHouse database of the analytics tables (created and migrated at start)")
            .key(GROUP_ID, "zt-analytics-sink", "consumer group of the job's sources")
            .key(START, "committed", "where a job without a checkpoint starts reading: committed (else the "
                    + "beginning), earliest, latest, or an epoch-millisecond timestamp")
            .key(BATCH_ROWS, "100000", "rows per ClickHouse insert at most")
            .key(BATCH_INTERVAL, "5000", "longest a row waits for its batch, in ms (each insert is a part ClickHouse "
                    + "merges later: at 1000, one part per table a second took its merges 12 % of a core at 10,000 "
                    + "events/s, at 5000 3 %)")
            .key(CHECKPOINT_INTERVAL, "30000", "checkpoint interval in ms (every checkpoint flushes the batches and "
                    + "writes every rollup window kept for late events, CPU the risk engine needs on a small shared "
                    + "machine; a restart inserts again what came after the last; see docs/analytics.md)")
            .key(OUT_OF_ORDERNESS, "5000", "event-time disorder allowed before a rollup minute closes, in ms")
            .key(IDLENESS, "30000", "after how long without events a partition stops holding back event time, in ms")
            .key(LATENESS, "600000", "how late an event may still update its minute's rollup, in ms")
            .key(PARALLELISM, "1", "operator parallelism")
            .key(CHECKPOINT_DIR, "var/checkpoints/analytics", "folder for checkpoints (window state outgrows memory)")
            .key(STATE_BACKEND, "rocksdb", "where the rollup windows live: rocksdb (on local disk; each checkpoint "
                    + "writes only what changed since the last) or hashmap (on the heap; each checkpoint writes every "
                    + "window kept for late events, a burst of CPU that delays the risk engine on a shared machine)")
            .key(DELIVERY, "at-least-once", "at-least-once: batches inserted as they fill (rows visible within "
                    + BATCH_INTERVAL + "), a restart may insert rows again that FINAL reads once; exactly-once: each checkpoint's rows inserted when it completes (visible a checkpoint interval "
                    + "later), never twice, also without FINAL");

    private AnalyticsJob() {
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(SPEC.usage());
            return;
        }
        JobSettings s;
        try {
            s = SPEC.parse(List.of(args), System.getenv());
            validate(s);
        } catch (IllegalArgumentException e) {
            System.err.println(STAGE + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, s);
        System.out.println(STAGE + ": conn.events, risk.scores, anomalies, enforcement.decisions and enforcement.acks"
                + " from " + s.get(KAFKA_BOOTSTRAP) + " into " + s.get(CLICKHOUSE_URL) + " database "
                + s.get(DATABASE) + ". Ctrl-C stops.");
        env.execute(STAGE);
    }

    public static JobSettings settings(Map<String, String> values) {
        JobSettings s = SPEC.of(values);
        validate(s);
        return s;
    }

    static void validate(JobSettings s) {
        s.bootstrap(KAFKA_BOOTSTRAP);
        s.httpUrl(REGISTRY_URL);
        s.httpUrl(CLICKHOUSE_URL);
        if (!s.get(DATABASE).matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException(DATABASE + " must be a plain identifier, got '" + s.get(DATABASE) + "'");
        }
        s.choice(START, List.of("committed", "earliest", "latest"), true);
        s.atLeast(BATCH_ROWS, 1);
        s.atLeast(BATCH_INTERVAL, 10);
        s.atLeast(CHECKPOINT_INTERVAL, 100);
        s.atLeast(LATENESS, 0);
        s.atLeast(OUT_OF_ORDERNESS, 0);
        s.atLeast(IDLENESS, 1);
        s.atLeast(PARALLELISM, 1);
        s.choice(STATE_BACKEND, List.of("rocksdb", "hashmap"), false);
        s.choice(DELIVERY, List.of("at-least-once", "exactly-once"), false);
    }

    public static void build(StreamExecutionEnvironment env, JobSettings s) {
        env.setParallelism((int) s.number(PARALLELISM));
        // Chained operators pass records without a deep copy each: a third of the reading thread went to copying
        // every event for each operator it feeds. Safe because no operator of this job changes a record it was given
        // or keeps it after the call returns (they read it into rows, partial counts or dead letters).
        env.getConfig().enableObjectReuse();
        env.enableCheckpointing(s.number(CHECKPOINT_INTERVAL), CheckpointingMode.EXACTLY_ONCE);
        JobSettings.checkpointsIn(env, s.get(CHECKPOINT_DIR));
        // On the heap every checkpoint writes all the windows of the allowed lateness (about 80 MB at 10,000 events/s
        // once ten minutes are there), a burst that took a core for 2-3 s and cost the closed loop its slowest
        // decisions; RocksDB (the default) writes what changed, at a cost per window access (docs/benchmarks.md).
        Configuration backend = new Configuration();
        backend.set(StateBackendOptions.STATE_BACKEND, s.get(STATE_BACKEND));
        backend.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        env.configure(backend);
        TypeInformation<TableRow> rowType = TypeInformation.of(TableRow.class);

        WatermarkStrategy<Either<DeadLetter, ConnectionEvent>> watermarks = WatermarkStrategy
                .<Either<DeadLetter, ConnectionEvent>>forBoundedOutOfOrderness(s.millis(OUT_OF_ORDERNESS, 0))
                .withIdleness(s.millis(IDLENESS, 1))
                .withTimestampAssigner((e, kafkaTime) -> e.isRight() ? e.right().getEventTime() : kafkaTime);
        SingleOutputStreamOperator<ConnectionEvent> events = JobKafka.decoded(env.fromSource(
                source(s, Topics.CONN_EVENTS), watermarks, "conn.events").uid("source-conn-events"),
                Topics.CONN_EVENTS, "decode-conn-events");
        SingleOutputStreamOperator<RiskScore> scores = decoded(env, s, Topics.RISK_SCORES, "scores");
        SingleOutputStreamOperator<Anomaly> anomalies = decoded(env, s, Topics.ANOMALIES, "anomalies");
        SingleOutputStreamOperator<EnforcementDecision> decisions = decoded(env, s, Topics.ENFORCEMENT_DECISIONS,
                "decisions");
        SingleOutputStreamOperator<DecisionApplied> acks = decoded(env, s, Topics.ENFORCEMENT_ACKS, "acks");

        DataStream<TableRow> rollups = events
                .transform("rollup pre-aggregation", TypeInformation.of(Rollups.Partial.class), new Rollups.Combiner())
                .uid("rollup-combine")
                .keyBy(Rollups.Partial::groupKey)
                .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
                .allowedLateness(Duration.ofMillis(s.number(LATENESS)))
                .aggregate(new Rollups.Count(), new Rollups.ToRow())
                .uid("rollup-1m").name("1-minute rollups");

        DataStream<TableRow> rows = events.map((MapFunction<ConnectionEvent, TableRow>) Rows::event).returns(rowType)
                .uid("rows-events")
                .union(scores.map((MapFunction<RiskScore, TableRow>) Rows::score).returns(rowType).uid("rows-scores"),
                        anomalies.map((MapFunction<Anomaly, TableRow>) Rows::anomaly).returns(rowType)
                                .uid("rows-anomalies"),
                        decisions.map((MapFunction<EnforcementDecision, TableRow>) Rows::decision).returns(rowType)
                                .uid("rows-decisions"),
                        acks.map((MapFunction<DecisionApplied, TableRow>) Rows::ack).returns(rowType).uid("rows-acks"),
                        rollups);
        rows.sinkTo(s.get(DELIVERY).equals("exactly-once")
                        ? ClickHouseSink.exactlyOnce(s.get(CLICKHOUSE_URL), s.get(DATABASE), (int) s.number(BATCH_ROWS))
                        : new ClickHouseSink(s.get(CLICKHOUSE_URL), s.get(DATABASE), (int) s.number(BATCH_ROWS),
                                Duration.ofMillis(s.number(BATCH_INTERVAL))))
                .uid("sink-clickhouse").name("ClickHouse");

        events.getSideOutput(JobKafka.UNDECODABLE)
                .union(scores.getSideOutput(JobKafka.UNDECODABLE), anomalies.getSideOutput(JobKafka.UNDECODABLE),
                        decisions.getSideOutput(JobKafka.UNDECODABLE), acks.getSideOutput(JobKafka.UNDECODABLE))
                .sinkTo(JobKafka.sink(s.get(KAFKA_BOOTSTRAP), s.get(REGISTRY_URL), Topics.TELEMETRY_DLQ,
                        DeadLetter::getSource, DeliveryGuarantee.AT_LEAST_ONCE, s.get(GROUP_ID) + "-dlq"))
                .uid("sink-dlq").name("telemetry.dlq");
    }

    private static <T extends SpecificRecord> org.apache.flink.connector.kafka.source.KafkaSource<Either<DeadLetter,
            T>> source(JobSettings s, Topic<String, T> topic) {
        return JobKafka.source(s.get(KAFKA_BOOTSTRAP), s.get(REGISTRY_URL), s.get(GROUP_ID), topic,
                JobKafka.start(s.get(START)), STAGE);
    }

    private static <T extends SpecificRecord> SingleOutputStreamOperator<T> decoded(StreamExecutionEnvironment env,
                                                                                    JobSettings s,
                                                                                    Topic<String, T> topic,
                                                                                    String name) {
        return JobKafka.decoded(env.fromSource(source(s, topic), WatermarkStrategy.noWatermarks(), topic.name())
                .uid("source-" + name), topic, "decode-" + name);
    }
}
