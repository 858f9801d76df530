package io.zerotrust.demo;

import io.zerotrust.demo.monitor.PendingRecords;
import io.zerotrust.demo.monitor.SinkProgress;
import io.zerotrust.demo.services.DemoUpstreams;
import io.zerotrust.demo.sim.DemoIdentityProvider;
import io.zerotrust.gateway.Gateway;
import io.zerotrust.gateway.config.GatewayConfig;
import io.zerotrust.ingest.IngestMain;
import io.zerotrust.ingest.IngestSettings;
import io.zerotrust.jobs.analytics.AnalyticsJob;
import io.zerotrust.jobs.risk.RiskJob;
import io.zerotrust.jobs.risk.RiskJobConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The pipeline's stages on the platform of {@code ./pipeline up}: in this process the demo's upstream services, the
 * gateway in front of them, optionally the ingest, and the risk engine (a Flink mini-cluster reading
 * {@code conn.events} from {@code fromMs}); the ClickHouse sink in a process of its own at a lower CPU priority
 * ({@link SinkProcess}), so that on a small shared machine the analytics path never slows the enforcement path.
 * Consumer groups and application ids carry {@code run}, so every run starts clean. Closing stops everything, in
 * reverse order.
 *
 * <p>Given a {@link ClusterJobs}, the risk engine and the sink are submitted to that Flink session cluster instead, with
 * the same settings, and cancelled on close.
 */
public final class LocalLoop implements AutoCloseable {

    /** Where the platform is and where the run keeps its files. */
    public record Platform(String kafka, String registry, String clickhouse, String database, Path runDir) {
    }

    private final List<AutoCloseable> open = new ArrayList<>();
    private final String run;
    private DemoUpstreams upstreams;
    private SinkProcess sink;
    private SinkProgress sinkProgress;
    private Gateway gateway;
    private IngestMain.Running ingest;
    private ClusterJobs cluster;
    private String riskJobId;

    private LocalLoop(String run) {
        this.run = run;
    }

    /**
     * Starts the stages.
     *
     * @param run          a name unique to this run (letters and digits)
     * @param fromMs       the jobs read {@code conn.events} from this time on
     * @param withIngest   whether to run the ingest (telemetry topics into {@code conn.events})
     * @param withSink     whether to run the ClickHouse sink
     * @param idp          the identity provider whose tokens the gateway accepts
     * @param riskSettings extra risk engine settings ({@code --key=value} keys of {@code ./pipeline risk})
     */
    public static LocalLoop start(Platform p, String run, long fromMs, boolean withIngest, boolean withSink,
                                  DemoIdentityProvider idp, Map<String, String> riskSettings, Clock clock)
            throws Exception {
        return start(p, run, fromMs, withIngest, withSink, idp, riskSettings, clock, null);
    }

    /** As above; with {@code cluster} not null, the Flink jobs run on that session cluster. */
    public static LocalLoop start(Platform p, String run, long fromMs, boolean withIngest, boolean withSink,
                                  DemoIdentityProvider idp, Map<String, String> riskSettings, Clock clock,
                                  ClusterJobs cluster) throws Exception {
        LocalLoop loop = new LocalLoop(run);
        loop.cluster = cluster;
        String adminToken = "demo-admin-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
        try {
            idp.writePublicKey(p.runDir().resolve("idp.pem")); // the gateway's configuration names it
            loop.upstreams = loop.keep(DemoUpstreams.start(DemoGatewayConfig.TCP_SERVICES));
            Path yaml = DemoGatewayConfig.write(p.runDir(), "gw-demo", p.kafka(), p.registry(), loop.upstreams,
                    adminToken);
            loop.gateway = loop.keep(Gateway.start(GatewayConfig.load(yaml), p.runDir(), clock));
            if (withIngest) {
                Properties ingest = new Properties();
                ingest.put(StreamsConfig.APPLICATION_ID_CONFIG, loop.ingestGroup());
                ingest.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, p.kafka());
                ingest.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
                ingest.put(StreamsConfig.STATE_DIR_CONFIG, p.runDir().resolve("ingest-state").toString());
                ingest.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "latest");
                ingest.put(IngestSettings.REGISTRY_URL, p.registry());
                ingest.put(IngestMain.HTTP_PORT, "0");
                ingest.put(IngestMain.HTTP_MAX_BYTES, Integer.toString(16 << 20));
                ingest.put(IngestMain.HTTP_MAX_LINE, Integer.toString(1 << 20));
                loop.ingest = loop.keep(IngestMain.start(ingest));
            }
            Map<String, String> risk = new HashMap<>(riskSettings);
            risk.put(RiskJobConfig.KAFKA_BOOTSTRAP, p.kafka());
            risk.put(RiskJobConfig.REGISTRY_URL, p.registry());
            risk.put(RiskJobConfig.GROUP_ID, loop.riskGroup());
            risk.put(RiskJobConfig.EVENTS_START, Long.toString(fromMs));
            risk.put(RiskJobConfig.CHECKPOINT_DIR, p.runDir().resolve("checkpoints/risk").toAbsolutePath().toString());
            if (cluster != null) {
                RiskJobConfig.of(risk); // bad settings fail here, before a submission
                String id = cluster.submit(RiskJob.class.getName(), risk);
                loop.riskJobId = id;
                loop.keep(() -> cluster.cancel(id));
            } else {
                StreamExecutionEnvironment riskEnv = environment();
                RiskJob.build(riskEnv, RiskJobConfig.of(risk));
                JobClient riskJob = riskEnv.executeAsync(RiskJob.STAGE);
                loop.keep(() -> riskJob.cancel().get());
            }
            if (withSink) {
                Map<String, String> sink = new LinkedHashMap<>();
                sink.put(AnalyticsJob.KAFKA_BOOTSTRAP, p.kafka());
                sink.put(AnalyticsJob.REGISTRY_URL, p.registry());
                sink.put(AnalyticsJob.CLICKHOUSE_URL, p.clickhouse());
                sink.put(AnalyticsJob.DATABASE, p.database());
                sink.put(AnalyticsJob.GROUP_ID, loop.sinkGroup());
                sink.put(AnalyticsJob.START, Long.toString(fromMs));
                sink.put(AnalyticsJob.CHECKPOINT_DIR,
                        p.runDir().resolve("checkpoints/analytics").toAbsolutePath().toString());
                AnalyticsJob.settings(sink); // bad settings fail here, not in the child
                Map<String, Object> admin = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, p.kafka());
                try (Admin a = Admin.create(admin)) {
                    loop.sinkProgress = SinkProgress.before(a, p.clickhouse(), p.database(), fromMs);
                }
                if (cluster != null) {
                    String id = cluster.submit(AnalyticsJob.class.getName(), sink);
                    loop.keep(() -> cluster.cancel(id));
                } else {
                    loop.sink = loop.keep(SinkProcess.start(sink, p.runDir().resolve("analytics.log")));
                }
            }
            return loop;
        } catch (Exception | Error e) {
            loop.close();
            throw e;
        }
    }

    private static StreamExecutionEnvironment environment() {
        return StreamExecutionEnvironment.createLocalEnvironment(PendingRecords.enable(new Configuration()));
    }

    private <T extends AutoCloseable> T keep(T c) {
        synchronized (open) {
            open.add(c);
        }
        return c;
    }

    public Gateway gateway() {
        return gateway;
    }

    public DemoUpstreams upstreams() {
        return upstreams;
    }

    /** The ingest, or null when started without it. */
    public IngestMain.Running ingest() {
        return ingest;
    }

    public String ingestGroup() {
        return "zt-demo-ingest-" + run;
    }

    public String riskGroup() {
        return "zt-demo-risk-" + run;
    }

    public String sinkGroup() {
        return "zt-demo-analytics-" + run;
    }

    /** Records of {@code conn.events} the risk engine has not read yet (-1: not reporting yet). */
    public long riskPending() {
        return cluster != null ? cluster.pendingRecords(riskJobId) : PendingRecords.of(RiskJob.STAGE);
    }

    /** The session cluster the Flink jobs run on, or null when they run in this process. */
    public ClusterJobs cluster() {
        return cluster;
    }

    /** The ClickHouse sink's process, or null when started without it or on a cluster. */
    public SinkProcess sink() {
        return sink;
    }

    /** Records of {@code conn.events} not in ClickHouse yet (-1: no sink, or ClickHouse does not answer). */
    public long sinkPending(long connEventsEndOffsets) {
        return sinkProgress == null ? -1 : sinkProgress.behind(connEventsEndOffsets);
    }

    @Override
    public void close() {
        synchronized (open) {
            for (int i = open.size() - 1; i >= 0; i--) {
                try {
                    open.get(i).close();
                } catch (Exception e) {
                    System.err.println("while stopping: " + e);
                }
            }
            open.clear();
        }
    }
}
