package io.zerotrust.demo;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What {@code ./pipeline demo} and {@code ./pipeline bench} share on the command line. */
public final class Cli {

    /** A run of the command with its settings, returning the exit status. */
    public interface Run<S> {
        int run(S settings) throws Exception;
    }

    private Cli() {
    }

    /**
     * {@code --key=value} arguments by key; fails naming an argument of another shape or a key that is neither in
     * {@code known} nor starts with one of {@code passedOn} (settings handed to a stage, which checks them).
     */
    public static Map<String, String> settings(String[] args, List<String> known, List<String> passedOn) {
        Map<String, String> m = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("arguments are --key=value, got '" + a + "'");
            }
            m.put(a.substring(2, eq), a.substring(eq + 1));
        }
        for (String k : m.keySet()) {
            if (!known.contains(k) && passedOn.stream().noneMatch(k::startsWith)) {
                throw new IllegalArgumentException("unknown setting --" + k + "; known: --" + String.join(", --", known)
                        + (passedOn.isEmpty() ? "" : ", --" + String.join("*, --", passedOn) + "*"));
            }
        }
        return m;
    }

    /** Parses the settings and runs; exits with the run's status, or 2 naming a bad setting. */
    public static <S> void main(String name, String[] args, java.util.function.Function<String[], S> parse,
                                Run<S> run) throws Exception {
        S s;
        try {
            s = parse.apply(args);
        } catch (IllegalArgumentException e) {
            System.err.println(name + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run.run(s));
    }

    /** A progress line stamped with the seconds since {@code began}. */
    public static void say(Clock clock, long began, String message) {
        System.out.printf("[%4ds] %s%n", (clock.millis() - began) / 1000, message);
    }
}
