package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.ingest.parse.BadRecord;
import io.zerotrust.ingest.parse.EnvoyParser;
import io.zerotrust.ingest.parse.Memory;
import io.zerotrust.ingest.parse.SourceParser;
import io.zerotrust.ingest.parse.SshdParser;
import io.zerotrust.ingest.parse.WindowsParser;
import io.zerotrust.ingest.parse.ZeekParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each source's parser on samples of its real format (resources/samples). */
class ParsersTest {

    /** Received 2026-11-22 10:30 UTC (for syslog time stamps without a year). */
    static final long RECEIVED = Instant.parse("2026-11-22T10:30:00Z").toEpochMilli();

    static List<String> lines(String resource) throws IOException {
        try (InputStream in = ParsersTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    /** A map-backed memory, as the topology's store would be within the dedup window. */
    static Memory memory() {
        return Memory.inMap(Integer.MAX_VALUE);
    }

    /** Every line parsed in order: the events, and the failures as "BAD errorType: reason". */
    static List<Object> parseAll(SourceParser p, List<String> lines) {
        Memory memory = memory();
        List<Object> out = new ArrayList<>();
        for (String l : lines) {
            try {
                out.addAll(p.parse(l.getBytes(StandardCharsets.UTF_8), RECEIVED, memory));
            } catch (BadRecord b) {
                out.add("BAD " + b.errorType() + ": " + b.getMessage());
            }
        }
        return out;
    }

    static String brief(Object o) {
        if (!(o instanceof ConnectionEvent e)) {
            return o.toString();
        }
        return e.getPhase() + " " + e.getUser() + " " + e.getSrc().getIp() + (e.getSrc().getHost() == null ? ""
                : "(" + e.getSrc().getHost() + ")") + " -> " + e.getDst().getService() + "@" + e.getDst().getHost()
                + "/" + e.getDst().getIp() + ":" + e.getDst().getPort() + " " + e.getAuth().getMethod() + "/"
                + e.getAuth().getOutcome();
    }

    @Test
    void zeekConnectionsAndKerberos() throws Exception {
        List<Object> out = parseAll(new ZeekParser(), lines("/samples/zeek.jsonl"));
        assertThat(out).extracting(ParsersTest::brief).containsExactly(
                // the Kerberos success only informs the flow's conn record, which then carries the user
                "OPEN alice 10.20.0.15 -> null@null/10.0.5.20:88 KERBEROS/SUCCESS",
                "CLOSE alice 10.20.0.15 -> null@null/10.0.5.20:88 KERBEROS/SUCCESS",
                "OPEN null 10.20.0.15 -> null@null/10.0.5.30:445 NONE/NOT_ATTEMPTED",
                "CLOSE null 10.20.0.15 -> null@null/10.0.5.30:445 NONE/NOT_ATTEMPTED",
                "REJECT null 203.0.113.9 -> null@null/10.0.5.30:22 NONE/NOT_ATTEMPTED",
                "REJECT null 203.0.113.9 -> null@null/10.0.5.31:3389 NONE/NOT_ATTEMPTED",
                "REJECT bob 10.20.0.16 -> kerberos:krbtgt/CORP.EXAMPLE@null/10.0.5.20:88 KERBEROS/FAILURE",
                "REJECT null fe80::1 -> null@null/ff02::fb:5353 NONE/NOT_ATTEMPTED");
        ConnectionEvent smbClose = (ConnectionEvent) out.get(3);
        assertThat(smbClose.getEventTime() - ((ConnectionEvent) out.get(2)).getEventTime()).isEqualTo(12_250);
        assertThat(smbClose.getBytesIn()).isEqualTo(24_000);
        assertThat(smbClose.getBytesOut()).isEqualTo(3_200_000);
        assertThat(smbClose.getProtocol()).isEqualTo("smb");
        assertThat(smbClose.getEventId()).isEqualTo("zeek-C4J4Th3PJpwUYZZ6gc-close");
        assertThat(smbClose.getConnectionId()).isEqualTo("C4J4Th3PJpwUYZZ6gc");
        ConnectionEvent rej = (ConnectionEvent) out.get(4);
        assertThat(rej.getEventTime()).isEqualTo(Instant.parse("2026-11-22T10:00:02Z").toEpochMilli());
        assertThat(rej.getRejectReason()).isEqualTo("zeek_rej");
        assertThat(((ConnectionEvent) out.get(6)).getAuth().getFailureReason()).isEqualTo("KDC_ERR_PREAUTH_FAILED");
    }

    @Test
    void windowsSecurityEventsFromTheDataset() throws Exception {
        WindowsParser p = new WindowsParser(ZoneOffset.ofHours(-4));
        List<Object> out = parseAll(p, lines("/samples/windows-purplesharp.jsonl"));
        List<String> briefs = out.stream().map(ParsersTest::brief).toList();
        assertThat(briefs).filteredOn(s -> s.startsWith("REJECT")).contains(
                "REJECT pgustavo 0.0.0.0(WORKSTATION5) -> logon-type-2@WORKSTATION5/null:0 PASSWORD/FAILURE",
                "REJECT pgustavo 0.0.0.0(WORKSTATION5) -> ntlm@MORDORDC/null:0 NTLM/FAILURE");
        assertThat(briefs).filteredOn(s -> s.startsWith("BAD")).containsExactly(
                "BAD unsupported_event: Windows event 4672 is not one the ingest maps (4624, 4625, 4634, 4648, 4769,"
                        + " 4776, 5140, 5145, 5156)");
        assertThat(out).filteredOn(o -> o instanceof ConnectionEvent).hasSize(16)
                .allSatisfy(o -> {
                    ConnectionEvent e = (ConnectionEvent) o;
                    assertThat(e.getEventId()).matches("win-[A-Z0-9]+-\\d+");
                    assertThat(e.getOrigin()).isEqualTo("windows");
                    assertThat(e.getDst().getHost() != null || e.getDst().getIp() != null).isTrue();
                });
        // EventTime is the lab's local time (UTC-4)
        ConnectionEvent first = (ConnectionEvent) out.get(0);
        assertThat(Instant.ofEpochMilli(first.getEventTime()).toString()).startsWith("2020-10-22T08:");
    }

    @Test
    void aWindowsLogoffClosesItsLogonSession() throws Exception {
        WindowsParser p = new WindowsParser(ZoneId.of("UTC"));
        Memory memory = memory();
        String logon = "{\"EventID\":4624,\"Hostname\":\"FS01.corp.example\",\"RecordNumber\":10,\"EventTime\":"
                + "\"2026-11-22 10:00:00\",\"TargetUserName\":\"alice\",\"TargetLogonId\":\"0x3e7aa\",\"IpAddress\":"
                + "\"::ffff:10.20.0.15\",\"IpPort\":\"50000\",\"LogonType\":\"3\",\"AuthenticationPackageName\":\"Kerberos\"}";
        String logoff = "{\"winlog\":{\"event_id\":4634,\"computer_name\":\"FS01.corp.example\",\"record_id\":11,"
                + "\"event_data\":{\"TargetUserName\":\"alice\",\"TargetLogonId\":\"0x3e7aa\",\"LogonType\":\"3\"}},"
                + "\"@timestamp\":\"2026-11-22T10:20:00.000Z\"}";
        ConnectionEvent open = p.parse(logon.getBytes(StandardCharsets.UTF_8), RECEIVED, memory).get(0);
        ConnectionEvent close = p.parse(logoff.getBytes(StandardCharsets.UTF_8), RECEIVED, memory).get(0);
        assertThat(brief(open)).isEqualTo("OPEN alice 10.20.0.15 -> logon-type-3@FS01/null:0 KERBEROS/SUCCESS");
        assertThat(close.getPhase()).isEqualTo(ConnectionPhase.CLOSE);
        assertThat(close.getConnectionId()).as("the logon's connection").isEqualTo(open.getConnectionId());
        assertThat(close.getSrc().getIp()).as("the logon's source").isEqualTo("10.20.0.15");
        assertThat(close.getEventTime()).isEqualTo(Instant.parse("2026-11-22T10:20:00Z").toEpochMilli());
    }

    @Test
    void sshdLines() throws Exception {
        List<Object> out = parseAll(new SshdParser(ZoneId.of("UTC")), lines("/samples/sshd.log"));
        assertThat(out).extracting(ParsersTest::brief).containsExactly(
                "OPEN alice 10.20.0.15 -> ssh@bastion/null:22 PUBLIC_KEY/SUCCESS",
                "REJECT root 203.0.113.9 -> ssh@bastion/null:22 PASSWORD/FAILURE",
                "REJECT oracle 203.0.113.9 -> ssh@bastion/null:22 NONE/FAILURE",
                "REJECT oracle 203.0.113.9 -> ssh@bastion/null:22 PASSWORD/FAILURE",
                "REJECT root 203.0.113.9 -> ssh@bastion/null:22 PASSWORD/FAILURE", // pam_unix
                "REJECT root 203.0.113.9 -> ssh@bastion/null:22 PASSWORD/FAILURE", // message repeated 2 times
                "REJECT root 203.0.113.9 -> ssh@bastion/null:22 PASSWORD/FAILURE",
                "REJECT root 203.0.113.9 -> ssh@bastion/null:22 PASSWORD/FAILURE",
                "REJECT root 203.0.113.9 -> ssh@bastion/null:22 PASSWORD/FAILURE", // PAM 2 more
                "CLOSE alice 10.20.0.15 -> ssh@bastion/null:22 OTHER/SUCCESS",
                "BAD unsupported_event: an sshd message the ingest does not map: \"Received disconnect from"
                        + " 203.0.113.9 port 40120:11: Bye Bye …\"",
                "BAD unsupported_event: a line of CRON, not of sshd");
        ConnectionEvent accepted = (ConnectionEvent) out.get(0);
        assertThat(accepted.getEventTime()).isEqualTo(Instant.parse("2026-11-22T10:00:01Z").toEpochMilli());
        assertThat(accepted.getConnectionId()).isEqualTo(((ConnectionEvent) out.get(9)).getConnectionId());
        assertThat(((ConnectionEvent) out.get(5)).getEventId()).as("repeats get ids of their own")
                .isNotEqualTo(((ConnectionEvent) out.get(6)).getEventId());
    }

    @Test
    void envoyAccessLog() throws Exception {
        List<Object> out = parseAll(new EnvoyParser(), lines("/samples/envoy.jsonl"));
        assertThat(out).extracting(ParsersTest::brief).containsExactly(
                "OPEN alice 10.20.0.15 -> orders@orders.internal/10.0.6.11:8080 OTHER/SUCCESS",
                "CLOSE alice 10.20.0.15 -> orders@orders.internal/10.0.6.11:8080 OTHER/SUCCESS",
                "REJECT mallory 2001:db8::7 -> admin@admin.internal/null:0 OTHER/SUCCESS",
                "REJECT null 198.51.100.4 -> portal@portal.internal/null:0 OTHER/FAILURE");
        ConnectionEvent close = (ConnectionEvent) out.get(1);
        assertThat(close.getHttp().getPath()).isEqualTo("/api/v1/orders");
        assertThat(close.getHttp().getStatus()).isEqualTo(200);
        assertThat(close.getBytesOut()).isEqualTo(5120);
        assertThat(close.getDurationMs()).isEqualTo(12);
        assertThat(((ConnectionEvent) out.get(2)).getRejectReason()).isEqualTo("forbidden");
        assertThat(((ConnectionEvent) out.get(3)).getRejectReason()).isEqualTo("unauthorized");
    }

    @Test
    void badRecordsSayWhatIsWrong() {
        ZeekParser zeek = new ZeekParser();
        assertThatThrownBy(() -> zeek.parse("{\"uid\":\"C1\",\"proto\":\"tcp\"".getBytes(), RECEIVED, Memory.NONE))
                .isInstanceOf(BadRecord.class).hasMessageStartingWith("not valid JSON");
        assertThatThrownBy(() -> zeek.parse("{\"uid\":\"C1\",\"proto\":\"tcp\",\"conn_state\":\"SF\",\"ts\":\"x\"}"
                .getBytes(), RECEIVED, Memory.NONE)).hasMessage(
                        "field ts is not epoch seconds or an ISO-8601 time: \"x\"");
        assertThatThrownBy(() -> zeek.parse(("{\"uid\":\"C1\",\"proto\":\"tcp\",\"conn_state\":\"SF\",\"ts\":1,"
                + "\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":70000,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":1}")
                .getBytes(), RECEIVED, Memory.NONE)).hasMessage("field id.orig_p is not a port (0-65535): \"70000\"");
        assertThatThrownBy(() -> new WindowsParser(ZoneOffset.UTC).parse("{\"EventID\":4625}".getBytes(), RECEIVED,
                Memory.NONE)).hasMessage("field Hostname is missing or empty");
        assertThatThrownBy(() -> new SshdParser(ZoneOffset.UTC).parse("hello".getBytes(), RECEIVED, Memory.NONE))
                .hasMessageContaining("not a syslog line");
        assertThatThrownBy(() -> new EnvoyParser().parse("[1,2]".getBytes(), RECEIVED, Memory.NONE))
                .hasMessage("not a JSON object");
    }

    @Test
    void theSameRecordGivesTheSameIds() throws Exception {
        String line = lines("/samples/sshd.log").get(1);
        SshdParser p = new SshdParser(ZoneOffset.UTC);
        assertThat(p.parse(line.getBytes(), RECEIVED, Memory.NONE).get(0).getEventId())
                .isEqualTo(p.parse(line.getBytes(), RECEIVED + 5_000, Memory.NONE).get(0).getEventId());
    }
}
