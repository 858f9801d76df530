package io.zerotrust.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DeadLetter;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.registry.SchemaRegistryException;
import java.net.ServerSocket;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The adapter over the Confluent client, against a real registry server over HTTP. */
class RegistryClientTest {

    @Test
    void registersLooksUpAndFetches() throws Exception {
        try (RegistryServerFixture registry = new RegistryServerFixture()) {
            RegistryClient client = registry.client;
            Schema schema = ConnectionEvent.getClassSchema();
            assertThat(client.latest("conn.events-value")).isEmpty();

            int id = client.register("conn.events-value", schema);
            assertThat(client.register("conn.events-value", schema)).isEqualTo(id);
            assertThat(client.idOf("conn.events-value", schema)).isEqualTo(id);
            assertThat(client.schemaById(id)).isEqualTo(schema);
            assertThat(client.subjects()).containsExactly("conn.events-value");
            assertThat(client.latest("conn.events-value")).hasValueSatisfying(v -> {
                assertThat(v.version()).isEqualTo(1);
                assertThat(v.id()).isEqualTo(id);
                assertThat(v.schema()).isEqualTo(schema);
            });

            client.setCompatibility("conn.events-value", "FULL");
            assertThat(client.compatibilityProblems("conn.events-value", schema)).isEmpty();
            assertThat(client.compatibilityProblems("conn.events-value", DeadLetter.getClassSchema()))
                    .isNotEmpty().allSatisfy(m -> assertThat(m).contains("not", "compatible"));
        }
    }

    @Test
    void failuresNameTheRegistryAndWhatWasAsked() throws Exception {
        try (RegistryServerFixture registry = new RegistryServerFixture()) {
            assertThatThrownBy(() -> registry.client.idOf("nope-value", DeadLetter.getClassSchema()))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining(registry.server.url())
                    .hasMessageContaining("nope-value");
            assertThatThrownBy(() -> registry.client.schemaById(999))
                    .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("999");
        }
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (RegistryClient unreachable = RegistryClient.connect("http://127.0.0.1:" + closedPort)) {
            assertThatThrownBy(unreachable::subjects)
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("http://127.0.0.1:" + closedPort);
        }
        assertThatThrownBy(() -> RegistryClient.connect("127.0.0.1:8081"))
                .hasMessageContaining("http://");
    }
}
