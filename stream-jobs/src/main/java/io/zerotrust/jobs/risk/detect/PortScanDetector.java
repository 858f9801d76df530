package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.WindowState;
import java.util.Map;
import java.util.Optional;

/**
 * Port scan: one source address reaching many distinct destination ports within a sliding window, refused attempts
 * included (a scan mostly meets closed or refused ports). Fires at {@code port_scan.ports} distinct host:port pairs.
 */
public final class PortScanDetector extends WindowDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "port_scan";

    private final long windowMs;
    private final int ports;
    private final double points;
    private final long cooldownMs;

    public PortScanDetector(DetectorParams p) {
        super(NAME, EntityType.IP);
        this.windowMs = p.minutesMs("port_scan.window_minutes");
        this.ports = (int) p.get("port_scan.ports");
        this.points = p.get("port_scan.points");
        this.cooldownMs = p.cooldownMs();
    }

    /** The rule: at least {@code minPorts} distinct destination ports. */
    public static boolean isScan(int distinctPorts, int minPorts) {
        return distinctPorts >= minPorts;
    }

    @Override
    public Optional<Finding> observe(WindowState s, ConnectionEvent e) {
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0) {
            s.setFirstSeen(t);
        }
        if (e.getDst() == null || e.getDst().getPort() <= 0) {
            return Optional.empty();
        }
        String host = e.getDst().getIp() != null ? e.getDst().getIp()
                : e.getDst().getHost() != null ? e.getDst().getHost() : String.valueOf(e.getDst().getService());
        Windows.addDistinct(s.getWindow(), t, host + ":" + e.getDst().getPort(), e.getEventId(), windowMs, 10_000);
        int distinct = Windows.size(s.getWindow());
        if (!isScan(distinct, ports) || Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            return Optional.empty();
        }
        s.setLastFiredAt(t);
        return Optional.of(new Finding(Rules.severityOf(points), points,
                "connections to " + distinct + " distinct destination ports from this address in "
                        + windowMs / 60_000 + " min",
                (double) distinct, (double) ports, Windows.start(s.getWindow()), t,
                Windows.lastEvidence(s.getWindow(), 20), Map.of("ports", String.valueOf(distinct))));
    }
}
