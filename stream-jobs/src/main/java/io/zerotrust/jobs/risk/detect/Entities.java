package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.EntityType;

/** Entity keys and the event predicates the detectors share. */
public final class Entities {

    private Entities() {
    }

    public static String user(ConnectionEvent e) {
        return e.getUser() == null || e.getUser().isEmpty() ? null : "user:" + e.getUser();
    }

    public static String device(ConnectionEvent e) {
        return e.getDeviceId() == null || e.getDeviceId().isEmpty() ? null : "device:" + e.getDeviceId();
    }

    public static String sourceIp(ConnectionEvent e) {
        return e.getSrc() == null || e.getSrc().getIp() == null ? null : "ip:" + e.getSrc().getIp();
    }

    public static String service(ConnectionEvent e) {
        return e.getDst() == null || e.getDst().getService() == null ? null : "service:" + e.getDst().getService();
    }

    /** The entity key of {@code type} in {@code event}, or null when the event does not name one. */
    public static String of(EntityType type, ConnectionEvent e) {
        return switch (type) {
            case USER -> user(e);
            case DEVICE -> device(e);
            case IP -> sourceIp(e);
            case SERVICE -> service(e);
            default -> null;
        };
    }

    /** The entity type an entity key names, from its prefix. */
    public static EntityType typeOf(String entity) {
        int colon = entity.indexOf(':');
        return switch (colon < 0 ? "" : entity.substring(0, colon)) {
            case "user" -> EntityType.USER;
            case "device" -> EntityType.DEVICE;
            case "ip" -> EntityType.IP;
            case "service" -> EntityType.SERVICE;
            default -> EntityType.OTHER;
        };
    }

    /** An authentication that failed: bad password, expired or forged token, unknown user. */
    public static boolean authFailed(ConnectionEvent e) {
        return e.getAuth() != null && e.getAuth().getOutcome() == AuthResult.FAILURE;
    }

    /** A successful authentication that opened a connection (a login). */
    public static boolean loggedIn(ConnectionEvent e) {
        return e.getPhase() == ConnectionPhase.OPEN && e.getAuth() != null
                && e.getAuth().getOutcome() == AuthResult.SUCCESS;
    }

    /** Where the event went: service, else destination host or address, with the port. */
    public static String destination(ConnectionEvent e) {
        if (e.getDst() == null) {
            return null;
        }
        String where = e.getDst().getService() != null ? e.getDst().getService()
                : e.getDst().getHost() != null ? e.getDst().getHost() : e.getDst().getIp();
        return where == null ? null : where + ":" + e.getDst().getPort();
    }
}
