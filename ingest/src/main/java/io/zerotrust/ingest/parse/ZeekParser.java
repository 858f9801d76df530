package io.zerotrust.ingest.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.HttpInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Zeek logs in JSON, one record per line: {@code conn.log} and {@code kerberos.log}, and the application logs that
 * say who connected where and how: {@code ssh.log}, {@code http.log}, {@code dns.log}, {@code smb_mapping.log},
 * {@code dce_rpc.log}, {@code notice.log} (one OPEN each on the flow's {@code uid}; a failed SSH authentication and
 * an HTTP 401 or 403 are REJECTs).
 *
 * <p>Both JSON dialects are read: Zeek's own field names ({@code id.orig_h}) and those of shippers that set
 * {@code Log::default_scope_sep} to {@code _} ({@code id_orig_h}: RockNSM, Security Onion, the Kafka plugin), with or
 * without their metadata ({@code _path}, {@code _write_ts}, {@code @stream}, {@code @system}, {@code @sensor},
 * {@code @timestamp}), which changes nothing in the events, and wrapped in its stream's name by the Kafka plugin's
 * {@code Kafka::tag_json} ({@code {"conn": {...}}}). The log stream is the one named by the wrapper, {@code _path} or
 * {@code @stream}; a record naming none is told by its fields. A named stream the ingest does not map is
 * rejected as {@code unsupported_stream}, naming it.
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

    private static final JsonFactory JSON = new JsonFactory();
    private static final Set<String> ESTABLISHED = Set.of("S1", "SF", "S2", "S3", "RSTO", "RSTR");
    /** The streams mapped, as named by {@code _path}. */
    static final List<String> STREAMS = List.of("conn", "kerberos", "ssh", "http", "dns", "smb_mapping", "dce_rpc",
            "notice");

    @Override
    public String source() {
        return "zeek";
    }

    @Override
    public List<ConnectionEvent> parse(byte[] raw, long receivedMs, Memory memory) throws BadRecord {
        Rec n = new Rec(FlatJson.parse(raw));
        String stream = stream(n);
        if (stream == null) {
            String tag = tag(raw);
            if (tag != null) {
                throw unsupported(tag);
            }
            n.required("uid");
            throw new BadRecord("unsupported_event", "not a record of a Zeek log the ingest maps (" + String.join(", ",
                    STREAMS) + ") by its fields, and no _path or @stream naming its log");
        }
        return switch (stream) {
            case "conn" -> conn(n, n.required("uid"), memory);
            case "kerberos" -> kerberos(n, n.required("uid"), memory);
            case "ssh" -> List.of(ssh(n, n.required("uid")));
            case "http" -> List.of(http(n, n.required("uid")));
            case "dns" -> List.of(dns(n, n.required("uid")));
            case "smb_mapping" -> List.of(smbMapping(n, n.required("uid")));
            case "dce_rpc" -> List.of(dceRpc(n, n.required("uid")));
            case "notice" -> List.of(notice(n));
            default -> throw unsupported(stream);
        };
    }

    private static BadRecord unsupported(String stream) {
        return new BadRecord("unsupported_stream", "unsupported_stream: " + stream
                + " (the Zeek logs the ingest maps: " + String.join(", ", STREAMS) + ")");
    }

    /**
     * The stream of a record the Kafka plugin wrapped ({@code Kafka::tag_json}: {@code {"weird": {...}}}) in a log
     * the ingest does not map; null for any other record. Read again only for records that are dead-lettered.
     */
    private static String tag(byte[] raw) {
        try (JsonParser p = JSON.createParser(raw)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME) {
                return null;
            }
            String name = p.currentName();
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            p.skipChildren();
            return p.nextToken() == JsonToken.END_OBJECT ? name : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The log stream: {@code _path} (Zeek's JSON metadata) or {@code @stream} (shippers), else told by fields, as in a
     * file written by Zeek's JSON writer, which names its stream only in the file's name.
     */
    private static String stream(Rec n) {
        if (n.tag != null) {
            return n.tag;
        }
        String named = n.n.text("_path");
        if (named == null) {
            named = n.n.text("@stream");
        }
        if (named != null) {
            return named.toLowerCase(Locale.ROOT);
        }
        // most specific first: dns.log and notice.log have a proto too, ssh.log a client
        if (n.has("conn_state")) {
            return "conn";
        }
        if (n.has("request_type")) {
            return "kerberos";
        }
        if (n.has("auth_success") || n.has("auth_attempts")) {
            return "ssh";
        }
        if (n.has("note")) {
            return "notice";
        }
        if (n.has("endpoint") && n.has("operation")) {
            return "dce_rpc";
        }
        if (n.has("share_type") || n.has("native_file_system")) {
            return "smb_mapping";
        }
        if (n.has("query") || n.has("qtype_name") || n.has("rcode_name")) {
            return "dns";
        }
        if (n.has("method") || n.has("status_code")) {
            return "http";
        }
        if (n.has("proto")) {
            return "conn";
        }
        if (n.has("client")) {
            return "kerberos";
        }
        return null;
    }

    private static List<ConnectionEvent> conn(Rec n, String uid, Memory memory) throws BadRecord {
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

    private static List<ConnectionEvent> kerberos(Rec n, String uid, Memory memory) throws BadRecord {
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

    /** An OPEN of an application-level exchange on flow {@code uid}, from its {@code id.*} endpoints. */
    private static ConnectionEvent.Builder exchange(Rec n, String uid, String stream, String idSuffix, long time)
            throws BadRecord {
        return Events.event("zeek", "zeek-" + uid + "-" + stream + "-" + idSuffix, time, ConnectionPhase.OPEN, uid,
                        null)
                .setSrc(Events.src(Events.address(n.required("id.orig_h")), n.port("id.orig_p")))
                .setDst(Events.dst(null, null, Events.address(n.required("id.resp_h")), n.port("id.resp_p")));
    }

    /** Attributes without the fields the record leaves unset. */
    private static Map<String, String> attributes(String... namesAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                m.put(namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return m;
    }

    /** ssh.log: the outcome of the authentication Zeek inferred; one event per connection. */
    private static ConnectionEvent ssh(Rec n, String uid) throws BadRecord {
        long time = time(n);
        ConnectionEvent.Builder e = exchange(n, uid, "ssh", "" + time, time).setProtocol("ssh");
        e.setDst(Events.dst("ssh", null, e.getDst().getIp(), e.getDst().getPort()))
                .setAttributes(attributes("zeek_uid", uid, "ssh_client", n.text("client"), "ssh_server",
                        n.text("server"), "auth_attempts", n.text("auth_attempts"), "ssh_direction",
                        n.text("direction")));
        if (n.raw("auth_success") == null) {
            return e.build(); // Zeek could not tell (an aborted handshake, an unusual client)
        }
        if (n.bool("auth_success", false)) {
            return e.setAuth(Events.auth(AuthMethod.OTHER, AuthResult.SUCCESS, null)).build();
        }
        return e.setEventId("zeek-" + uid + "-ssh-" + time + "-reject").setPhase(ConnectionPhase.REJECT)
                .setAuth(Events.auth(AuthMethod.OTHER, AuthResult.FAILURE, "auth_failed"))
                .setRejectReason("auth_failed").build();
    }

    /** http.log: one request; 401 and 403 are refusals, as in Envoy's access log. */
    private static ConnectionEvent http(Rec n, String uid) throws BadRecord {
        long time = time(n);
        long depth = n.number("trans_depth", 1);
        long code = n.number("status_code", 0);
        String uri = n.text("uri");
        int q = uri == null ? -1 : uri.indexOf('?');
        ConnectionEvent.Builder e = exchange(n, uid, "http", depth + "-" + time, time)
                .setProtocol("http")
                .setUser(n.text("username"))
                .setHttp(new HttpInfo(n.text("method"), q >= 0 ? uri.substring(0, q) : uri,
                        code <= 0 || code > 999 ? null : (int) code, n.text("user_agent")))
                .setRequestCount(1)
                .setAttributes(attributes("zeek_uid", uid, "trans_depth", String.valueOf(depth)));
        e.setDst(Events.dst(null, n.text("host"), e.getDst().getIp(), e.getDst().getPort()));
        if (code == 401 || code == 403) {
            e.setEventId("zeek-" + uid + "-http-" + depth + "-" + time + "-reject").setPhase(ConnectionPhase.REJECT)
                    .setRejectReason(code == 401 ? "unauthorized" : "forbidden");
            if (code == 401) {
                e.setAuth(Events.auth(AuthMethod.OTHER, AuthResult.FAILURE, "unauthorized"));
            }
        }
        return e.build();
    }

    /** dns.log: a query, the name asked for as the destination host. */
    private static ConnectionEvent dns(Rec n, String uid) throws BadRecord {
        long time = time(n);
        ConnectionEvent.Builder e = exchange(n, uid, "dns", n.number("trans_id", 0) + "-" + time, time)
                .setProtocol("dns")
                .setAttributes(attributes("zeek_uid", uid, "dns_qtype", n.text("qtype_name"), "dns_rcode",
                        n.text("rcode_name")));
        return e.setDst(Events.dst("dns", n.text("query"), e.getDst().getIp(), e.getDst().getPort())).build();
    }

    /** smb_mapping.log: a tree connect to a share, named as Windows' 5140 names it ({@code share:\\*\NAME}). */
    private static ConnectionEvent smbMapping(Rec n, String uid) throws BadRecord {
        long time = time(n);
        String path = n.required("path");
        String[] parts = path.replaceFirst("^\\\\\\\\", "").split("\\\\", 2);
        String share = parts.length > 1 ? parts[1] : parts[0];
        ConnectionEvent.Builder e = exchange(n, uid, "smb", "" + time, time)
                .setProtocol("smb")
                .setAttributes(attributes("zeek_uid", uid, "smb_path", path, "smb_share_type", n.text("share_type"),
                        "smb_service", n.text("service")));
        return e.setDst(Events.dst("share:\\\\*\\" + share, parts.length > 1 ? parts[0] : null,
                e.getDst().getIp(), e.getDst().getPort())).build();
    }

    /** dce_rpc.log: one RPC call, its interface as the service. */
    private static ConnectionEvent dceRpc(Rec n, String uid) throws BadRecord {
        long time = time(n);
        String endpoint = n.required("endpoint");
        String operation = n.text("operation");
        ConnectionEvent.Builder e = exchange(n, uid, "dce_rpc", time + "-" + operation, time)
                .setProtocol("dce_rpc")
                .setAttributes(attributes("zeek_uid", uid, "dce_rpc_endpoint", endpoint, "dce_rpc_operation",
                        operation, "dce_rpc_named_pipe", n.text("named_pipe")));
        return e.setDst(Events.dst("dce_rpc:" + endpoint, null, e.getDst().getIp(), e.getDst().getPort())).build();
    }

    /**
     * notice.log: what a Zeek script concluded about a connection or a host: an OPEN of that connection carrying
     * the note and its message as evidence. A notice about a host alone names it in {@code src}.
     */
    private static ConnectionEvent notice(Rec n) throws BadRecord {
        long time = time(n);
        String note = n.required("note");
        String uid = n.text("uid");
        String origin = Events.address(n.text("id.orig_h"));
        if (origin == null) {
            origin = Events.address(n.text("src"));
        }
        String resp = Events.address(n.text("id.resp_h"));
        if (resp == null) {
            resp = Events.address(n.text("dst"));
        }
        int respPort = n.has("id.resp_p") ? n.port("id.resp_p") : n.port("p");
        String key = uid != null ? uid : Events.hash((note + "|" + origin + "|" + resp + "|" + time)
                .getBytes(StandardCharsets.UTF_8));
        return Events.event("zeek", "zeek-" + key + "-notice-" + note + "-" + time, time, ConnectionPhase.OPEN,
                        key, null)
                .setSrc(Events.src(origin, n.port("id.orig_p")))
                .setDst(Events.dst(null, null, resp, respPort))
                .setProtocol(n.text("proto") == null ? "unknown" : n.text("proto"))
                .setAttributes(attributes("zeek_uid", uid, "zeek_note", note, "zeek_msg", n.text("msg"), "zeek_sub",
                        n.text("sub")))
                .build();
    }

    /**
     * {@code ts}: epoch seconds with a fraction (Zeek's default) or an ISO-8601 instant (JSON writer option), in
     * milliseconds. Both are taken to Zeek's microseconds first and then rounded to the nearest millisecond, so one
     * record written either way gives the same time (and the same ids, which include it).
     */
    private static long time(Rec n) throws BadRecord {
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
                    Instant t = Instant.parse(s);
                    return millis(t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000);
                } catch (DateTimeParseException | ArithmeticException e) {
                    throw BadRecord.badValue("ts", s, "epoch seconds or an ISO-8601 time");
                }
            }
        }
        if (!Double.isFinite(seconds) || seconds < 0 || seconds > 32_503_680_000d) {
            throw BadRecord.badValue("ts", ts, "epoch seconds or an ISO-8601 time");
        }
        // a double holds today's epoch seconds to well under a microsecond, so this recovers Zeek's digits
        return millis(Math.round(seconds * 1_000_000));
    }

    private static long millis(long micros) {
        return Math.floorDiv(micros + 500, 1_000);
    }

    /**
     * A record's fields in its own scope separator: Zeek's {@code id.orig_h}, or {@code id_orig_h} when the record
     * uses {@code _}. Names are given the dotted way; errors name the field as the record spells it.
     */
    private static final class Rec {

        final FlatJson n;
        /** The stream that wraps the record ({@code Kafka::tag_json}), else null. */
        final String tag;
        private final String prefix;
        private final boolean underscore;

        Rec(FlatJson n) {
            this.n = n;
            String wrapper = null;
            for (String s : STREAMS) {
                if (n.isObject(s) && !n.has("ts")) {
                    wrapper = s;
                    break;
                }
            }
            this.tag = wrapper;
            this.prefix = wrapper == null ? "" : wrapper + ".";
            this.underscore = !n.has(prefix + "id.orig_h") && !n.has(prefix + "id.resp_h")
                    && (n.has(prefix + "id_orig_h") || n.has(prefix + "id_resp_h"));
        }

        private String key(String dotted) {
            return prefix + (underscore ? dotted.replace('.', '_') : dotted);
        }

        boolean has(String field) {
            return n.has(key(field));
        }

        Object raw(String field) {
            return n.raw(key(field));
        }

        String text(String field) {
            return n.text(key(field));
        }

        String required(String field) throws BadRecord {
            return n.required(key(field));
        }

        long number(String field, long absent) throws BadRecord {
            return n.number(key(field), absent);
        }

        double decimal(String field) throws BadRecord {
            return n.decimal(key(field));
        }

        int port(String field) throws BadRecord {
            return n.port(key(field));
        }

        boolean bool(String field, boolean absent) {
            return n.bool(key(field), absent);
        }
    }
}
