package io.zerotrust.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

/**
 * The console's users, in a JSON file ({@code console.users.file}): name, role and an Argon2id hash of the password
 * (Spring Security's encoder with its current defaults: 16-byte salt, 32-byte hash, 19 MiB, 2 iterations). There is
 * no default user and no default password: the first admin is created with {@code ./pipeline console create-user}.
 * The file is written readable by its owner only, and replaced atomically.
 */
public final class Users {

    /** A user as stored. */
    public record User(String name, Role role, String hash, long createdAt) {
    }

    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9._-]{1,63}");
    static final int MIN_PASSWORD = 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Argon2PasswordEncoder encoder = Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8();
    private final Map<String, User> users = new LinkedHashMap<>();
    /** Checked against when the user does not exist, so that a wrong name costs as much time as a wrong password. */
    private final String decoy;

    private Users(Path file) {
        this.file = file;
        this.decoy = encoder.encode("not a password of anyone's");
    }

    /** The users of {@code file}; none when it does not exist yet. */
    public static Users load(Path file) throws IOException {
        Users u = new Users(file);
        if (Files.exists(file)) {
            JsonNode root = JSON.readTree(file.toFile());
            for (JsonNode n : root.path("users")) {
                User user = new User(n.path("name").asText(), Role.parse(n.path("role").asText()),
                        n.path("hash").asText(), n.path("createdAt").asLong());
                u.users.put(user.name(), user);
            }
        }
        return u;
    }

    public synchronized boolean isEmpty() {
        return users.isEmpty();
    }

    public synchronized Optional<User> get(String name) {
        return Optional.ofNullable(users.get(name));
    }

    /** Adds or replaces a user; refuses a bad name or a weak password with a message saying what is wanted. */
    public synchronized User put(String name, Role role, char[] password) throws IOException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a user name is 2-64 characters: lower-case letters, digits, '.', '_' "
                    + "or '-', starting with a letter; got '" + name + "'");
        }
        if (password == null || password.length < MIN_PASSWORD) {
            throw new IllegalArgumentException("a password has at least " + MIN_PASSWORD + " characters");
        }
        User u = new User(name, role, encoder.encode(new String(password)), System.currentTimeMillis());
        users.put(name, u);
        save();
        return u;
    }

    /** The user, if {@code password} is theirs. Takes about as long for an unknown name as for a wrong password. */
    public Optional<User> verify(String name, String password) {
        User u;
        synchronized (this) {
            u = name == null ? null : users.get(name);
        }
        if (password == null) {
            return Optional.empty();
        }
        if (u == null) {
            encoder.matches(password, decoy);
            return Optional.empty();
        }
        return encoder.matches(password, u.hash()) ? Optional.of(u) : Optional.empty();
    }

    private void save() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("users");
        for (User u : users.values()) {
            list.addObject().put("name", u.name()).put("role", u.role().toString()).put("hash", u.hash())
                    .put("createdAt", u.createdAt());
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".users", ".json");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // other file systems keep their own permissions
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
