package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.SlowWindowState;
import java.util.Map;
import java.util.Optional;

/**
 * Slow port scan: one source address probing many distinct host:port pairs over hours, a few per short window so
 * that {@link PortScanDetector} stays quiet. Fires at {@code port_scan.slow.ports} distinct pairs within
 * {@code port_scan.slow.window_minutes} (6 h), refused attempts included, unless the last short window
 * ({@code port_scan.window_minutes}) alone holds {@code port_scan.ports} of them.
 */
public final class SlowPortScanDetector extends SlowWindowDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "port_scan_slow";

    private final long windowMs;
    private final long shortWindowMs;
    private final int shortPorts;
    private final int ports;
    private final double points;
    private final long cooldownMs;

    public SlowPortScanDetector(DetectorParams p) {
        super(NAME, EntityType.IP);
        this.windowMs = p.minutesMs("port_scan.slow.window_minutes");
        this.shortWindowMs = p.minutesMs("port_scan.window_minutes");
        this.shortPorts = (int) p.get("port_scan.ports");
        this.ports = (int) p.get("port_scan.slow.ports");
        this.points = p.get("port_scan.slow.points");
        this.cooldownMs = cooldownMs(windowMs, p);
    }

    /** The rule: at least {@code minPorts} distinct pairs in the long window, fewer than the short one's recently. */
    public static boolean isSlowScan(int distinctPorts, int minPorts, int portsRecently, int shortMinPorts) {
        return distinctPorts >= minPorts && portsRecently < shortMinPorts;
    }

    @Override
    public Optional<Finding> observe(SlowWindowState s, ConnectionEvent e) {
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0) {
            s.setFirstSeen(t);
        }
        if (e.getDst() == null || e.getDst().getPort() <= 0) {
            return Optional.empty();
        }
        String host = e.getDst().getIp() != null ? e.getDst().getIp()
                : e.getDst().getHost() != null ? e.getDst().getHost() : String.valueOf(e.getDst().getService());
        SlowWindows.addDistinct(s, t, host + ":" + e.getDst().getPort(), e.getEventId(), windowMs);
        int distinct = Windows.size(s.getDistinct());
        if (distinct < ports) {
            return Optional.empty(); // the usual case, decided without looking at the recent entries
        }
        int recent = SlowWindows.distinctSince(s, t, shortWindowMs);
        if (!isSlowScan(distinct, ports, recent, shortPorts) || Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            return Optional.empty();
        }
        s.setLastFiredAt(t);
        return Optional.of(new Finding(Rules.severityOf(points), points,
                "slow port scan: connections to " + distinct + " distinct destination ports from this address in "
                        + SlowWindows.describe(windowMs) + " (" + recent + " in the last "
                        + SlowWindows.describe(shortWindowMs) + ")",
                (double) distinct, (double) ports, Windows.start(s.getDistinct()), t,
                Windows.lastEvidence(s.getDistinct(), SlowWindows.EVIDENCE),
                Map.of("window", "slow", "window_minutes", Long.toString(windowMs / 60_000),
                        "ports", String.valueOf(distinct))));
    }
}
