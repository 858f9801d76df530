package io.zerotrust.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.schemas.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compatibility gate of the build: every contract is registered in a real registry at its last released version
 * (kept in {@code schemas/released/}) and the current schema must be FULL compatible with it. A failure names the
 * schema, the subject and the field.
 */
class SchemaCompatibilityGateTest {

    private static Path releasedDir() {
        return Path.of(System.getProperty("zt.schemas.released", "released"));
    }

    @Test
    void everyContractIsCompatibleWithItsReleasedVersion() throws Exception {
        try (RegistryServerFixture registry = new RegistryServerFixture()) {
            List<String> failures = SchemaContracts.checkAgainstReleased(registry.client, releasedDir());
            assertThat(failures).withFailMessage(() -> "\n" + String.join("\n\n", failures)).isEmpty();
            for (var topic : Topics.avroTopics()) {
                assertThat(registry.client.latest(topic.valueSubject()).orElseThrow().schema())
                        .isEqualTo(topic.valueSchema().orElseThrow());
            }
        }
    }

    @Test
    void removingAFieldWithoutADefaultFailsNamingSchemaAndField(@TempDir Path released) throws Exception {
        // Released version had a required field 'legacyScore'; the current schema no longer has it.
        Schema current = ConnectionEvent.getClassSchema();
        String withExtra = current.toString().replaceFirst("\"fields\":\\[",
                "\"fields\":[{\"name\":\"legacyScore\",\"type\":\"double\"},");
        Files.writeString(released.resolve("ConnectionEvent.avsc"), withExtra);
        try (RegistryServerFixture registry = new RegistryServerFixture()) {
            List<String> failures = SchemaContracts.checkAgainstReleased(registry.client, released,
                    Map.of("conn.events-value", current));
            assertThat(failures).hasSize(1);
            assertThat(failures.get(0)).contains("ConnectionEvent", "conn.events-value", "'legacyScore'",
                    "FORWARD", "no default");
        }
    }

    @Test
    void addingAFieldWithoutADefaultFailsNamingSchemaAndField(@TempDir Path released) throws Exception {
        Schema current = ConnectionEvent.getClassSchema();
        Files.writeString(released.resolve("ConnectionEvent.avsc"), current.toString());
        Schema withNewRequired = new Schema.Parser().parse(current.toString().replaceFirst("\"fields\":\\[",
                "\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},"));
        try (RegistryServerFixture registry = new RegistryServerFixture()) {
            List<String> failures = SchemaContracts.checkAgainstReleased(registry.client, released,
                    Map.of("conn.events-value", withNewRequired));
            assertThat(failures).hasSize(1);
            assertThat(failures.get(0)).contains("ConnectionEvent", "'tenant'", "BACKWARD", "added without a default");
        }
    }

    @Test
    void aContractWithoutAReleasedVersionFailsWithWhatToDo(@TempDir Path released) throws Exception {
        try (RegistryServerFixture registry = new RegistryServerFixture()) {
            List<String> failures = SchemaContracts.checkAgainstReleased(registry.client, released,
                    Map.of("conn.events-value", ConnectionEvent.getClassSchema()));
            assertThat(failures).singleElement().asString().contains("no released version", "release-schemas");
        }
    }
}
