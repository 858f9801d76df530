package io.zerotrust.demo.monitor;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * How far each Flink job of this process is behind its Kafka topics: the sum of its source readers'
 * {@code pendingRecords} (end offset minus the reader's position, per partition), read from the metrics Flink
 * registers with this reporter. Unlike the consumer group's committed offsets, which move only when a checkpoint
 * completes, this follows the readers themselves, so it shows a stage falling behind within a second.
 *
 * <p>Enabled on a local environment with {@link #enable(Configuration)}; jobs are told apart by job name.
 */
public final class PendingRecords implements MetricReporter {

    private static final String NAME = "pendingRecords";
    private static final Map<String, List<Gauge<?>>> BY_JOB = new ConcurrentHashMap<>();

    /** Adds this reporter to a Flink configuration (for {@code createLocalEnvironment(configuration)}). */
    public static Configuration enable(Configuration c) {
        c.setString("metrics.reporter.zt_pending.factory.class", Factory.class.getName());
        return c;
    }

    /**
     * Records the job's source readers have not read yet, or -1 while none of its readers has reported (the job
     * is starting, or not running in this process).
     */
    public static long of(String jobName) {
        List<Gauge<?>> gauges = BY_JOB.get(jobName);
        long sum = 0;
        boolean any = false;
        if (gauges != null) {
            for (Gauge<?> g : gauges) {
                Object v = g.getValue();
                if (v instanceof Number n && n.longValue() >= 0) {
                    sum += n.longValue();
                    any = true;
                }
            }
        }
        return any ? sum : -1;
    }

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        if (NAME.equals(name) && metric instanceof Gauge<?> g) {
            BY_JOB.computeIfAbsent(job(group), k -> new CopyOnWriteArrayList<>()).add(g);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        if (NAME.equals(name)) {
            List<Gauge<?>> gauges = BY_JOB.get(job(group));
            if (gauges != null) {
                gauges.remove(metric);
            }
        }
    }

    private static String job(MetricGroup group) {
        return group.getAllVariables().getOrDefault("<job_name>", "?");
    }

    /** Flink creates reporters through a factory named in the configuration. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new PendingRecords();
        }
    }
}
