package io.zerotrust.ingest.parse;

import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.SourceEndpoint;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** Building connection events from telemetry, with the fields every source sets. */
public final class Events {

    /** The source address of events whose record names none (a Windows logoff whose logon was not seen). */
    public static final String UNKNOWN_IP = "0.0.0.0";

    private Events() {
    }

    static ConnectionEvent.Builder event(String origin, String id, long time, ConnectionPhase phase,
                                         String connectionId, String sensor) {
        return ConnectionEvent.newBuilder()
                .setEventId(id)
                .setEventTime(time)
                .setOrigin(origin)
                .setGatewayId(sensor == null ? "ingest-" + origin : sensor)
                .setConnectionId(connectionId)
                .setPhase(phase)
                .setAuth(new AuthInfo(AuthMethod.NONE, AuthResult.NOT_ATTEMPTED, null, null))
                .setAttributes(Map.of());
    }

    static AuthInfo auth(AuthMethod method, AuthResult outcome, String failure) {
        return new AuthInfo(method, outcome, failure, null);
    }

    static SourceEndpoint src(String ip, int port) {
        return src(ip, port, null);
    }

    /** A source with its host name where the record names one (Windows: the workstation). */
    static SourceEndpoint src(String ip, int port, String host) {
        return new SourceEndpoint(ip == null ? UNKNOWN_IP : ip, port, null, null, host);
    }

    static DestinationEndpoint dst(String service, String host, String ip, int port) {
        return new DestinationEndpoint(service, host, ip, port);
    }

    /** An address without IPv4-mapped prefix or zone; null for "-", empty or loopback-less placeholders. */
    static String address(String raw) {
        if (raw == null || raw.isEmpty() || "-".equals(raw)) {
            return null;
        }
        String a = raw.startsWith("::ffff:") ? raw.substring(7) : raw;
        int zone = a.indexOf('%');
        return zone > 0 ? a.substring(0, zone) : a;
    }

    /** A port written as decimal digits: 0 when absent, else 0-65535. */
    static int port(String p) throws BadRecord {
        if (p == null) {
            return 0;
        }
        try {
            int v = Integer.parseInt(p);
            if (v >= 0 && v <= 65_535) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw BadRecord.badValue("port", p, "a port (0-65535)");
    }

    /** An id for a record that carries none of its own: the first 10 bytes of its SHA-256, in hex. */
    static String hash(byte[] record) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(record), 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
