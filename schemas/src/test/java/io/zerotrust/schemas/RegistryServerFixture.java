package io.zerotrust.schemas;

import io.zerotrust.registry.CompatibilityLevel;
import io.zerotrust.registry.SchemaRegistryServer;
import io.zerotrust.schemas.registry.RegistryClient;
import java.io.IOException;

/** A real registry server on a free loopback port and a client talking to it over HTTP; one per test class. */
final class RegistryServerFixture implements AutoCloseable {
    final SchemaRegistryServer server;
    final RegistryClient client;

    RegistryServerFixture() throws IOException {
        server = SchemaRegistryServer.start("127.0.0.1", 0, null, CompatibilityLevel.BACKWARD);
        client = RegistryClient.connect(server.url());
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
