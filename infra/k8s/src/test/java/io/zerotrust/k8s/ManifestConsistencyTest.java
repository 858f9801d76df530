package io.zerotrust.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.zerotrust.gateway.config.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a schema cannot see: the manifests agree with each other (selectors select the pods, named ports exist, every
 * client's Kafka address is the Strimzi cluster's), with the code (main classes exist, every job argument is a
 * setting the job declares, the gateway's configuration passes the gateway's own parser), with the build (Flink
 * version, jar path), and with the README (every Secret they need is one it tells you to create).
 */
class ManifestConsistencyTest {

    static List<Manifests.Doc> docs;

    @BeforeAll
    static void load() {
        Manifests.root();
        docs = Manifests.all();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    // ---- the files

    @Test
    void kustomizationListsEveryManifestFile() throws IOException {
        JsonNode k = Manifests.YAML.readTree(Manifests.DIR.resolve("kustomization.yaml").toFile());
        Set<String> listed = new TreeSet<>();
        k.path("resources").forEach(r -> listed.add(r.asText()));
        Set<String> files = new TreeSet<>();
        Manifests.files(Manifests.DIR).forEach(f -> files.add(Manifests.DIR.relativize(f).toString()));
        assertThat(listed).as("kustomization.yaml resources vs the manifest files").isEqualTo(files);
        assertThat(k.path("namespace").asText()).isEqualTo(Manifests.one(docs, "Namespace", "zt").name());
    }

    // ---- Kubernetes wiring

    @Test
    void selectorsSelectPodsAndNamedPortsExist() {
        List<String> problems = new ArrayList<>();
        List<Manifests.Doc> workloads = Manifests.ofKind(docs, "Deployment");
        for (Manifests.Doc d : workloads) {
            Map<String, String> selector = strings(d.node().path("spec").path("selector").path("matchLabels"));
            Map<String, String> labels = strings(d.node().path("spec").path("template").path("metadata").path("labels"));
            if (selector.isEmpty() || !labels.entrySet().containsAll(selector.entrySet())) {
                problems.add(d.label() + ": spec.selector.matchLabels " + selector + " does not match the pod labels "
                        + labels);
            }
            for (JsonNode c : d.node().path("spec").path("template").path("spec").path("containers")) {
                Set<String> ports = portNames(c);
                for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
                    JsonNode port = c.path(probe).path("httpGet").path("port");
                    if (port.isTextual() && !ports.contains(port.asText())) {
                        problems.add(d.label() + ": " + probe + " uses port " + port.asText()
                                + ", which the container does not name (" + ports + ")");
                    }
                }
            }
        }
        for (Manifests.Doc s : Manifests.ofKind(docs, "Service")) {
            Map<String, String> selector = strings(s.node().path("spec").path("selector"));
            List<Manifests.Doc> selected = selectedBy(selector, workloads);
            if (selected.isEmpty()) {
                problems.add(s.label() + ": selector " + selector + " selects no pods of the manifests");
            }
            for (JsonNode p : s.node().path("spec").path("ports")) {
                JsonNode target = p.path("targetPort");
                for (Manifests.Doc w : selected) {
                    Set<String> names = new TreeSet<>();
                    w.node().path("spec").path("template").path("spec").path("containers")
                            .forEach(c -> names.addAll(portNames(c)));
                    if (target.isTextual() && !names.contains(target.asText())) {
                        problems.add(s.label() + ": targetPort " + target.asText() + " is not a port of "
                                + w.label() + " " + names);
                    }
                }
            }
        }
        for (Manifests.Doc p : Manifests.ofKind(docs, "PodDisruptionBudget")) {
            Map<String, String> selector = strings(p.node().path("spec").path("selector").path("matchLabels"));
            List<Manifests.Doc> selected = selectedBy(selector, workloads);
            if (selected.isEmpty()) {
                problems.add(p.label() + ": selector " + selector + " selects no pods of the manifests");
            }
            for (Manifests.Doc w : selected) {
                int replicas = w.node().path("spec").path("replicas").asInt(1);
                if (replicas < 2) {
                    problems.add(p.label() + ": " + w.label() + " has " + replicas + " replica: a budget blocks drains");
                }
            }
        }
        assertThat(problems).as(StrictModel.describe(problems)).isEmpty();
        assertThat(Manifests.ofKind(docs, "PodDisruptionBudget")).extracting(Manifests.Doc::name)
                .containsExactlyInAnyOrder("zt-gateway", "zt-ingest");
    }

    private static Set<String> portNames(JsonNode container) {
        Set<String> names = new TreeSet<>();
        container.path("ports").forEach(p -> {
            if (p.has("name")) {
                names.add(p.path("name").asText());
            }
        });
        return names;
    }

    private static List<Manifests.Doc> selectedBy(Map<String, String> selector, List<Manifests.Doc> workloads) {
        if (selector.isEmpty()) {
            return List.of();
        }
        return workloads.stream().filter(w -> strings(w.node().path("spec").path("template").path("metadata")
                .path("labels")).entrySet().containsAll(selector.entrySet())).toList();
    }

    private static Map<String, String> strings(JsonNode map) {
        Map<String, String> out = new LinkedHashMap<>();
        map.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    // ---- Kafka

    /** {@code zt-kafka-kafka-bootstrap:9092}: Strimzi's bootstrap service and the plain listener's port. */
    static String kafkaBootstrap() {
        Manifests.Doc kafka = Manifests.ofKind(docs, "Kafka").get(0);
        for (JsonNode l : kafka.node().path("spec").path("kafka").path("listeners")) {
            if (!l.path("tls").asBoolean(false) && "internal".equals(l.path("type").asText())) {
                return kafka.name() + "-kafka-bootstrap:" + l.path("port").asInt();
            }
        }
        throw new AssertionError(kafka.label() + ": no internal listener without TLS, which the clients use");
    }

    @Test
    void kafkaRunsThreeReplicatedBrokersWhoseClustersEveryoneUses() {
        assertThat(Manifests.ofKind(docs, "Kafka")).hasSize(1);
        Manifests.Doc kafka = Manifests.ofKind(docs, "Kafka").get(0);
        JsonNode config = kafka.node().path("spec").path("kafka").path("config");
        Map<String, String> expected = Map.of("min.insync.replicas", "2", "default.replication.factor", "3",
                "offsets.topic.replication.factor", "3", "transaction.state.log.replication.factor", "3",
                "transaction.state.log.min.isr", "2");
        expected.forEach((k, v) -> assertThat(config.path(k).asText()).as("%s: spec.kafka.config.%s", kafka.label(), k)
                .isEqualTo(v));

        int brokers = 0;
        int controllers = 0;
        for (Manifests.Doc pool : Manifests.ofKind(docs, "KafkaNodePool")) {
            assertThat(pool.node().path("metadata").path("labels").path("strimzi.io/cluster").asText())
                    .as("%s: label strimzi.io/cluster", pool.label()).isEqualTo(kafka.name());
            String roles = pool.node().path("spec").path("roles").toString();
            int replicas = pool.node().path("spec").path("replicas").asInt();
            brokers += roles.contains("broker") ? replicas : 0;
            controllers += roles.contains("controller") ? replicas : 0;
        }
        assertThat(brokers).as("brokers").isGreaterThanOrEqualTo(KafkaTopicManifests.REPLICAS);
        assertThat(controllers).as("KRaft controllers (an odd number, at least 3)").isGreaterThanOrEqualTo(3)
                .matches(n -> n % 2 == 1);
        assertThat(KafkaTopicManifests.CLUSTER).isEqualTo(kafka.name());
        assertThat(kafka.node().path("spec").path("entityOperator").has("topicOperator"))
                .as("the topic operator that creates the KafkaTopics").isTrue();
    }

    // ---- Flink

    @Test
    void flinkDeploymentsRunTheJobsAsTheirCodeAndTheBuildSay() {
        String flinkVersion = rootProperty("flink.version");
        String operatorVersion = "v" + flinkVersion.replaceAll("^(\\d+)\\.(\\d+).*", "$1_$2");
        String dockerfile = read(Manifests.MODULE.resolve("images/stream-jobs/Dockerfile"));
        assertThat(dockerfile).as("images/stream-jobs/Dockerfile: the Flink of the root pom")
                .contains("FROM flink:" + flinkVersion + "-").contains("flink-s3-fs-hadoop-" + flinkVersion + ".jar");
        Matcher copy = Pattern.compile("(?m)^COPY \\S+ (/\\S+\\.jar)$").matcher(dockerfile);
        assertThat(copy.find()).as("the Dockerfile copies the jobs' jar").isTrue();
        String jarUri = "local://" + copy.group(1);

        List<Manifests.Doc> flink = Manifests.ofKind(docs, "FlinkDeployment");
        assertThat(flink).extracting(Manifests.Doc::name).containsExactlyInAnyOrder("risk-engine", "analytics-sink");
        List<String> problems = new ArrayList<>();
        for (Manifests.Doc d : flink) {
            JsonNode spec = d.node().path("spec");
            JsonNode job = spec.path("job");
            JsonNode conf = spec.path("flinkConfiguration");
            String at = d.label() + ": ";
            check(problems, at + "spec.flinkVersion (Flink " + flinkVersion + ")", operatorVersion,
                    spec.path("flinkVersion").asText());
            check(problems, at + "spec.job.jarURI (the Dockerfile's COPY)", jarUri, job.path("jarURI").asText());
            check(problems, at + "spec.job.upgradeMode", "savepoint", job.path("upgradeMode").asText());
            check(problems, at + "spec.job.state", "running", job.path("state").asText());
            check(problems, at + "high-availability.type", "kubernetes", conf.path("high-availability.type").asText());
            for (String key : List.of("high-availability.storageDir", "execution.checkpointing.dir",
                    "execution.checkpointing.savepoint-dir")) {
                if (!conf.path(key).asText().startsWith("s3://")) {
                    problems.add(at + "flinkConfiguration " + key + " is not on S3: " + conf.path(key).asText());
                }
            }
            if (!conf.has("s3.endpoint")) {
                problems.add(at + "flinkConfiguration s3.endpoint is missing");
            }
            if (Manifests.ofKind(docs, "ServiceAccount").stream().noneMatch(s -> s.name().equals(
                    spec.path("serviceAccount").asText()))) {
                problems.add(at + "spec.serviceAccount " + spec.path("serviceAccount").asText() + " is not in the manifests");
            }

            String entryClass = job.path("entryClass").asText();
            Path source = Manifests.ROOT.resolve("stream-jobs/src/main/java/" + entryClass.replace('.', '/') + ".java");
            if (!Files.isRegularFile(source) || !read(source).contains("public static void main(String[] args)")) {
                problems.add(at + "spec.job.entryClass " + entryClass + ": no main in " + source);
                continue;
            }
            JobSettings settings = JobSettings.of(source);
            Map<String, String> args = new LinkedHashMap<>();
            for (JsonNode a : job.path("args")) {
                Matcher m = Pattern.compile("--([^=]+)=(.*)").matcher(a.asText());
                if (!m.matches()) {
                    problems.add(at + "spec.job.args: '" + a.asText() + "' is not --key=value");
                } else if (!settings.knows(m.group(1))) {
                    problems.add(at + "spec.job.args: " + m.group(1) + " is not a setting of " + entryClass
                            + " " + settings.keys());
                } else {
                    args.put(m.group(1), m.group(2));
                }
            }
            check(problems, at + "--kafka.bootstrap", kafkaBootstrap(), args.get("kafka.bootstrap"));
            String prefix = settings.keys().stream().filter(k -> k.endsWith(".parallelism")).findFirst()
                    .orElse("(no parallelism setting)").replace(".parallelism", "");
            check(problems, at + "spec.job.parallelism vs --" + prefix + ".parallelism (the job sets its own)",
                    job.path("parallelism").asText(), args.get(prefix + ".parallelism"));
            check(problems, at + "--" + prefix + ".checkpoint.dir vs execution.checkpointing.dir",
                    conf.path("execution.checkpointing.dir").asText(), args.get(prefix + ".checkpoint.dir"));
        }
        assertThat(problems).as(StrictModel.describe(problems)).isEmpty();
    }

    private static void check(List<String> problems, String what, String expected, String actual) {
        if (!expected.equals(actual)) {
            problems.add(what + " is " + (actual == null ? "missing" : actual) + ", expected " + expected);
        }
    }

    private static String rootProperty(String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(read(Manifests.ROOT.resolve("pom.xml")));
        assertThat(m.find()).as("root pom property %s", name).isTrue();
        return m.group(1).trim();
    }

    /** The settings a job declares ({@code JobSettings.Spec.key(...)}), read from its source and its Config class. */
    record JobSettings(Set<String> keys, Set<String> prefixes) {

        static JobSettings of(Path entrySource) {
            List<Path> sources = new ArrayList<>(List.of(entrySource));
            Path config = entrySource.resolveSibling(entrySource.getFileName().toString().replace(".java", "Config.java"));
            if (Files.isRegularFile(config)) {
                sources.add(config);
            }
            Map<String, String> constants = new LinkedHashMap<>();
            Set<String> keys = new TreeSet<>();
            Set<String> prefixes = new LinkedHashSet<>();
            for (Path s : sources) {
                String text = read(s);
                Matcher c = Pattern.compile("static final String (\\w+)\\s*=\\s*\"([^\"]*)\"").matcher(text);
                while (c.find()) {
                    constants.put(c.group(1), c.group(2));
                }
                Matcher k = Pattern.compile("\\.key\\(\\s*(\\w+|\"[^\"]+\")\\s*,").matcher(text);
                while (k.find()) {
                    String ref = k.group(1);
                    String key = ref.startsWith("\"") ? ref.substring(1, ref.length() - 1) : constants.get(ref);
                    if (key != null) {
                        keys.add(key);
                    }
                }
                Matcher p = Pattern.compile("\\.prefix\\(\\s*\"([^\"]+)\"").matcher(text);
                while (p.find()) {
                    prefixes.add(p.group(1));
                }
            }
            assertThat(keys).as("the settings declared in %s (JobSettings.Spec.key)", sources).isNotEmpty();
            return new JobSettings(keys, prefixes);
        }

        boolean knows(String key) {
            return keys.contains(key) || prefixes.stream().anyMatch(key::startsWith);
        }
    }

    // ---- gateway and ingest

    @Test
    void theGatewayConfigurationPassesTheGatewaysOwnParser(@TempDir Path dir) throws IOException {
        Manifests.Doc deployment = Manifests.one(docs, "Deployment", "zt-gateway");
        Manifests.Doc configMap = Manifests.one(docs, "ConfigMap", "zt-gateway");
        JsonNode pod = deployment.node().path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        String command = container.path("command").toString() + container.path("args").toString();
        // the container renders gateway.yaml with its pod's name and starts the gateway on the rendered copy
        assertThat(command).contains("s/@POD_NAME@/${POD_NAME}/").contains("io.zerotrust.gateway.GatewayMain")
                .contains("/etc/zt/gateway/gateway.yaml").contains("/run/zt-gateway/gateway.yaml");
        assertThat(Manifests.ROOT.resolve("enforcement-gateway/src/main/java/io/zerotrust/gateway/GatewayMain.java"))
                .isRegularFile();
        assertThat(mountOf(pod, container, "/etc/zt/gateway").path("configMap").path("name").asText())
                .isEqualTo(configMap.name());
        assertThat(mountOf(pod, container, "/run/zt-gateway").has("emptyDir")).isTrue();

        configMap.node().path("data").properties().forEach(e -> {
            try {
                Files.writeString(dir.resolve(e.getKey()), e.getValue().asText()
                        .replace("@POD_NAME@", "zt-gateway-7c9d8f6b5-x2kzq"));
            } catch (IOException ex) {
                throw new AssertionError(ex);
            }
        });
        GatewayConfig config = GatewayConfig.load(dir.resolve("gateway.yaml"));
        assertThat(config.gatewayId()).isEqualTo("zt-gateway-7c9d8f6b5-x2kzq");
        assertThat(config.kafka().bootstrap()).as("gateway.yaml kafka.bootstrap").isEqualTo(kafkaBootstrap());
        assertThat(port(config.http().listen())).as("http.listen vs the container port http")
                .isEqualTo(containerPort(container, "http"));
        assertThat(port(config.admin().listen())).as("admin.listen vs the container port admin")
                .isEqualTo(containerPort(container, "admin"));
        String spill = config.spillDir().toString();
        assertThat(volumeMountPaths(container)).as("a volume holds events.spillDir %s", spill)
                .anyMatch(m -> spill.startsWith(m + "/"));
    }

    @Test
    void theIngestRunsItsMainAgainstTheClustersKafka() {
        Manifests.Doc deployment = Manifests.one(docs, "Deployment", "zt-ingest");
        JsonNode container = deployment.node().path("spec").path("template").path("spec").path("containers").get(0);
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        assertThat(args).contains("io.zerotrust.ingest.IngestMain", "--bootstrap.servers=" + kafkaBootstrap());
        assertThat(Manifests.ROOT.resolve("ingest/src/main/java/io/zerotrust/ingest/IngestMain.java")).isRegularFile();
        assertThat(containerPort(container, "http")).as("the ingest's ingest.http.port").isEqualTo(8086);
        assertThat(container.path("readinessProbe").path("exec").path("command").toString()).contains(":8086/readyz");
    }

    private static JsonNode mountOf(JsonNode pod, JsonNode container, String path) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (path.equals(m.path("mountPath").asText())) {
                for (JsonNode v : pod.path("volumes")) {
                    if (v.path("name").asText().equals(m.path("name").asText())) {
                        return v;
                    }
                }
            }
        }
        throw new AssertionError("no volume mounted at " + path);
    }

    private static List<String> volumeMountPaths(JsonNode container) {
        List<String> out = new ArrayList<>();
        container.path("volumeMounts").forEach(m -> out.add(m.path("mountPath").asText()));
        return out;
    }

    private static int containerPort(JsonNode container, String name) {
        for (JsonNode p : container.path("ports")) {
            if (name.equals(p.path("name").asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port " + name);
    }

    private static int port(String listen) {
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    // ---- the README

    @Test
    void theReadmeSaysHowToCreateEverySecretTheManifestsNeed() {
        Set<String> secrets = new TreeSet<>();
        Pattern ref = Pattern.compile("\"secretKeyRef\":\\{[^}]*\"name\":\"([^\"]+)\"");
        for (Manifests.Doc d : docs) {
            Matcher m = ref.matcher(d.node().toString());
            while (m.find()) {
                secrets.add(m.group(1));
            }
        }
        assertThat(secrets).isNotEmpty();
        String readme = read(Manifests.MODULE.resolve("README.md"));
        for (String s : secrets) {
            assertThat(readme).as("README.md creates the Secret %s", s).contains("create secret generic " + s);
        }
    }
}
