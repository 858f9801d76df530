package io.zerotrust.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * Schemas, subjects, versions and compatibility settings, kept in memory and persisted to one JSON file after every
 * change (write to a temporary file, then an atomic rename), so a restarted registry answers with the same ids.
 * Ids are global and content-addressed: the same schema under two subjects has one id, as in Confluent's registry.
 * All methods are synchronized; a registry's write rate is tiny.
 */
public final class SchemaStore {

    /** One registered version of a subject. */
    public record Version(String subject, int version, int id, String schema) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<String, List<Version>> subjects = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new TreeMap<>();
    private CompatibilityLevel globalLevel;
    private int nextId = 1;

    /**
     * Opens the store backed by {@code file} (created on the first change), or an in-memory store when it is null.
     */
    public SchemaStore(Path file, CompatibilityLevel defaultLevel) {
        this.file = file;
        this.globalLevel = defaultLevel;
        if (file != null && Files.exists(file)) {
            load();
        }
    }

    public synchronized List<String> subjects() {
        return new ArrayList<>(subjects.keySet());
    }

    public synchronized List<Integer> versions(String subject) {
        return versionsOf(subject).stream().map(Version::version).toList();
    }

    public synchronized Version version(String subject, String version) {
        List<Version> versions = versionsOf(subject);
        if ("latest".equals(version) || "-1".equals(version)) {
            return versions.get(versions.size() - 1);
        }
        int v = parseVersion(version);
        return versions.stream().filter(x -> x.version() == v).findFirst()
                .orElseThrow(() -> RegistryException.versionNotFound(subject, version));
    }

    public synchronized String schemaById(int id) {
        String schema = schemasById.get(id);
        if (schema == null) {
            throw RegistryException.schemaNotFound("no schema with id " + id);
        }
        return schema;
    }

    public synchronized List<Version> versionsById(int id) {
        schemaById(id);
        List<Version> out = new ArrayList<>();
        subjects.values().forEach(vs -> vs.stream().filter(v -> v.id() == id).forEach(out::add));
        return out;
    }

    /** Registers {@code schemaText} under {@code subject}; returns the existing id if it is already there. */
    public synchronized int register(String subject, String schemaText) {
        Schema candidate = parse(schemaText);
        String canonical = candidate.toString();
        Optional<Version> existing = find(subject, canonical);
        if (existing.isPresent()) {
            return existing.get().id();
        }
        List<String> problems = check(subject, candidate, "latest");
        if (!problems.isEmpty()) {
            throw RegistryException.incompatible(String.join("; ", problems));
        }
        int id = idsBySchema.computeIfAbsent(canonical, c -> {
            int newId = nextId++;
            schemasById.put(newId, c);
            return newId;
        });
        List<Version> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        int version = versions.isEmpty() ? 1 : versions.get(versions.size() - 1).version() + 1;
        versions.add(new Version(subject, version, id, canonical));
        save();
        return id;
    }

    /** Finds the version of {@code subject} holding exactly this schema. */
    public synchronized Version lookup(String subject, String schemaText) {
        versionsOf(subject);
        return find(subject, parse(schemaText).toString())
                .orElseThrow(() -> RegistryException.schemaNotFound("this schema is not registered under subject '"
                        + subject + "'"));
    }

    /**
     * Checks {@code schemaText} against {@code version} of {@code subject} (or every version, for a transitive level)
     * and returns one message per incompatibility; empty when compatible or when the subject does not exist yet.
     */
    public synchronized List<String> testCompatibility(String subject, String version, String schemaText) {
        Schema candidate = parse(schemaText);
        if (!subjects.containsKey(subject)) {
            if ("latest".equals(version)) {
                return List.of();
            }
            throw RegistryException.subjectNotFound(subject);
        }
        return check(subject, candidate, version);
    }

    public synchronized List<Integer> deleteSubject(String subject) {
        List<Integer> versions = versions(subject);
        subjects.remove(subject);
        subjectLevels.remove(subject);
        save();
        return versions;
    }

    public synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    public synchronized void setGlobalLevel(CompatibilityLevel level) {
        globalLevel = level;
        save();
    }

    public synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    public synchronized void setSubjectLevel(String subject, CompatibilityLevel level) {
        subjectLevels.put(subject, level);
        save();
    }

    public synchronized void clearSubjectLevel(String subject) {
        subjectLevels.remove(subject);
        save();
    }

    private List<String> check(String subject, Schema candidate, String version) {
        List<Version> versions = subjects.getOrDefault(subject, List.of());
        if (versions.isEmpty()) {
            return List.of();
        }
        CompatibilityLevel level = subjectLevels.getOrDefault(subject, globalLevel);
        List<Version> against;
        if (level.transitive) {
            against = versions;
        } else if ("latest".equals(version) || "-1".equals(version)) {
            against = List.of(versions.get(versions.size() - 1));
        } else {
            against = List.of(version(subject, version));
        }
        List<String> problems = new ArrayList<>();
        for (Version v : against) {
            problems.addAll(AvroCompatibility.check(candidate, parse(v.schema()), v.version(), level));
        }
        return problems;
    }

    private Optional<Version> find(String subject, String canonical) {
        return subjects.getOrDefault(subject, List.of()).stream()
                .filter(v -> v.schema().equals(canonical)).findFirst();
    }

    private List<Version> versionsOf(String subject) {
        List<Version> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        return versions;
    }

    private static int parseVersion(String version) {
        try {
            int v = Integer.parseInt(version);
            if (v < 1) {
                throw RegistryException.invalidVersion(version);
            }
            return v;
        } catch (NumberFormatException e) {
            throw RegistryException.invalidVersion(version);
        }
    }

    static Schema parse(String schemaText) {
        if (schemaText == null || schemaText.isBlank()) {
            throw RegistryException.invalidSchema("the request has no schema");
        }
        try {
            return new Schema.Parser().parse(schemaText);
        } catch (SchemaParseException e) {
            throw RegistryException.invalidSchema(e.getMessage());
        }
    }

    private void load() {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            globalLevel = CompatibilityLevel.parse(root.path("compatibility").asText(globalLevel.name()));
            nextId = root.path("nextId").asInt(1);
            for (JsonNode s : root.path("schemas")) {
                schemasById.put(s.get("id").asInt(), s.get("schema").asText());
                idsBySchema.put(s.get("schema").asText(), s.get("id").asInt());
            }
            root.path("subjects").fields().forEachRemaining(e -> {
                List<Version> versions = new ArrayList<>();
                for (JsonNode v : e.getValue()) {
                    int id = v.get("id").asInt();
                    versions.add(new Version(e.getKey(), v.get("version").asInt(), id, schemasById.get(id)));
                }
                subjects.put(e.getKey(), versions);
            });
            root.path("subjectCompatibility").fields().forEachRemaining(
                    e -> subjectLevels.put(e.getKey(), CompatibilityLevel.parse(e.getValue().asText())));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the registry's data file " + file + ": " + e.getMessage()
                    + ". Fix or remove the file (the registry then starts empty).", e);
        }
    }

    private void save() {
        if (file == null) {
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("compatibility", globalLevel.name());
        root.put("nextId", nextId);
        ArrayNode schemas = root.putArray("schemas");
        new TreeMap<>(schemasById).forEach((id, s) -> schemas.addObject().put("id", id).put("schema", s));
        ObjectNode subjectsNode = root.putObject("subjects");
        subjects.forEach((subject, versions) -> {
            ArrayNode arr = subjectsNode.putArray(subject);
            versions.forEach(v -> arr.addObject().put("version", v.version()).put("id", v.id()));
        });
        ObjectNode levels = root.putObject("subjectCompatibility");
        new LinkedHashMap<>(subjectLevels).forEach((s, l) -> levels.put(s, l.name()));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the registry's data file " + file, e);
        }
    }
}
