package io.zerotrust.ingest;

import static io.zerotrust.ingest.ParsersTest.lines;
import static io.zerotrust.ingest.ParsersTest.parseAll;
import static io.zerotrust.ingest.ZeekDialectsTest.DIR;
import static io.zerotrust.ingest.ZeekDialectsTest.event;
import static io.zerotrust.ingest.ZeekDialectsTest.src;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.HttpInfo;
import io.zerotrust.ingest.parse.ZeekParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Zeek's application logs beyond conn.log and kerberos.log, one sample each (resources/samples/zeek). */
class ZeekStreamsTest {

    static List<Object> parse(String sample) throws Exception {
        return parseAll(new ZeekParser(), lines(DIR + sample));
    }

    @Test
    void sshLogGivesTheAuthenticationOutcomeWithTheSoftwareOfBothSides() throws Exception {
        assertThat(parse("ssh.jsonl")).containsExactly(
                event("zeek-CsS4hP1yqR0bLm8Xk2-ssh-1772366420316", 1_772_366_420_316L, ConnectionPhase.OPEN,
                        "CsS4hP1yqR0bLm8Xk2")
                        .setAuth(new AuthInfo(AuthMethod.OTHER, AuthResult.SUCCESS, null, null))
                        .setSrc(src("10.30.4.21", 49844))
                        .setDst(new DestinationEndpoint("ssh", null, "10.30.8.15", 22)).setProtocol("ssh")
                        .setAttributes(Map.of("zeek_uid", "CsS4hP1yqR0bLm8Xk2",
                                "ssh_client", "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13",
                                "ssh_server", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
                                "auth_attempts", "1", "ssh_direction", "INTERNAL")).build(),
                event("zeek-C9vQe02dTgZx4Ak1Hn-ssh-1772366431004-reject", 1_772_366_431_004L, ConnectionPhase.REJECT,
                        "C9vQe02dTgZx4Ak1Hn")
                        .setAuth(new AuthInfo(AuthMethod.OTHER, AuthResult.FAILURE, "auth_failed", null))
                        .setRejectReason("auth_failed")
                        .setSrc(src("198.51.100.77", 40122))
                        .setDst(new DestinationEndpoint("ssh", null, "10.30.8.15", 22)).setProtocol("ssh")
                        .setAttributes(Map.of("zeek_uid", "C9vQe02dTgZx4Ak1Hn", "ssh_client", "SSH-2.0-libssh2_1.10.0",
                                "ssh_server", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
                                "auth_attempts", "6", "ssh_direction", "INBOUND")).build());
    }

    @Test
    void httpLogGivesEachRequestWithA401AsAFailedAuthentication() throws Exception {
        assertThat(parse("http.jsonl")).containsExactly(
                event("zeek-CHt1n53WfJ8sXq2Pd4-http-1-1772366462388", 1_772_366_462_388L, ConnectionPhase.OPEN,
                        "CHt1n53WfJ8sXq2Pd4")
                        .setSrc(src("10.30.4.21", 49901))
                        .setDst(new DestinationEndpoint(null, "wiki.corp.example", "10.30.9.40", 8080))
                        .setProtocol("http").setRequestCount(1)
                        .setHttp(new HttpInfo("GET", "/pages/viewpage.action", 200, "Mozilla/5.0 (Windows NT 10.0;"
                                + " Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"))
                        .setAttributes(Map.of("zeek_uid", "CHt1n53WfJ8sXq2Pd4", "trans_depth", "1")).build(),
                event("zeek-CHt1n53WfJ8sXq2Pd4-http-2-1772366465012-reject", 1_772_366_465_012L,
                        ConnectionPhase.REJECT, "CHt1n53WfJ8sXq2Pd4")
                        .setUser("svc-backup")
                        .setAuth(new AuthInfo(AuthMethod.OTHER, AuthResult.FAILURE, "unauthorized", null))
                        .setRejectReason("unauthorized")
                        .setSrc(src("10.30.4.21", 49901))
                        .setDst(new DestinationEndpoint(null, "wiki.corp.example", "10.30.9.40", 8080))
                        .setProtocol("http").setRequestCount(1)
                        .setHttp(new HttpInfo("POST", "/rest/api/content", 401, "python-requests/2.32.3"))
                        .setAttributes(Map.of("zeek_uid", "CHt1n53WfJ8sXq2Pd4", "trans_depth", "2")).build());
    }

    @Test
    void dnsLogGivesTheQueryAsTheDestinationHost() throws Exception {
        assertThat(parse("dns.jsonl")).containsExactly(
                event("zeek-CdN7o12xLkq3Vb9Fa2-dns-40215-1772366520005", 1_772_366_520_005L, ConnectionPhase.OPEN,
                        "CdN7o12xLkq3Vb9Fa2")
                        .setSrc(src("10.30.4.21", 53011))
                        .setDst(new DestinationEndpoint("dns", "_ldap._tcp.dc._msdcs.corp.example", "10.30.0.10", 53))
                        .setProtocol("dns")
                        .setAttributes(Map.of("zeek_uid", "CdN7o12xLkq3Vb9Fa2", "dns_qtype", "SRV",
                                "dns_rcode", "NOERROR")).build());
    }

    @Test
    void smbMappingLogGivesTheShareAsWindowsNamesIt() throws Exception {
        assertThat(parse("smb_mapping.jsonl")).containsExactly(
                event("zeek-C4m8Sq1yVtR2Lp0Ne7-smb-1772366530250", 1_772_366_530_250L, ConnectionPhase.OPEN,
                        "C4m8Sq1yVtR2Lp0Ne7")
                        .setSrc(src("10.30.4.33", 52110))
                        .setDst(new DestinationEndpoint("share:\\\\*\\FINANCE$", "FS01", "10.30.5.30", 445))
                        .setProtocol("smb")
                        .setAttributes(Map.of("zeek_uid", "C4m8Sq1yVtR2Lp0Ne7", "smb_path", "\\\\FS01\\FINANCE$",
                                "smb_share_type", "DISK", "smb_service", "A:")).build());
    }

    @Test
    void dceRpcLogGivesTheInterfaceAndOperation() throws Exception {
        assertThat(parse("dce_rpc.jsonl")).containsExactly(
                event("zeek-CpR6dT0vHk2Wz8Lq1m-dce_rpc-1772366541870-DRSGetNCChanges", 1_772_366_541_870L,
                        ConnectionPhase.OPEN, "CpR6dT0vHk2Wz8Lq1m")
                        .setSrc(src("10.30.4.33", 52140))
                        .setDst(new DestinationEndpoint("dce_rpc:drsuapi", null, "10.30.0.10", 49667))
                        .setProtocol("dce_rpc")
                        .setAttributes(Map.of("zeek_uid", "CpR6dT0vHk2Wz8Lq1m", "dce_rpc_endpoint", "drsuapi",
                                "dce_rpc_operation", "DRSGetNCChanges", "dce_rpc_named_pipe", "49667")).build());
    }

    @Test
    void noticeLogGivesTheNoteAndMessageAsEvidence() throws Exception {
        List<Object> out = parse("notice.jsonl");
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).isEqualTo(
                event("zeek-CqZ2v81GmNw6Dk4Rt9-notice-SSH::Password_Guessing-1772366600000", 1_772_366_600_000L,
                        ConnectionPhase.OPEN, "CqZ2v81GmNw6Dk4Rt9")
                        .setSrc(src("198.51.100.77", 40130))
                        .setDst(new DestinationEndpoint(null, null, "10.30.8.15", 22))
                        .setProtocol("tcp")
                        .setAttributes(Map.of("zeek_uid", "CqZ2v81GmNw6Dk4Rt9", "zeek_note", "SSH::Password_Guessing",
                                "zeek_msg", "198.51.100.77 appears to be guessing SSH passwords (seen in 30"
                                        + " connections).",
                                "zeek_sub", "Sampled servers:  10.30.8.15, 10.30.8.15, 10.30.8.15")).build());
        // a notice about hosts, not a connection: no uid, so its id is a hash of what it says
        ConnectionEvent scan = (ConnectionEvent) out.get(1);
        assertThat(scan.getEventId()).matches("zeek-[0-9a-f]{20}-notice-Scan::Port_Scan-1772366700500");
        assertThat(scan).isEqualTo(event(scan.getEventId(), 1_772_366_700_500L, ConnectionPhase.OPEN,
                scan.getEventId().substring(5, 25))
                .setSrc(src("203.0.113.50", 0))
                .setDst(new DestinationEndpoint(null, null, "10.30.8.15", 0))
                .setProtocol("unknown")
                .setAttributes(Map.of("zeek_note", "Scan::Port_Scan", "zeek_msg", "203.0.113.50 scanned at least 15"
                        + " unique ports of host 10.30.8.15 in 0m2s", "zeek_sub", "local")).build());
    }

    @Test
    void eachStreamIsToldByItsFieldsWhenNoPathNamesIt() throws Exception {
        for (String sample : List.of("ssh.jsonl", "http.jsonl", "dns.jsonl", "smb_mapping.jsonl", "dce_rpc.jsonl",
                "notice.jsonl")) {
            List<String> unnamed = lines(DIR + sample).stream()
                    .map(l -> l.replaceAll("\"(_path|@stream)\":\"[a-z_]+\",", "")).toList();
            assertThat(unnamed).noneMatch(l -> l.contains("_path") || l.contains("@stream"));
            assertThat(parseAll(new ZeekParser(), unnamed)).as(sample).isEqualTo(parse(sample));
        }
    }
}
