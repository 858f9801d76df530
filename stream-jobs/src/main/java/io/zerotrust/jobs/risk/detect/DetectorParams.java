package io.zerotrust.jobs.risk.detect;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The detectors' thresholds and tuning, by name ({@code brute_force.failures}), with documented defaults. Overrides
 * come from the job's configuration; an unknown name is refused with the list of known ones, so a typo cannot
 * silently leave a default in place.
 */
public final class DetectorParams implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Every parameter with its default, in catalogue order (docs/detections.md describes each). */
    public static final Map<String, Double> DEFAULTS;

    static {
        Map<String, Double> d = new LinkedHashMap<>();
        d.put("brute_force.window_minutes", 10.0);
        d.put("brute_force.failures", 8.0);
        d.put("brute_force.k", 4.0);
        d.put("brute_force.warmup_periods", 6.0);
        d.put("brute_force.points", 40.0);
        // each count-based detector's second, longer window (docs/detections.md: slow and distributed attacks)
        d.put("brute_force.slow.window_minutes", 360.0);
        d.put("brute_force.slow.failures", 15.0);
        d.put("brute_force.slow.k", 4.0);
        d.put("brute_force.slow.warmup_periods", 4.0);
        d.put("brute_force.slow.points", 30.0);
        d.put("password_spray.window_minutes", 15.0);
        d.put("password_spray.users", 5.0);
        d.put("password_spray.points", 60.0);
        d.put("password_spray.slow.window_minutes", 360.0);
        d.put("password_spray.slow.users", 10.0);
        d.put("password_spray.slow.points", 45.0);
        d.put("impossible_travel.max_kmh", 900.0);
        d.put("impossible_travel.min_km", 300.0);
        d.put("impossible_travel.points", 50.0);
        d.put("new_device.warmup_observations", 20.0);
        d.put("new_device.warmup_hours", 24.0);
        d.put("new_device.points", 25.0);
        d.put("new_country.warmup_observations", 20.0);
        d.put("new_country.warmup_hours", 24.0);
        d.put("new_country.points", 30.0);
        d.put("rare_destination.baseline_days", 30.0);
        d.put("rare_destination.warmup_observations", 30.0);
        d.put("rare_destination.warmup_hours", 48.0);
        d.put("rare_destination.points", 15.0);
        d.put("fan_out.window_minutes", 10.0);
        d.put("fan_out.destinations", 8.0);
        d.put("fan_out.k", 4.0);
        d.put("fan_out.warmup_periods", 12.0);
        d.put("fan_out.points", 45.0);
        d.put("fan_out.slow.window_minutes", 240.0);
        d.put("fan_out.slow.destinations", 25.0);
        d.put("fan_out.slow.k", 4.0);
        d.put("fan_out.slow.warmup_periods", 12.0);
        d.put("fan_out.slow.points", 35.0);
        d.put("port_scan.window_minutes", 5.0);
        d.put("port_scan.ports", 15.0);
        d.put("port_scan.points", 55.0);
        d.put("port_scan.slow.window_minutes", 360.0);
        d.put("port_scan.slow.ports", 40.0);
        d.put("port_scan.slow.points", 40.0);
        d.put("distributed_brute_force.window_minutes", 120.0);
        d.put("distributed_brute_force.sources", 30.0);
        d.put("distributed_brute_force.k", 4.0);
        d.put("distributed_brute_force.warmup_periods", 12.0);
        d.put("distributed_brute_force.points", 40.0);
        d.put("exfiltration.min_megabytes", 50.0);
        d.put("exfiltration.k", 4.0);
        d.put("exfiltration.warmup_observations", 20.0);
        d.put("exfiltration.points", 60.0);
        d.put("off_hours.warmup_observations", 200.0);
        d.put("off_hours.warmup_days", 7.0);
        d.put("off_hours.max_share", 0.002);
        d.put("off_hours.points", 15.0);
        d.put("all.cooldown_minutes", 10.0);
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final Map<String, Double> values;

    private DetectorParams(Map<String, Double> values) {
        this.values = values;
    }

    public static DetectorParams defaults() {
        return new DetectorParams(new LinkedHashMap<>(DEFAULTS));
    }

    /** The defaults with {@code overrides} applied; fails naming an unknown parameter or a negative value. */
    public static DetectorParams of(Map<String, Double> overrides) {
        Map<String, Double> v = new LinkedHashMap<>(DEFAULTS);
        for (Map.Entry<String, Double> e : new TreeMap<>(overrides).entrySet()) {
            if (!DEFAULTS.containsKey(e.getKey())) {
                throw new IllegalArgumentException("unknown detector parameter '" + e.getKey() + "'; known: "
                        + String.join(", ", DEFAULTS.keySet()));
            }
            if (e.getValue() == null || e.getValue() < 0 || e.getValue().isNaN()) {
                throw new IllegalArgumentException("detector parameter '" + e.getKey()
                        + "' must be a number >= 0, not " + e.getValue());
            }
            v.put(e.getKey(), e.getValue());
        }
        for (String slow : v.keySet()) {
            // a detector's second window is the longer one: it catches what is too slow for the first
            if (slow.endsWith(".slow.window_minutes")) {
                String shortWindow = slow.replace(".slow.window_minutes", ".window_minutes");
                if (v.get(slow) <= v.get(shortWindow)) {
                    throw new IllegalArgumentException("detector parameter '" + slow + "' (" + Rules.round(v.get(slow))
                            + ") must be longer than '" + shortWindow + "' (" + Rules.round(v.get(shortWindow)) + ")");
                }
            }
        }
        return new DetectorParams(v);
    }

    public double get(String name) {
        Double v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("unknown detector parameter '" + name + "'");
        }
        return v;
    }

    public long minutesMs(String name) {
        return (long) (get(name) * 60_000);
    }

    public long hoursMs(String name) {
        return (long) (get(name) * 3_600_000);
    }

    public long cooldownMs() {
        return minutesMs("all.cooldown_minutes");
    }
}
