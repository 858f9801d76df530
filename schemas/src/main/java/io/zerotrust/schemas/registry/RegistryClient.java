package io.zerotrust.schemas.registry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.ParsedSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.SchemaMetadata;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.SchemaRegistryClient;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.rest.exceptions.RestClientException;

/**
 * The one place that talks to a schema registry. It wraps the Confluent client (which is only reachable relocated
 * inside a Flink jar, with its own shaded copy of Avro) so that no other class sees the shaded names: schemas cross
 * this boundary as JSON text and come back as plain {@link org.apache.avro.Schema}. Results are cached by the
 * Confluent client, so lookups after the first are local. Thread-safe.
 */
public final class RegistryClient implements AutoCloseable {

    /** One registered version of a subject. */
    public record SubjectVersion(String subject, int version, int id, Schema schema) {
    }

    private static final int CACHE_CAPACITY = 1_000;

    private final String url;
    private final SchemaRegistryClient client;

    private RegistryClient(String url, SchemaRegistryClient client) {
        this.url = url;
        this.client = client;
    }

    /**
     * Connects to the registry at {@code url} (e.g. {@code http://127.0.0.1:8081}). Nothing is sent until the first
     * call, so an unreachable registry shows up there, with its URL in the message.
     */
    public static RegistryClient connect(String url) {
        if (url == null || url.isBlank() || !(url.startsWith("http://") || url.startsWith("https://"))) {
            throw new IllegalArgumentException("schema registry URL must start with http:// or https://, got '" + url
                    + "'; set it to where the registry listens, e.g. http://127.0.0.1:8081");
        }
        String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return new RegistryClient(trimmed, new CachedSchemaRegistryClient(trimmed, CACHE_CAPACITY, Map.of()));
    }

    public String url() {
        return url;
    }

    /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. */
    public int register(String subject, Schema schema) {
        return call("register a schema under subject '" + subject + "'", () -> client.register(subject, avro(schema)));
    }

    /** Returns the id of {@code schema} if it is registered under {@code subject}, without registering it. */
    public int idOf(String subject, Schema schema) {
        return call("look up a schema under subject '" + subject + "'", () -> client.getId(subject, avro(schema)));
    }

    /** Returns the schema with the global id {@code id}. */
    public Schema schemaById(int id) {
        return call("fetch schema id " + id, () -> parse(client.getSchemaById(id)));
    }

    public List<String> subjects() {
        return call("list subjects", () -> new ArrayList<>(client.getAllSubjects()));
    }

    /** The latest version of {@code subject}, or empty if the subject does not exist. */
    public Optional<SubjectVersion> latest(String subject) {
        try {
            SchemaMetadata m = client.getLatestSchemaMetadata(subject);
            return Optional.of(new SubjectVersion(subject, m.getVersion(), m.getId(),
                    new Schema.Parser().parse(m.getSchema())));
        } catch (RestClientException e) {
            if (e.getErrorCode() == 40401) {
                return Optional.empty();
            }
            throw failure("read the latest version of subject '" + subject + "'", e);
        } catch (IOException e) {
            throw failure("read the latest version of subject '" + subject + "'", e);
        }
    }

    /**
     * Asks the registry whether {@code schema} may be registered under {@code subject} at the subject's
     * compatibility level; returns the registry's explanation of each problem, empty when compatible.
     */
    public List<String> compatibilityProblems(String subject, Schema schema) {
        return call("check compatibility under subject '" + subject + "'",
                () -> client.testCompatibilityVerbose(subject, avro(schema)));
    }

    /** Sets the compatibility level (BACKWARD, FORWARD, FULL, ..., NONE) of one subject. */
    public void setCompatibility(String subject, String level) {
        call("set the compatibility of subject '" + subject + "'", () -> client.updateCompatibility(subject, level));
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            // closing only releases cached state; nothing to recover
        }
    }

    private static AvroSchema avro(Schema schema) {
        return new AvroSchema(Objects.requireNonNull(schema, "schema").toString());
    }

    private static Schema parse(ParsedSchema parsed) {
        if (!"AVRO".equals(parsed.schemaType())) {
            throw new SchemaRegistryException("the registry returned a " + parsed.schemaType()
                    + " schema where an Avro schema was expected", null);
        }
        return new Schema.Parser().parse(parsed.canonicalString());
    }

    private interface Call<T> {
        T run() throws IOException, RestClientException;
    }

    private <T> T call(String what, Call<T> call) {
        try {
            return call.run();
        } catch (IOException | RestClientException e) {
            throw failure(what, e);
        }
    }

    private SchemaRegistryException failure(String what, Exception e) {
        String detail = e instanceof RestClientException r
                ? r.getMessage() + " (HTTP " + r.getStatus() + ", error code " + r.getErrorCode() + ")"
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new SchemaRegistryException("cannot " + what + " at schema registry " + url + ": " + detail, e);
    }
}
