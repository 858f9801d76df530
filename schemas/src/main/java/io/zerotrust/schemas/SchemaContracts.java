package io.zerotrust.schemas;

import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaFormatter;
import org.apache.avro.SchemaParseException;

/**
 * The contracts as a whole: registering every topic's value schema, and the compatibility gate that holds each
 * schema to its last released version kept in the repository ({@code schemas/released/<Record>.avsc}).
 *
 * <p>The project's level is FULL: a new schema must be BACKWARD compatible (consumers on it read old data) and
 * FORWARD compatible (consumers still on the released version read new data), because the gateway, the ingest and
 * the Flink jobs are upgraded independently and in any order. BACKWARD alone would let a field without a default be
 * removed, which breaks every consumer that has not been upgraded yet.
 */
public final class SchemaContracts {

    /** The compatibility level every subject of the pipeline is registered with. */
    public static final String COMPATIBILITY = "FULL";

    private SchemaContracts() {
    }

    /** Sets each Avro topic's subject to {@link #COMPATIBILITY} and registers its current value schema. */
    public static Map<String, Integer> registerAll(RegistryClient registry) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (Topic<?, ?> topic : Topics.avroTopics()) {
            registry.setCompatibility(topic.valueSubject(), COMPATIBILITY);
            ids.put(topic.valueSubject(), registry.register(topic.valueSubject(), topic.valueSchema().orElseThrow()));
        }
        return ids;
    }

    /**
     * The compatibility gate. On a registry that does not hold these subjects yet, registers each contract's last
     * released version, then asks the registry whether the current schema may follow it. Returns one readable
     * failure per contract that may not (naming the schema, the subject and each offending field); empty when all
     * pass. The current schemas are registered too, so the registry ends up holding both versions.
     */
    public static List<String> checkAgainstReleased(RegistryClient registry, Path releasedDir) {
        Map<String, Schema> current = new LinkedHashMap<>();
        Topics.avroTopics().forEach(t -> current.put(t.valueSubject(), t.valueSchema().orElseThrow()));
        return checkAgainstReleased(registry, releasedDir, current);
    }

    /** The gate for the given current schemas by subject. */
    static List<String> checkAgainstReleased(RegistryClient registry, Path releasedDir,
                                             Map<String, Schema> currentBySubject) {
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Schema> entry : currentBySubject.entrySet()) {
            Schema current = entry.getValue();
            Path file = releasedFile(releasedDir, current);
            String subject = entry.getKey();
            if (!Files.exists(file)) {
                failures.add("Schema " + current.getName() + " (subject " + subject + ") has no released version at "
                        + file + ". A new contract is released by writing its current schema there: run"
                        + " ./pipeline release-schemas and commit the file.");
                continue;
            }
            Schema released;
            try {
                released = new Schema.Parser().parse(Files.readString(file, StandardCharsets.UTF_8));
            } catch (IOException | SchemaParseException e) {
                failures.add("Released schema " + file + " cannot be read: " + e.getMessage());
                continue;
            }
            registry.setCompatibility(subject, COMPATIBILITY);
            registry.register(subject, released);
            List<String> problems = registry.compatibilityProblems(subject, current);
            if (problems.isEmpty()) {
                registry.register(subject, current);
            } else {
                failures.add("Schema " + current.getName() + " (subject " + subject + ") is not " + COMPATIBILITY
                        + " compatible with its last released version " + file + ":\n    - "
                        + String.join("\n    - ", problems)
                        + "\n  Add a default to new fields and keep released fields (or give them a default first);"
                        + " a change that cannot be compatible needs a new topic.");
            }
        }
        return failures;
    }

    /** Where the released version of a record's schema is kept. */
    public static Path releasedFile(Path releasedDir, Schema schema) {
        return releasedDir.resolve(schema.getName() + ".avsc");
    }

    /**
     * Releases the current schemas: writes each one, self-contained, to {@code releasedDir}. The next change is then
     * checked against them. Usage: {@code SchemaContracts <released-dir>}.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: SchemaContracts <released-dir>");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Topic<?, ?> topic : Topics.avroTopics()) {
            Schema schema = topic.valueSchema().orElseThrow();
            Path file = releasedFile(dir, schema);
            Files.writeString(file, SchemaFormatter.format("json/pretty", schema) + "\n", StandardCharsets.UTF_8);
            System.out.println("released " + schema.getFullName() + " -> " + file);
        }
    }
}
