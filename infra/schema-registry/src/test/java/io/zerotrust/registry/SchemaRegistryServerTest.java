package io.zerotrust.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaRegistryServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V1 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\"}]}";
    private static final String V2_WITH_DEFAULT = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\"},"
            + "{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    private static final String V2_AGE_REMOVED = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}";

    @TempDir
    Path dir;
    private SchemaRegistryServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        server = SchemaRegistryServer.start("127.0.0.1", 0, dir.resolve("registry.json"), CompatibilityLevel.BACKWARD);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void registersListsAndFetchesById() throws Exception {
        int id = register("users-value", V1).get("id").asInt();
        assertThat(register("users-value", V1).get("id").asInt()).as("registering twice is idempotent").isEqualTo(id);
        assertThat(register("other-value", V1).get("id").asInt()).as("ids are content-addressed").isEqualTo(id);

        assertThat(get("/subjects").toString()).isEqualTo("[\"other-value\",\"users-value\"]");
        JsonNode latest = get("/subjects/users-value/versions/latest");
        assertThat(latest.get("version").asInt()).isEqualTo(1);
        assertThat(latest.get("id").asInt()).isEqualTo(id);
        assertThat(JSON.readTree(get("/schemas/ids/" + id).get("schema").asText()))
                .isEqualTo(JSON.readTree(V1));
        assertThat(post("/subjects/users-value", V1).body().get("version").asInt()).isEqualTo(1);
    }

    @Test
    void evolvesCompatiblyAndRejectsBreakingChangesNamingTheField() throws Exception {
        register("users-value", V1);
        put("/config/users-value", "{\"compatibility\":\"FULL\"}");
        assertThat(get("/config/users-value").get("compatibilityLevel").asText()).isEqualTo("FULL");

        Response check = post("/compatibility/subjects/users-value/versions/latest?verbose=true", V2_AGE_REMOVED);
        assertThat(check.body().get("is_compatible").asBoolean()).isFalse();
        assertThat(check.body().get("messages").get(0).asText())
                .contains("t.User", "'age'", "FORWARD", "no default");

        Response rejected = post("/subjects/users-value/versions", V2_AGE_REMOVED);
        assertThat(rejected.status()).isEqualTo(409);
        assertThat(rejected.body().get("message").asText()).contains("'age'");

        assertThat(post("/compatibility/subjects/users-value/versions/latest", V2_WITH_DEFAULT)
                .body().get("is_compatible").asBoolean()).isTrue();
        register("users-value", V2_WITH_DEFAULT);
        assertThat(get("/subjects/users-value/versions").toString()).isEqualTo("[1,2]");
    }

    @Test
    void keepsSchemasAcrossRestarts() throws Exception {
        int id = register("users-value", V1).get("id").asInt();
        put("/config", "{\"compatibility\":\"FULL_TRANSITIVE\"}");
        server.close();
        server = SchemaRegistryServer.start("127.0.0.1", 0, dir.resolve("registry.json"), CompatibilityLevel.BACKWARD);

        assertThat(get("/subjects").toString()).isEqualTo("[\"users-value\"]");
        assertThat(get("/schemas/ids/" + id).has("schema")).isTrue();
        assertThat(get("/config").get("compatibilityLevel").asText()).isEqualTo("FULL_TRANSITIVE");
        assertThat(register("users-value", V2_WITH_DEFAULT).get("id").asInt()).isEqualTo(id + 1);
    }

    @Test
    void answersErrorsInTheConfluentFormat() throws Exception {
        Response missing = request("GET", "/subjects/nope/versions/latest", null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().get("error_code").asInt()).isEqualTo(40401);

        Response badSchema = post("/subjects/x-value/versions", "{\"type\":\"record\"");
        assertThat(badSchema.status()).isEqualTo(422);
        assertThat(badSchema.body().get("error_code").asInt()).isEqualTo(42201);

        Response badLevel = request("PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}");
        assertThat(badLevel.status()).isEqualTo(422);
        assertThat(badLevel.body().get("message").asText()).contains("SIDEWAYS", "BACKWARD");
    }

    @Test
    void aTakenPortFailsNamingIt() {
        int port = server.port();
        assertThatThrownBy(() -> SchemaRegistryServer.start("127.0.0.1", port, null, CompatibilityLevel.BACKWARD))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("port " + port);
    }

    private JsonNode register(String subject, String schema) throws Exception {
        Response r = post("/subjects/" + subject + "/versions", schema);
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        return r.body();
    }

    private JsonNode get(String path) throws Exception {
        Response r = request("GET", path, null);
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        return r.body();
    }

    private void put(String path, String json) throws Exception {
        assertThat(request("PUT", path, json).status()).isEqualTo(200);
    }

    private Response post(String path, String schema) throws Exception {
        return request("POST", path, JSON.createObjectNode().put("schema", schema).toString());
    }

    private Response request(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(resp.statusCode(), JSON.readTree(resp.body()));
    }

    private record Response(int status, JsonNode body) {
    }
}
