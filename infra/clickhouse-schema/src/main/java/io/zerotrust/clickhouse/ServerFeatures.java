package io.zerotrust.clickhouse;

import java.util.Set;
import java.util.TreeSet;

/**
 * What a ClickHouse server can do, from its {@code version()}: the migrations leave out what it lacks. Table TTL
 * arrived in 19.6, DateTime64 in 20.1.
 */
public record ServerFeatures(String version, int major, int minor) {

    public static final String TTL = "ttl";
    public static final String DATETIME64 = "datetime64";

    /** Parses {@code version()} output such as {@code 18.16.1} or {@code 23.8.2.7}. */
    public static ServerFeatures of(String version) {
        String[] parts = version.trim().split("\\.");
        try {
            return new ServerFeatures(version.trim(), Integer.parseInt(parts[0]),
                    parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cannot read the ClickHouse version '" + version + "'", e);
        }
    }

    private boolean atLeast(int maj, int min) {
        return major > maj || (major == maj && minor >= min);
    }

    public boolean supports(String feature) {
        return switch (feature) {
            case TTL -> atLeast(19, 6);
            case DATETIME64 -> atLeast(20, 1);
            default -> throw new IllegalArgumentException("unknown ClickHouse feature '" + feature + "'");
        };
    }

    public Set<String> supported() {
        Set<String> out = new TreeSet<>();
        for (String f : new String[] {TTL, DATETIME64}) {
            if (supports(f)) {
                out.add(f);
            }
        }
        return out;
    }
}
