package io.zerotrust.ingest.parse;

import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.HttpInfo;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Envoy HTTP access logs in JSON, one request per record, with the field names of Envoy's documented default format
 * as JSON keys: {@code start_time}, {@code method}, {@code path}, {@code protocol}, {@code response_code},
 * {@code response_flags}, {@code bytes_received}, {@code bytes_sent}, {@code duration}, {@code upstream_host},
 * {@code upstream_cluster}, {@code downstream_remote_address}, {@code authority}, {@code user_agent},
 * {@code request_id} (x-request-id), and optionally {@code user} (the authenticated user, e.g. from a header or JWT
 * metadata the operator logs).
 *
 * <p>A request answered 401 or 403 is a REJECT ({@code unauthorized}, {@code forbidden}; a 401 counts as a failed
 * authentication); any other is an OPEN at {@code start_time} and a CLOSE {@code duration} ms later with the bytes.
 * Ids: {@code envoy-<request_id>-open|close|reject}, or a hash of the record when it has no request id.
 */
public final class EnvoyParser implements SourceParser {

    @Override
    public String source() {
        return "envoy";
    }

    @Override
    public List<ConnectionEvent> parse(byte[] raw, long receivedMs, Memory memory) throws BadRecord {
        FlatJson n = FlatJson.parse(raw);
        String start = n.required("start_time");
        long time;
        try {
            time = Instant.parse(start).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw BadRecord.badValue("start_time", start, "an ISO-8601 time");
        }
        long code = n.number("response_code", -1);
        if (code < 0 || code > 999) {
            throw code < 0 ? BadRecord.missing("response_code") : BadRecord.badValue("response_code", code,
                    "an HTTP status");
        }
        String requestId = n.text("request_id");
        String id = "envoy-" + (requestId != null ? requestId : Events.hash(raw));
        String[] downstream = hostPort(n.required("downstream_remote_address"), "downstream_remote_address");
        String[] upstream = hostPort(n.text("upstream_host"), "upstream_host");
        String user = n.text("user");
        Map<String, String> attrs = new LinkedHashMap<>();
        String flags = n.text("response_flags");
        if (flags != null) {
            attrs.put("response_flags", flags);
        }
        boolean refused = code == 401 || code == 403;
        ConnectionEvent.Builder e = Events.event("envoy", id + (refused ? "-reject" : "-open"), time,
                        refused ? ConnectionPhase.REJECT : ConnectionPhase.OPEN, id, null)
                .setUser(user)
                .setSrc(Events.src(downstream[0], downstream[1] == null ? 0 : Events.port(downstream[1])))
                .setDst(Events.dst(n.text("upstream_cluster"), n.text("authority"),
                        upstream == null ? null : upstream[0],
                        upstream == null || upstream[1] == null ? 0 : Events.port(upstream[1])))
                .setProtocol("http")
                .setHttp(new HttpInfo(n.text("method"), pathOnly(n.text("path")), (int) code,
                        n.text("user_agent")))
                .setAttributes(attrs);
        if (user != null) {
            e.setAuth(Events.auth(AuthMethod.OTHER, code == 401 ? AuthResult.FAILURE : AuthResult.SUCCESS,
                    code == 401 ? "unauthorized" : null));
        } else if (code == 401) {
            e.setAuth(Events.auth(AuthMethod.OTHER, AuthResult.FAILURE, "unauthorized"));
        }
        if (refused) {
            return List.of(e.setRejectReason(code == 401 ? "unauthorized" : "forbidden").build());
        }
        long duration = n.number("duration", 0);
        if (duration < 0) {
            throw BadRecord.badValue("duration", duration, "milliseconds (0 or more)");
        }
        ConnectionEvent open = e.build();
        ConnectionEvent close = e.setEventId(id + "-close").setEventTime(time + duration)
                .setPhase(ConnectionPhase.CLOSE).setDurationMs(duration).setRequestCount(1)
                .setBytesIn(n.number("bytes_received", 0)).setBytesOut(n.number("bytes_sent", 0))
                .setCloseReason(flags == null ? "completed" : "envoy_" + flags).build();
        return List.of(open, close);
    }

    private static String pathOnly(String path) {
        if (path == null) {
            return null;
        }
        int q = path.indexOf('?');
        return q >= 0 ? path.substring(0, q) : path;
    }

    /** "ip:port", "[v6]:port", "ip" → {ip, port-or-null}; null in, null out. */
    private static String[] hostPort(String s, String field) throws BadRecord {
        if (s == null) {
            return null;
        }
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw BadRecord.badValue(field, s, "an address like [::1]:443");
            }
            return new String[] {s.substring(1, close), close + 2 <= s.length() ? s.substring(close + 2) : null};
        }
        int colon = s.lastIndexOf(':');
        if (colon > 0 && s.indexOf(':') == colon) {
            return new String[] {s.substring(0, colon), s.substring(colon + 1)};
        }
        return new String[] {s, null};
    }


}
