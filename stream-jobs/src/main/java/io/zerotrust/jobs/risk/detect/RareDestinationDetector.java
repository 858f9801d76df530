package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;

/**
 * Rare destination: a user reaching a service (or host:port) not used within the baseline window
 * ({@code rare_destination.baseline_days}); destinations unused that long are forgotten, so a service last used
 * months ago counts as new again.
 */
public final class RareDestinationDetector extends NoveltyDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "rare_destination";

    public RareDestinationDetector(DetectorParams p) {
        super(NAME, p, (long) (p.get("rare_destination.baseline_days") * 86_400_000L));
    }

    @Override
    protected String thingOf(ConnectionEvent e) {
        if (e.getPhase() != ConnectionPhase.OPEN) {
            return null;
        }
        return e.getDst() != null && e.getDst().getService() != null ? e.getDst().getService()
                : Entities.destination(e);
    }

    @Override
    protected String describe(String destination, int known) {
        return "first use of " + destination + " in the baseline window (" + known + " destinations known)";
    }
}
