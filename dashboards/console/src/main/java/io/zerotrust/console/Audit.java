package io.zerotrust.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Every change made in the console, one JSON line each in {@code console.audit.file}: when, who (and their role),
 * what (e.g. {@code override.create}), on which entity or rule, and the before and after. Appended and flushed before
 * the change is answered; never rewritten.
 */
public final class Audit {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    public Audit(Path file) throws IOException {
        this.file = file;
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
    }

    public synchronized void record(String user, Role role, String action, String target, JsonNode before,
                                    JsonNode after) throws IOException {
        ObjectNode n = JSON.createObjectNode().put("at", System.currentTimeMillis()).put("user", user)
                .put("role", role.toString()).put("action", action).put("target", target);
        n.set("before", before);
        n.set("after", after);
        Files.writeString(file, n + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    }

    /** The newest {@code n} entries, newest first. */
    public synchronized List<JsonNode> newest(int n) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0 && out.size() < n; i--) {
            out.add(JSON.readTree(lines.get(i)));
        }
        return out;
    }
}
