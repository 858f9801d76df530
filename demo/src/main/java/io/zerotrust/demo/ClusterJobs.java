package io.zerotrust.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.zerotrust.platform.FlinkCluster;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Flink session cluster the demo submits its jobs to instead of running them on mini-clusters in its own process
 * ({@code ./pipeline demo --cluster}): the same jobs from the jobs' jar, with the same settings, through Flink's CLI
 * as {@code ./pipeline deploy} does. How far a job is behind is read from the sources' {@code pendingRecords} metric
 * over the REST API.
 *
 * @param restUrl the JobManager's REST address
 * @param confDir the cluster's configuration folder (for the CLI)
 * @param jar     the jobs' jar ({@code stream-jobs/target/zt-stream-jobs-job.jar})
 */
public record ClusterJobs(String restUrl, Path confDir, Path jar) {

    private static final String PENDING = ".pendingRecords";
    /** Per job: the source vertices and their metric names carrying {@link #PENDING}, found once. */
    private static final Map<String, Map<String, List<String>>> SOURCES = new ConcurrentHashMap<>();

    public ClusterJobs {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("the jobs' jar " + jar + " is missing; build it with mvn -q -DskipTests "
                    + "package -pl stream-jobs -am (./pipeline demo --cluster does)");
        }
        if (!Files.isRegularFile(confDir.resolve("config.yaml"))) {
            throw new IllegalArgumentException("--flink.conf=" + confDir + " has no config.yaml; start the cluster "
                    + "with ./pipeline cluster up (./pipeline demo --cluster does)");
        }
        restUrl = restUrl.replaceAll("/+$", "");
    }

    /**
     * The cluster of settings {@code flink.rest} (required here), {@code flink.conf} (default {@code var/flink/conf})
     * and {@code flink.jar} (default the stream-jobs module's job jar), as {@code ./pipeline} passes them.
     */
    public static ClusterJobs fromSettings(Map<String, String> m) {
        return new ClusterJobs(m.get("flink.rest"), Path.of(m.getOrDefault("flink.conf", "var/flink/conf"))
                .toAbsolutePath(), Path.of(m.getOrDefault("flink.jar", "stream-jobs/target/zt-stream-jobs-job.jar"))
                .toAbsolutePath());
    }

    /** Submits {@code mainClass} with {@code --key=value} settings and waits until all its tasks run; its job id. */
    public String submit(String mainClass, Map<String, String> settings) throws IOException {
        List<String> args = new ArrayList<>();
        settings.forEach((k, v) -> args.add("--" + k + "=" + v));
        String id = FlinkCluster.submit(confDir, restUrl, jar, mainClass, args, null);
        String state = FlinkCluster.awaitRunning(restUrl, id, Duration.ofSeconds(90));
        if (!state.equals("RUNNING")) {
            throw new IOException(mainClass + " (job " + id + ") is " + state + ", not RUNNING; see " + restUrl
                    + "/#/job/" + id + "/exceptions");
        }
        return id;
    }

    /** Cancels a job this demo submitted. */
    public void cancel(String jobId) throws IOException {
        SOURCES.remove(jobId);
        FlinkCluster.cancel(restUrl, jobId);
    }

    /**
     * Records of its Kafka topics job {@code jobId}'s sources have not read yet (the sum of their subtasks'
     * {@code pendingRecords}), or -1 while none reports it (the job is starting or restarting).
     */
    public long pendingRecords(String jobId) {
        try {
            Map<String, List<String>> sources = SOURCES.get(jobId);
            if (sources == null) {
                sources = sources(jobId);
                if (sources.isEmpty()) {
                    return -1;
                }
                SOURCES.put(jobId, sources);
            }
            long sum = 0;
            boolean any = false;
            for (Map.Entry<String, List<String>> e : sources.entrySet()) {
                JsonNode values = FlinkCluster.get(restUrl, "/jobs/" + jobId + "/vertices/" + e.getKey()
                        + "/subtasks/metrics?agg=sum&get=" + URLEncoder.encode(String.join(",", e.getValue()),
                        StandardCharsets.UTF_8));
                for (JsonNode m : values) {
                    double v = m.path("sum").asDouble(-1);
                    if (v >= 0) {
                        sum += (long) v;
                        any = true;
                    }
                }
            }
            return any ? sum : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private Map<String, List<String>> sources(String jobId) throws IOException {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (JsonNode vertex : FlinkCluster.get(restUrl, "/jobs/" + jobId).path("vertices")) {
            String vid = vertex.path("id").asText();
            List<String> names = new ArrayList<>();
            for (JsonNode m : FlinkCluster.get(restUrl, "/jobs/" + jobId + "/vertices/" + vid + "/subtasks/metrics")) {
                String name = m.path("id").asText();
                if (name.endsWith(PENDING)) {
                    names.add(name);
                }
            }
            if (!names.isEmpty()) {
                out.put(vid, names);
            }
        }
        return out;
    }
}
