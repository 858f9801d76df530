package io.zerotrust.jobs;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A job's settings: flags {@code --key=value} over environment variables {@code ZT_KEY} over documented defaults.
 * Keys under a declared prefix (such as {@code detector.}) are passed through for the job to check. Every accessor
 * fails with a message that names the key and what to do.
 */
public final class JobSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The keys a job knows, with defaults and help. */
    public static final class Spec implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String job;
        private final Map<String, String> defaults = new LinkedHashMap<>();
        private final Map<String, String> help = new LinkedHashMap<>();
        private final Map<String, String> prefixes = new LinkedHashMap<>();

        public Spec(String job) {
            this.job = job;
        }

        public Spec key(String key, String dflt, String text) {
            defaults.put(key, dflt);
            help.put(key, text);
            return this;
        }

        /** Keys {@code prefix*} are accepted as they are, described by {@code text}. */
        public Spec prefix(String prefix, String text) {
            prefixes.put(prefix, text);
            return this;
        }

        public String usage() {
            StringBuilder sb = new StringBuilder(job + " settings (flag --key=value, or environment variable):\n");
            help.forEach((k, h) -> sb.append(String.format(Locale.ROOT, "  --%-28s %-32s %s (default: %s)%n", k,
                    envName(k), h, defaults.get(k).isEmpty() ? "none" : defaults.get(k))));
            prefixes.forEach((p, h) -> sb.append("  --").append(p).append("<name>=<value>  ").append(h).append('\n'));
            return sb.toString();
        }

        /** Flags over the environment over the defaults. */
        public JobSettings parse(List<String> args, Map<String, String> env) {
            Map<String, String> values = new LinkedHashMap<>();
            for (String key : defaults.keySet()) {
                String v = env.get(envName(key));
                if (v != null) {
                    values.put(key, v.trim());
                }
            }
            for (String arg : args) {
                if (!arg.startsWith("--") || !arg.contains("=")) {
                    throw new IllegalArgumentException("unexpected argument '" + arg + "': settings are given as "
                            + "--key=value.\n" + usage());
                }
                values.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1).trim());
            }
            return of(values);
        }

        /** Explicit values over the defaults; an unknown key is refused with the list of known ones. */
        public JobSettings of(Map<String, String> overrides) {
            Map<String, String> values = new LinkedHashMap<>(defaults);
            Map<String, String> extra = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : overrides.entrySet()) {
                if (defaults.containsKey(e.getKey())) {
                    values.put(e.getKey(), e.getValue());
                } else if (prefixes.keySet().stream().anyMatch(e.getKey()::startsWith)) {
                    extra.put(e.getKey(), e.getValue());
                } else {
                    throw new IllegalArgumentException("unknown setting '" + e.getKey() + "'.\n" + usage());
                }
            }
            return new JobSettings(values, extra, new java.util.HashSet<>(overrides.keySet()));
        }
    }

    private final Map<String, String> values;
    private final Map<String, String> extra;
    private final java.util.HashSet<String> given;

    private JobSettings(Map<String, String> values, Map<String, String> extra, java.util.HashSet<String> given) {
        this.values = values;
        this.extra = extra;
        this.given = given;
    }

    /** Whether {@code key} was given (as a flag, an environment variable or an explicit value), not defaulted. */
    public boolean given(String key) {
        return given.contains(key);
    }

    public static String envName(String key) {
        return "ZT_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no setting '" + key + "'");
        }
        return v;
    }

    /** The passed-through {@code prefix*} settings, without the prefix. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        extra.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    public long number(String key) {
        try {
            return Long.parseLong(get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got '" + get(key) + "'");
        }
    }

    /** A whole number of at least {@code min}. */
    public long atLeast(String key, long min) {
        long v = number(key);
        if (v < min) {
            throw new IllegalArgumentException(key + " must be at least " + min + ", got " + v);
        }
        return v;
    }

    public Duration millis(String key, long min) {
        return Duration.ofMillis(atLeast(key, min));
    }

    public String httpUrl(String key) {
        String v = get(key);
        if (!v.startsWith("http://") && !v.startsWith("https://")) {
            throw new IllegalArgumentException(key + " must be an http:// or https:// URL, got '" + v + "'");
        }
        return v;
    }

    public String bootstrap(String key) {
        String v = get(key);
        if (!v.matches("[^:\\s,]+:\\d{1,5}(,[^:\\s,]+:\\d{1,5})*")) {
            throw new IllegalArgumentException(key + " must be host:port[,host:port...], got '" + v + "'");
        }
        return v;
    }

    /** An optional readable file. */
    public Optional<Path> file(String key) {
        String v = get(key);
        if (v.isBlank()) {
            return Optional.empty();
        }
        Path p = Path.of(v);
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException(key + " names " + p + ", which cannot be read");
        }
        return Optional.of(p);
    }

    /**
     * Points the job's checkpoints at a folder instead of the JobManager's memory, which refuses state over 5 MB:
     * windows and per-entity state pass that quickly. A local path is made absolute and created if needed; a URI with a
     * scheme ({@code s3://bucket/…}, {@code hdfs://…}, {@code file:///…}) is passed to Flink as it is, for the file
     * system plugin of that scheme to write to.
     */
    public static void checkpointsIn(org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env,
                                     String folder) {
        org.apache.flink.configuration.Configuration conf = new org.apache.flink.configuration.Configuration();
        conf.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointUri(folder));
        env.configure(conf);
    }

    /** The checkpoint folder as Flink takes it: a URI with a scheme unchanged, a local path as an absolute file URI. */
    static String checkpointUri(String folder) {
        if (folder.matches("[A-Za-z][A-Za-z0-9+.-]+://.*")) {
            return folder;
        }
        Path dir = Path.of(folder).toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot create the checkpoint folder " + dir + ": " + e.getMessage(), e);
        }
        return dir.toUri().toString();
    }

    /** One of {@code allowed}, or an epoch-millisecond timestamp when {@code timestampAllowed}. */
    public String choice(String key, List<String> allowed, boolean timestampAllowed) {
        String v = get(key);
        if (!allowed.contains(v) && !(timestampAllowed && v.matches("\\d{1,15}"))) {
            throw new IllegalArgumentException(key + " must be " + String.join(", ", allowed)
                    + (timestampAllowed ? " or an epoch timestamp in milliseconds" : "") + ", got '" + v + "'");
        }
        return v;
    }
}
