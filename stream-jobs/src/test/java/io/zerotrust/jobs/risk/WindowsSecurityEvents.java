package io.zerotrust.jobs.risk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.SourceEndpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A test adapter from Windows Security events (NXLog JSON, as in the OTRF datasets) to connection events, standing
 * in for the ingest module's mapping: 4624 logon (OPEN), 4625 failed logon and 4776 failed NTLM validation (REJECT),
 * 4769 Kerberos service ticket (OPEN towards the ticket's service), 5140/5145 share access (OPEN towards the share).
 * The source is the event's address, else its workstation name resolved through the lab's address map; events
 * with neither are skipped (counted in {@link #skipped}).
 */
public final class WindowsSecurityEvents {

    /** The lab's hosts and addresses, from the dataset's metadata. */
    public static final Map<String, String> LAB = Map.of("MORDORDC", "172.18.38.5", "WEC", "172.18.38.6",
            "WORKSTATION5", "172.18.39.5", "WORKSTATION6", "172.18.39.6", "WORKSTATION7", "172.18.39.7");
    /** EventTime is the hosts' local time; the lab ran on US Eastern daylight time (adversary_view agrees). */
    private static final ZoneOffset LAB_ZONE = ZoneOffset.ofHours(-4);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    public int skipped;

    public List<ConnectionEvent> read(InputStream in) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<ConnectionEvent> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                ConnectionEvent e = map(json.readTree(line));
                if (e == null) {
                    skipped++;
                } else {
                    out.add(e);
                }
            }
        }
        out.sort(Comparator.comparingLong(ConnectionEvent::getEventTime));
        return out;
    }

    private ConnectionEvent map(JsonNode n) {
        int id = n.path("EventID").asInt();
        String host = shortName(n.path("Hostname").asText());
        String user;
        String src;
        ConnectionPhase phase;
        AuthResult outcome;
        AuthMethod method;
        String service;
        String failure = null;
        int port;
        switch (id) {
            case 4624 -> {
                user = n.path("TargetUserName").asText();
                src = source(n.path("IpAddress").asText(), n.path("WorkstationName").asText());
                phase = ConnectionPhase.OPEN;
                outcome = AuthResult.SUCCESS;
                method = method(n.path("AuthenticationPackageName").asText());
                service = "logon-type-" + n.path("LogonType").asText();
                port = 445;
            }
            case 4625 -> {
                user = n.path("TargetUserName").asText();
                src = source(n.path("IpAddress").asText(), n.path("WorkstationName").asText());
                phase = ConnectionPhase.REJECT;
                outcome = AuthResult.FAILURE;
                method = AuthMethod.PASSWORD;
                service = "logon-type-" + n.path("LogonType").asText();
                failure = "status " + n.path("Status").asText() + "/" + n.path("SubStatus").asText();
                port = 445;
            }
            case 4776 -> {
                if ("0x0".equals(n.path("Status").asText())) {
                    return null; // a successful validation: its logon is a 4624
                }
                user = n.path("TargetUserName").asText();
                src = source("-", n.path("Workstation").asText());
                phase = ConnectionPhase.REJECT;
                outcome = AuthResult.FAILURE;
                method = AuthMethod.NTLM;
                service = "ntlm";
                failure = "status " + n.path("Status").asText();
                port = 445;
            }
            case 4769 -> {
                if (!"0x0".equals(n.path("Status").asText())) {
                    return null;
                }
                user = n.path("TargetUserName").asText().replaceFirst("@.*$", "");
                src = source(n.path("IpAddress").asText(), "-");
                phase = ConnectionPhase.OPEN;
                outcome = AuthResult.SUCCESS;
                method = AuthMethod.KERBEROS;
                service = "kerberos:" + n.path("ServiceName").asText();
                port = 88;
            }
            case 5140, 5145 -> {
                user = n.path("SubjectUserName").asText();
                src = source(n.path("IpAddress").asText(), "-");
                phase = ConnectionPhase.OPEN;
                outcome = AuthResult.SUCCESS;
                method = AuthMethod.OTHER;
                service = "share:" + n.path("ShareName").asText();
                port = 445;
            }
            default -> {
                return null;
            }
        }
        if (src == null || user.isEmpty() || "-".equals(user)) {
            return null;
        }
        long time = LocalDateTime.parse(n.path("EventTime").asText(), TIME).toInstant(LAB_ZONE).toEpochMilli();
        return ConnectionEvent.newBuilder()
                .setEventId("win-" + host + "-" + n.path("RecordNumber").asText())
                .setEventTime(time)
                .setOrigin("windows")
                .setGatewayId("ingest-windows")
                .setConnectionId("win-" + host + "-" + n.path("RecordNumber").asText())
                .setPhase(phase)
                .setUser(user)
                .setAuth(AuthInfo.newBuilder().setMethod(method).setOutcome(outcome).setFailureReason(failure).build())
                .setSrc(SourceEndpoint.newBuilder().setIp(src).setHost(null).build())
                .setDst(DestinationEndpoint.newBuilder().setService(service).setHost(host).setIp(LAB.get(host))
                        .setPort(port).build())
                .setProtocol("windows-" + id)
                .setRejectReason(phase == ConnectionPhase.REJECT ? "auth_failed" : null)
                .setAttributes(Map.of("windows_event_id", Integer.toString(id)))
                .build();
    }

    private static String shortName(String fqdn) {
        int dot = fqdn.indexOf('.');
        return (dot < 0 ? fqdn : fqdn.substring(0, dot)).toUpperCase(Locale.ROOT);
    }

    private static String source(String address, String workstation) {
        String a = address.replaceFirst("^::ffff:", "");
        if (!a.isEmpty() && !"-".equals(a) && !"::1".equals(a) && !a.startsWith("127.")) {
            return a;
        }
        return LAB.get(shortName(workstation));
    }

    private static AuthMethod method(String pkg) {
        return switch (pkg.toUpperCase(Locale.ROOT)) {
            case "KERBEROS" -> AuthMethod.KERBEROS;
            case "NTLM" -> AuthMethod.NTLM;
            default -> AuthMethod.OTHER;
        };
    }
}
