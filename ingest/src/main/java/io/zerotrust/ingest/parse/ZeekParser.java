package io.zerotrust.ingest.parse;

import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Zeek logs in JSON, one record per line: {@code conn.log} and {@code kerberos.log} (told apart by their fields).
 *
 * <ul>
 *   <li>A connection that was established ({@code conn_state} S1, SF, S2, S3, RSTO, RSTR) gives an OPEN at
 *       {@code ts} and a CLOSE at {@code ts + duration} with the bytes each way; one that was not (S0, REJ, SH,
 *       SHR, RSTOS0, RSTRH, OTH) gives a REJECT whose reason is {@code zeek_<conn_state>}.</li>
 *   <li>A Kerberos exchange names its client: the user is remembered for the flow ({@code uid}) and attached to
 *       that flow's connection events when its conn.log record comes later. A failed exchange ({@code success}
 *       false) is also a REJECT of that user, with Zeek's {@code error_msg}.</li>
 * </ul>
 *
 * Ids: {@code zeek-<uid>-open|close|reject}, and {@code zeek-<uid>-krb-<ts>} for Kerberos failures.
 */
public final class ZeekParser implements SourceParser {

    private static final Set<String> ESTABLISHED = Set.of("S1", "SF", "S2", "S3", "RSTO", "RSTR");

    @Override
    public String source() {
        return "zeek";
    }

    @Override
    public List<ConnectionEvent> parse(byte[] raw, long receivedMs, Memory memory) throws BadRecord {
        FlatJson n = FlatJson.parse(raw);
        String uid = n.required("uid");
        if (n.has("conn_state") || n.has("proto")) {
            return conn(n, uid, memory);
        }
        if (n.has("request_type") || n.has("client")) {
            return kerberos(n, uid, memory);
        }
        throw new BadRecord("unsupported_event", "neither a conn.log record (conn_state, proto) nor a kerberos.log"
                + " record (request_type, client)");
    }

    private static List<ConnectionEvent> conn(FlatJson n, String uid, Memory memory) throws BadRecord {
        long start = time(n);
        String state = n.required("conn_state");
        String origin = Events.address(n.required("id.orig_h"));
        String resp = Events.address(n.required("id.resp_h"));
        int origPort = n.port("id.orig_p");
        int respPort = n.port("id.resp_p");
        String proto = n.text("proto");
        String service = n.text("service");
        String user = memory.get("krb:" + uid);
        Map<String, String> attrs = Map.of("conn_state", state, "zeek_uid", uid);
        ConnectionEvent.Builder open = Events.event("zeek", "zeek-" + uid + (ESTABLISHED.contains(state)
                        ? "-open" : "-reject"), start, ESTABLISHED.contains(state) ? ConnectionPhase.OPEN
                        : ConnectionPhase.REJECT, uid, null)
                .setUser(user)
                .setSrc(Events.src(origin, origPort))
                .setDst(Events.dst(null, null, resp, respPort))
                .setProtocol(service != null ? service : proto != null ? proto : "unknown")
                .setAttributes(attrs);
        if (user != null) {
            open.setAuth(Events.auth(AuthMethod.KERBEROS, AuthResult.SUCCESS, null));
        }
        if (!ESTABLISHED.contains(state)) {
            return List.of(open.setRejectReason("zeek_" + state.toLowerCase(Locale.ROOT)).build());
        }
        double duration = n.decimal("duration");
        long durationMs = Double.isNaN(duration) ? 0 : Math.round(duration * 1000);
        if (durationMs < 0) {
            throw BadRecord.badValue("duration", duration, "a duration of zero or more seconds");
        }
        ConnectionEvent first = open.build();
        // the same builder again (its values are shared, not copied: nothing changes them afterwards)
        ConnectionEvent close = open
                .setEventId("zeek-" + uid + "-close")
                .setEventTime(start + durationMs)
                .setPhase(ConnectionPhase.CLOSE)
                .setBytesIn(n.number("orig_bytes", 0))
                .setBytesOut(n.number("resp_bytes", 0))
                .setDurationMs(durationMs)
                .setCloseReason("zeek_" + state.toLowerCase(Locale.ROOT))
                .build();
        return List.of(first, close);
    }

    private static List<ConnectionEvent> kerberos(FlatJson n, String uid, Memory memory) throws BadRecord {
        long time = time(n);
        String client = n.text("client");
        String user = client == null ? null : client.replaceFirst("[/@].*$", "");
        boolean failed = !n.bool("success", true);
        if (user != null && !failed) {
            memory.put("krb:" + uid, user);
        }
        if (!failed) {
            return List.of(); // remembered for the flow's conn.log record
        }
        if (user == null) {
            throw BadRecord.missing("client");
        }
        String service = n.text("service");
        return List.of(Events.event("zeek", "zeek-" + uid + "-krb-" + time, time, ConnectionPhase.REJECT, uid, null)
                .setUser(user)
                .setAuth(Events.auth(AuthMethod.KERBEROS, AuthResult.FAILURE, n.text("error_msg")))
                .setSrc(Events.src(Events.address(n.required("id.orig_h")), n.port("id.orig_p")))
                .setDst(Events.dst(service == null ? null : "kerberos:" + service, null,
                        Events.address(n.text("id.resp_h")), n.port("id.resp_p")))
                .setProtocol("kerberos")
                .setRejectReason("auth_failed")
                .setAttributes(Map.of("zeek_uid", uid, "request_type", String.valueOf(n.text("request_type"))))
                .build());
    }

    /** {@code ts}: epoch seconds with a fraction (Zeek's default) or an ISO-8601 instant (JSON writer option). */
    private static long time(FlatJson n) throws BadRecord {
        Object ts = n.raw("ts");
        if (ts == null) {
            throw BadRecord.missing("ts");
        }
        double seconds;
        if (ts instanceof Number num) {
            seconds = num.doubleValue();
        } else {
            String s = ts.toString().trim();
            try {
                seconds = Double.parseDouble(s);
            } catch (NumberFormatException notSeconds) {
                try {
                    return Instant.parse(s).toEpochMilli();
                } catch (DateTimeParseException e) {
                    throw BadRecord.badValue("ts", s, "epoch seconds or an ISO-8601 time");
                }
            }
        }
        if (!Double.isFinite(seconds) || seconds < 0 || seconds > 32_503_680_000d) {
            throw BadRecord.badValue("ts", ts, "epoch seconds or an ISO-8601 time");
        }
        return Math.round(seconds * 1000);
    }
}
