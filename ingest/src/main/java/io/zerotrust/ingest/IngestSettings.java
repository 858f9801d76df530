package io.zerotrust.ingest;

import io.zerotrust.ingest.parse.FlowColumnMap;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The ingest's own settings (keys {@code ingest.*}), read from the same properties as Kafka Streams' and validated
 * at start with messages that name the key. Everything else in the properties goes to Kafka Streams.
 */
public record IngestSettings(String registryUrl, Duration dedupWindow, ZoneId windowsZone, ZoneId sshdZone,
                             java.nio.file.Path geoFile, ZoneId flowZone, FlowColumnMap flowColumnMap) {

    public static final String REGISTRY_URL = "ingest.registry.url";
    public static final String DEDUP_WINDOW = "ingest.dedup.window.ms";
    public static final String WINDOWS_ZONE = "ingest.windows.zone";
    public static final String SSHD_ZONE = "ingest.sshd.zone";
    public static final String GEO_FILE = "ingest.geo.file";
    public static final String FLOW_ZONE = "ingest.flow.zone";
    public static final String FLOW_COLUMN_MAP = "ingest.flow.column.map";

    /** Every key with its default and what it is for. */
    public static final Map<String, String[]> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put(REGISTRY_URL, new String[] {"http://127.0.0.1:8081", "schema registry URL"});
        KEYS.put(DEDUP_WINDOW, new String[] {"600000", "how long a record id is remembered to drop repeats, in ms"});
        KEYS.put(WINDOWS_ZONE, new String[] {"UTC", "zone of NXLog's EventTime (the Windows hosts' local time)"});
        KEYS.put(SSHD_ZONE, new String[] {"UTC", "zone of syslog time stamps without one (Oct 22 04:30:01)"});
        KEYS.put(GEO_FILE, new String[] {"", "address ranges -> country CSV (cidr,country,lat,lon[,label]); empty:"
                + " the bundled table"});
        KEYS.put(FLOW_ZONE, new String[] {"UTC", "zone of flow CSV times without one (2024-03-05 10:11:12)"});
        KEYS.put(FLOW_COLUMN_MAP, new String[] {"", "a flow CSV column map (properties: src.ip=..., start=...),"
                + " tried before the bundled ones; empty: only the bundled maps"});
    }

    public static IngestSettings from(Properties p) {
        String registry = get(p, REGISTRY_URL);
        if (!registry.startsWith("http://") && !registry.startsWith("https://")) {
            throw new IllegalArgumentException(REGISTRY_URL + " must be an http(s) URL, got '" + registry + "'");
        }
        long window;
        try {
            window = Long.parseLong(get(p, DEDUP_WINDOW).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(DEDUP_WINDOW + " must be a number of milliseconds, got '"
                    + get(p, DEDUP_WINDOW) + "'");
        }
        if (window < 1_000) {
            throw new IllegalArgumentException(DEDUP_WINDOW + " must be at least 1000 ms, got " + window);
        }
        String geo = get(p, GEO_FILE).trim();
        if (!geo.isEmpty() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(geo))) {
            throw new IllegalArgumentException(GEO_FILE + ": cannot read '" + geo + "'; give a readable CSV file of"
                    + " address ranges, or leave it empty for the bundled table");
        }
        return new IngestSettings(registry, Duration.ofMillis(window), zone(p, WINDOWS_ZONE), zone(p, SSHD_ZONE),
                geo.isEmpty() ? null : java.nio.file.Path.of(geo), zone(p, FLOW_ZONE), columnMap(get(p, FLOW_COLUMN_MAP)));
    }

    /** The user's flow column map, read and checked now so that a wrong one stops the ingest at start. */
    private static FlowColumnMap columnMap(String file) {
        if (file.isBlank()) {
            return null;
        }
        java.nio.file.Path path = java.nio.file.Path.of(file.trim());
        if (!java.nio.file.Files.isReadable(path)) {
            throw new IllegalArgumentException(FLOW_COLUMN_MAP + ": cannot read '" + file + "'; give a readable"
                    + " properties file of column names (docs/ingest.md, Flow records), or leave it empty for the"
                    + " bundled maps");
        }
        try {
            return FlowColumnMap.load(path);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(FLOW_COLUMN_MAP + ": " + e.getMessage());
        }
    }

    private static String get(Properties p, String key) {
        Object v = p.get(key);
        return v == null ? KEYS.get(key)[0] : v.toString();
    }

    private static ZoneId zone(Properties p, String key) {
        String z = get(p, key);
        try {
            return ZoneId.of(z);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " must be a time zone such as UTC, +02:00 or Europe/Berlin, got '"
                    + z + "'");
        }
    }
}
