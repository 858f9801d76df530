package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;

/** New device: a successful login of a user from a device id the user has never used (a stolen token elsewhere). */
public final class NewDeviceDetector extends NoveltyDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "new_device";

    public NewDeviceDetector(DetectorParams p) {
        super(NAME, p, 0);
    }

    @Override
    protected String thingOf(ConnectionEvent e) {
        return Entities.loggedIn(e) && e.getDeviceId() != null && !e.getDeviceId().isEmpty() ? e.getDeviceId() : null;
    }

    @Override
    protected String describe(String device, int known) {
        return "login from new device " + device + " (" + known + " known)";
    }
}
