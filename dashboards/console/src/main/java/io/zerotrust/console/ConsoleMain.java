package io.zerotrust.console;

import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./pipeline console [--key=value ...]} serves the console; {@code ./pipeline console create-user NAME
 * --role=admin|analyst|viewer} adds a user (or sets a user's password and role), reading the password from the
 * terminal, or from standard input or {@code ZT_CONSOLE_PASSWORD} when there is no terminal. There is no default user.
 */
public final class ConsoleMain {

    private ConsoleMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>(List.of(args));
        if (rest.contains("-h") || rest.contains("--help")) {
            System.out.println("usage: ./pipeline console [--key=value ...]\n"
                    + "       ./pipeline console create-user NAME --role=admin|analyst|viewer [--key=value ...]\n"
                    + ConsoleSettings.usage());
            return;
        }
        try {
            if (!rest.isEmpty() && rest.get(0).equals("create-user")) {
                createUser(rest.subList(1, rest.size()));
                return;
            }
            ConsoleSettings s = ConsoleSettings.parse(rest, System.getenv());
            io.zerotrust.console.Console c = io.zerotrust.console.Console.start(s);
            if (c.users().isEmpty()) {
                System.out.println("console: no users yet; create the first admin with ./pipeline console create-user "
                        + "NAME --role=admin");
            }
            System.out.println("console: " + c.url() + "  (users " + s.usersFile() + ", audit " + s.auditFile()
                    + "; Kafka " + s.kafkaBootstrap() + "). Ctrl-C stops.");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // stopping anyway
                }
            }));
            Thread.currentThread().join();
        } catch (IllegalArgumentException e) {
            System.err.println("console: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void createUser(List<String> args) throws Exception {
        String name = null;
        Role role = null;
        List<String> settings = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("--role=")) {
                role = Role.parse(a.substring(7));
            } else if (a.startsWith("--")) {
                settings.add(a);
            } else if (name == null) {
                name = a;
            } else {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
        }
        if (name == null || role == null) {
            throw new IllegalArgumentException("usage: ./pipeline console create-user NAME --role=admin|analyst|viewer");
        }
        ConsoleSettings s = ConsoleSettings.parse(settings, System.getenv());
        char[] password = password(name);
        Users users = Users.load(s.usersFile());
        boolean existed = users.get(name).isPresent();
        users.put(name, role, password);
        System.out.println("console: " + (existed ? "updated" : "created") + " " + role + " " + name + " in "
                + s.usersFile());
    }

    private static char[] password(String name) throws Exception {
        Console terminal = System.console();
        if (terminal != null) {
            char[] a = terminal.readPassword("password for %s (at least %d characters): ", name, Users.MIN_PASSWORD);
            char[] b = terminal.readPassword("again: ");
            if (a == null || b == null || !java.util.Arrays.equals(a, b)) {
                throw new IllegalArgumentException("the two passwords differ");
            }
            return a;
        }
        String env = System.getenv("ZT_CONSOLE_PASSWORD");
        if (env != null && !env.isEmpty()) {
            return env.toCharArray();
        }
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null) {
            throw new IllegalArgumentException("no password given: type it at the terminal, or pipe it on standard "
                    + "input, or set ZT_CONSOLE_PASSWORD");
        }
        return line.toCharArray();
    }
}
