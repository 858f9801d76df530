package io.zerotrust.k8s;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The manifests: every YAML document of every file under {@code infra/k8s/manifests}. */
final class Manifests {

    /** YAML with duplicate keys refused (kubectl refuses them too). */
    static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    /** The module's folder (the tests run in it), the repository's root and the manifests. */
    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path ROOT = MODULE.getParent().getParent();
    static final Path DIR = MODULE.resolve("manifests");

    private Manifests() {
    }

    /** One YAML document: its file, its 1-based position in the file, its content. */
    record Doc(Path file, int index, JsonNode node) {

        String apiVersion() {
            return node.path("apiVersion").asText(null);
        }

        String kind() {
            return node.path("kind").asText(null);
        }

        String name() {
            return node.path("metadata").path("name").asText(null);
        }

        /** {@code gateway/deployment.yaml (document 1, Deployment zt-gateway)} */
        String label() {
            Path shown = file.startsWith(DIR) ? DIR.relativize(file) : file;
            return shown + " (document " + index + ", " + kind() + " " + name() + ")";
        }
    }

    static Path root() {
        if (!Files.isDirectory(ROOT.resolve("schemas")) || !Files.isDirectory(DIR)) {
            throw new IllegalStateException("run the tests from infra/k8s (mvn -pl infra/k8s test): " + MODULE);
        }
        return ROOT;
    }

    /** Every manifest file (*.yaml, *.yml) under {@code dir} except kustomization.yaml, sorted. */
    static List<Path> files(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .filter(p -> !p.getFileName().toString().startsWith("kustomization."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The documents of one file; empty documents (comments only) are skipped. */
    static List<Doc> read(Path file) {
        List<Doc> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            int index = 0;
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                index++;
                if (n != null && !n.isNull() && !n.isMissingNode() && !(n.isObject() && n.isEmpty())) {
                    docs.add(new Doc(file, index, n));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid YAML: " + e.getMessage(), e);
        }
        return docs;
    }

    /** Every document of every manifest file. */
    static List<Doc> all() {
        List<Doc> docs = new ArrayList<>();
        files(DIR).forEach(f -> docs.addAll(read(f)));
        return docs;
    }

    static List<Doc> ofKind(List<Doc> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.kind())).toList();
    }

    static Doc one(List<Doc> docs, String kind, String name) {
        return docs.stream().filter(d -> kind.equals(d.kind()) && name.equals(d.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the manifests"));
    }
}
