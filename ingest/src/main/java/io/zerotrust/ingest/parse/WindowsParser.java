package io.zerotrust.ingest.parse;

import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Windows Security events as JSON, in either shipper's shape: NXLog's flat records ({@code EventID},
 * {@code Hostname}, {@code RecordNumber}, {@code EventTime} in the host's local time, the event's data fields at the
 * top level) or Winlogbeat's ({@code winlog.event_id}, {@code winlog.computer_name}, {@code winlog.record_id},
 * {@code winlog.event_data.*}, {@code @timestamp} in UTC).
 *
 * <table>
 *   <caption>What each event id becomes</caption>
 *   <tr><td>4624 logon</td><td>OPEN by TargetUserName from IpAddress to the host (service logon-type-N)</td></tr>
 *   <tr><td>4625 failed logon</td><td>REJECT, failure status/substatus</td></tr>
 *   <tr><td>4634 logoff</td><td>CLOSE of the logon session (TargetLogonId), from the logon's source when seen</td></tr>
 *   <tr><td>4648 explicit credentials</td><td>OPEN by TargetUserName towards TargetServerName</td></tr>
 *   <tr><td>4769 Kerberos service ticket</td><td>OPEN towards kerberos:ServiceName, REJECT when Status is not 0x0</td></tr>
 *   <tr><td>4776 NTLM validation</td><td>OPEN towards ntlm on the validating host, REJECT when Status is not 0x0</td></tr>
 *   <tr><td>5140, 5145 share access</td><td>OPEN by SubjectUserName from IpAddress towards share:ShareName</td></tr>
 *   <tr><td>5156 permitted connection</td><td>OPEN from SourceAddress:SourcePort to DestAddress:DestPort</td></tr>
 * </table>
 *
 * Other event ids are dead-lettered as {@code unsupported_event}. Ids: {@code win-<host>-<RecordNumber>}.
 */
public final class WindowsParser implements SourceParser {

    private static final DateTimeFormatter NXLOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final ZoneId localZone;

    /** @param localZone the hosts' zone, for NXLog's {@code EventTime} (local time without an offset) */
    public WindowsParser(ZoneId localZone) {
        this.localZone = localZone;
    }

    @Override
    public String source() {
        return "windows";
    }

    /** The record's fields, wherever its shipper put them (Winlogbeat: under {@code winlog.event_data}). */
    private record Fields(FlatJson n, boolean winlogbeat) {
        String get(String name) {
            String v = winlogbeat ? n.text("winlog.event_data." + name) : null;
            return v != null ? v : n.text(name);
        }

        String required(String name) throws BadRecord {
            String v = get(name);
            if (v == null) {
                throw BadRecord.missing(winlogbeat ? "winlog.event_data." + name : name);
            }
            return v;
        }
    }

    @Override
    public List<ConnectionEvent> parse(byte[] raw, long receivedMs, Memory memory) throws BadRecord {
        FlatJson n = FlatJson.parse(raw);
        boolean winlog = n.has("winlog");
        Fields f = new Fields(n, n.isObject("winlog"));
        String idField = winlog ? "winlog.event_id" : "EventID";
        long id = n.numberOrHex(idField, -1);
        if (id < 0) {
            throw BadRecord.missing(idField);
        }
        String hostField = winlog ? "winlog.computer_name" : "Hostname";
        String fqdn = n.text(hostField);
        if (fqdn == null) {
            throw BadRecord.missing(hostField);
        }
        String host = shortName(fqdn);
        String recordField = winlog ? "winlog.record_id" : "RecordNumber";
        long record = n.numberOrHex(recordField, -1);
        if (record < 0) {
            throw BadRecord.missing(recordField);
        }
        long time = time(n, winlog);
        String eventId = "win-" + host + "-" + record;
        ConnectionEvent.Builder e = Events.event("windows", eventId, time, ConnectionPhase.OPEN, eventId, host)
                .setProtocol("windows-" + id);
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("windows_event_id", Long.toString(id));
        switch ((int) id) {
            case 4624 -> {
                String user = f.required("TargetUserName");
                String src = Events.address(f.get("IpAddress"));
                String logonType = f.get("LogonType");
                attrs.put("logon_type", String.valueOf(logonType));
                e.setUser(user)
                        .setSrc(Events.src(src, port(f.get("IpPort")), workstation(f.get("WorkstationName"))))
                        .setAuth(Events.auth(method(f.get("AuthenticationPackageName")), AuthResult.SUCCESS, null))
                        .setDst(Events.dst("logon-type-" + logonType, host, null, 0));
                String logonId = f.get("TargetLogonId");
                if (logonId != null) {
                    memory.put("logon:" + host + ":" + logonId, eventId + "|" + (src == null ? "" : src));
                }
            }
            case 4625 -> {
                String status = f.get("Status") + "/" + f.get("SubStatus");
                attrs.put("logon_type", String.valueOf(f.get("LogonType")));
                e.setPhase(ConnectionPhase.REJECT).setUser(f.required("TargetUserName"))
                        .setSrc(Events.src(Events.address(f.get("IpAddress")), port(f.get("IpPort")),
                                workstation(f.get("WorkstationName"))))
                        .setAuth(Events.auth(AuthMethod.PASSWORD, AuthResult.FAILURE, "status " + status))
                        .setDst(Events.dst("logon-type-" + f.get("LogonType"), host, null, 0))
                        .setRejectReason("auth_failed");
            }
            case 4634 -> {
                String logonId = f.required("TargetLogonId");
                String logon = memory.get("logon:" + host + ":" + logonId);
                String src = null;
                if (logon != null) {
                    int bar = logon.indexOf('|');
                    e.setConnectionId(logon.substring(0, bar));
                    src = bar + 1 < logon.length() ? logon.substring(bar + 1) : null;
                } else {
                    attrs.put("logon_seen", "false");
                }
                e.setPhase(ConnectionPhase.CLOSE).setUser(f.required("TargetUserName"))
                        .setSrc(Events.src(src, 0))
                        .setDst(Events.dst("logon-type-" + f.get("LogonType"), host, null, 0))
                        .setCloseReason("logoff");
            }
            case 4648 -> {
                String target = f.get("TargetServerName");
                e.setUser(f.required("TargetUserName"))
                        .setSrc(Events.src(Events.address(f.get("IpAddress")), port(f.get("IpPort"))))
                        .setAuth(Events.auth(AuthMethod.OTHER, AuthResult.SUCCESS, null))
                        .setDst(Events.dst("explicit-credentials", target == null ? host : shortName(target), null,
                                0));
                attrs.put("subject_user", String.valueOf(f.get("SubjectUserName")));
            }
            case 4769 -> {
                String status = f.get("Status");
                boolean ok = status == null || "0x0".equalsIgnoreCase(status);
                e.setUser(f.required("TargetUserName").replaceFirst("@.*$", ""))
                        .setSrc(Events.src(Events.address(f.get("IpAddress")), port(f.get("IpPort"))))
                        .setAuth(Events.auth(AuthMethod.KERBEROS, ok ? AuthResult.SUCCESS : AuthResult.FAILURE,
                                ok ? null : "status " + status))
                        .setDst(Events.dst("kerberos:" + f.required("ServiceName"), host, null, 88));
                if (!ok) {
                    e.setPhase(ConnectionPhase.REJECT).setRejectReason("auth_failed");
                }
            }
            case 4776 -> {
                String status = f.get("Status");
                boolean ok = status == null || "0x0".equalsIgnoreCase(status);
                String workstation = f.get("Workstation");
                if (workstation != null) {
                    attrs.put("workstation", workstation);
                }
                e.setUser(f.required("TargetUserName"))
                        .setSrc(Events.src(null, 0, workstation(workstation)))
                        .setAuth(Events.auth(AuthMethod.NTLM, ok ? AuthResult.SUCCESS : AuthResult.FAILURE,
                                ok ? null : "status " + status))
                        .setDst(Events.dst("ntlm", host, null, 0));
                if (!ok) {
                    e.setPhase(ConnectionPhase.REJECT).setRejectReason("auth_failed");
                }
            }
            case 5140, 5145 -> {
                String target = f.get("RelativeTargetName");
                if (target != null) {
                    attrs.put("share_target", target);
                }
                e.setUser(f.required("SubjectUserName"))
                        .setSrc(Events.src(Events.address(f.get("IpAddress")), port(f.get("IpPort"))))
                        .setAuth(Events.auth(AuthMethod.OTHER, AuthResult.SUCCESS, null))
                        .setDst(Events.dst("share:" + f.required("ShareName"), host, null, 445));
            }
            case 5156 -> {
                String app = f.get("Application");
                if (app != null) {
                    attrs.put("application", app);
                }
                attrs.put("direction", "%%14592".equals(f.get("Direction")) ? "inbound" : "outbound");
                e.setSrc(Events.src(Events.address(f.required("SourceAddress")), port(f.get("SourcePort"))))
                        .setDst(Events.dst(null, null, Events.address(f.required("DestAddress")),
                                port(f.get("DestPort"))))
                        .setProtocol("6".equals(f.get("Protocol")) ? "tcp" : "17".equals(f.get("Protocol"))
                                ? "udp" : "ip-" + f.get("Protocol"));
            }
            default -> throw new BadRecord("unsupported_event", "Windows event " + id + " is not one the ingest maps"
                    + " (4624, 4625, 4634, 4648, 4769, 4776, 5140, 5145, 5156)");
        }
        return List.of(e.setAttributes(attrs).build());
    }

    private long time(FlatJson n, boolean winlogbeat) throws BadRecord {
        if (!winlogbeat) {
            String t = n.text("EventTime");
            if (t != null) {
                try {
                    return LocalDateTime.parse(t, NXLOG_TIME).atZone(localZone).toInstant().toEpochMilli();
                } catch (DateTimeParseException e) {
                    throw BadRecord.badValue("EventTime", t, "a time like 2020-10-22 04:29:46");
                }
            }
        }
        String ts = n.text("@timestamp");
        if (ts == null) {
            throw BadRecord.missing(winlogbeat ? "@timestamp" : "EventTime");
        }
        try {
            return Instant.parse(ts).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw BadRecord.badValue("@timestamp", ts, "an ISO-8601 time");
        }
    }

    /** A port field, surrounding blanks allowed; 0 when absent. */
    private static int port(String p) throws BadRecord {
        return Events.port(p == null ? null : p.trim());
    }

    private static String workstation(String name) {
        return name == null ? null : shortName(name);
    }

    public static String shortName(String fqdn) {
        String s = fqdn.startsWith("\\\\") ? fqdn.substring(2) : fqdn;
        int dot = s.indexOf('.');
        return (dot < 0 ? s : s.substring(0, dot)).toUpperCase(Locale.ROOT);
    }

    private static AuthMethod method(String pkg) {
        if (pkg == null) {
            return AuthMethod.OTHER;
        }
        return switch (pkg.toUpperCase(Locale.ROOT)) {
            case "KERBEROS" -> AuthMethod.KERBEROS;
            case "NTLM" -> AuthMethod.NTLM;
            default -> AuthMethod.OTHER;
        };
    }
}
