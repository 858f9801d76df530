package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.ingest.parse.BadRecord;
import io.zerotrust.ingest.parse.Memory;
import io.zerotrust.ingest.parse.SshdParser;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * sshd lines in each syslog framing real shippers write, and each sshd message the ingest maps, from the samples in
 * {@code resources/samples/sshd}; every mapped field is asserted through {@link #describe}.
 */
class SyslogDialectsTest {

    /** Received 2026-03-01 12:30 UTC: year-less time stamps of March 1 are this year's. */
    static final long RECEIVED = Instant.parse("2026-03-01T12:30:00Z").toEpochMilli();
    static final SshdParser UTC = new SshdParser(ZoneOffset.UTC);

    /** The sample's one line, parsed. */
    static List<ConnectionEvent> parse(SshdParser parser, String sample, long receivedMs) throws Exception {
        List<String> lines = ParsersTest.lines("/samples/sshd/" + sample);
        assertThat(lines).as(sample).hasSize(1);
        return parser.parse(lines.get(0).getBytes(StandardCharsets.UTF_8), receivedMs, Memory.NONE);
    }

    static ConnectionEvent one(String sample) throws Exception {
        List<ConnectionEvent> out = parse(UTC, sample, RECEIVED);
        assertThat(out).as(sample).hasSize(1);
        return out.get(0);
    }

    static String bad(String sample) {
        try {
            return "events " + parse(UTC, sample, RECEIVED);
        } catch (BadRecord b) {
            return b.errorType() + ": " + b.getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Every field the sshd mapping sets, in one line. */
    static String describe(ConnectionEvent e) {
        return e.getPhase() + " user=" + e.getUser()
                + " src=" + e.getSrc().getIp() + ":" + e.getSrc().getPort() + "/" + e.getSrc().getHost()
                + " dst=" + e.getDst().getService() + "@" + e.getDst().getHost() + ":" + e.getDst().getPort()
                + " protocol=" + e.getProtocol()
                + " auth=" + e.getAuth().getMethod() + "/" + e.getAuth().getOutcome() + "/"
                + e.getAuth().getFailureReason()
                + " reject=" + e.getRejectReason() + " close=" + e.getCloseReason()
                + " time=" + Instant.ofEpochMilli(e.getEventTime())
                + " origin=" + e.getOrigin() + " gateway=" + e.getGatewayId() + " connection=" + e.getConnectionId()
                + " attributes=" + new TreeMap<>(e.getAttributes());
    }

    static final String FAILED_ADMIN = "REJECT user=admin src=198.51.100.23:50514/null dst=ssh@bastion:22"
            + " protocol=ssh auth=PASSWORD/FAILURE/invalid_user reject=auth_failed close=null";

    // ---- framings

    @Test
    void rfc3164WithAndWithoutPri() throws Exception {
        String expected = FAILED_ADMIN + " time=2026-03-01T12:00:00Z origin=sshd gateway=bastion"
                + " connection=sshd-bastion-2231 attributes={}";
        assertThat(describe(one("framing-rfc3164.log"))).isEqualTo(expected);
        assertThat(describe(one("framing-rfc3164-pri.log"))).isEqualTo(expected);
    }

    @Test
    void rfc3164WithoutPidIsConnectionZero() throws Exception {
        assertThat(describe(one("framing-rfc3164-no-pid.log"))).isEqualTo(FAILED_ADMIN
                + " time=2026-03-01T12:00:00Z origin=sshd gateway=bastion connection=sshd-bastion-0 attributes={}");
    }

    @Test
    void pamEraProgramWithItsModule() throws Exception {
        assertThat(describe(one("framing-rfc3164-pam-unix.log"))).isEqualTo(
                "REJECT user=root src=198.51.100.23:0/null dst=ssh@bastion:22 protocol=ssh"
                        + " auth=PASSWORD/FAILURE/pam_authentication_failure reject=auth_failed close=null"
                        + " time=2026-03-01T12:00:04Z origin=sshd gateway=bastion connection=sshd-bastion-2240"
                        + " attributes={pam=true}");
    }

    @Test
    void rfc3164TimeIsInTheConfiguredZone() throws Exception {
        ConnectionEvent e = parse(new SshdParser(ZoneId.of("Europe/Berlin")), "framing-rfc3164.log", RECEIVED)
                .get(0);
        assertThat(Instant.ofEpochMilli(e.getEventTime())).isEqualTo(Instant.parse("2026-03-01T11:00:00Z"));
    }

    @Test
    void rfc5424WithOffsetAndMicroseconds() throws Exception {
        // 13:00:00.123456+01:00; the event keeps milliseconds
        assertThat(describe(one("framing-rfc5424.log"))).isEqualTo(FAILED_ADMIN + " time=2026-03-01T12:00:00.123Z"
                + " origin=sshd gateway=bastion connection=sshd-bastion-2231 attributes={}");
    }

    @Test
    void rfc5424WithStructuredDataAndBom() throws Exception {
        // structured data with an escaped ] and quotes inside a value; the BOM is not part of the message
        assertThat(describe(one("framing-rfc5424-sd-bom.log"))).isEqualTo(
                "REJECT user=admin src=198.51.100.23:50514/null dst=ssh@bastion.corp.example:22 protocol=ssh"
                        + " auth=PASSWORD/FAILURE/invalid_user reject=auth_failed close=null"
                        + " time=2026-03-01T12:00:00.123Z origin=sshd gateway=bastion.corp.example"
                        + " connection=sshd-bastion.corp.example-2231 attributes={}");
    }

    @Test
    void rsyslogFileFormat() throws Exception {
        assertThat(describe(one("framing-rsyslog-iso.log"))).isEqualTo(FAILED_ADMIN + " time=2026-03-01T12:00:00.123Z"
                + " origin=sshd gateway=bastion connection=sshd-bastion-2231 attributes={}");
    }

    @Test
    void journalctlJson() throws Exception {
        assertThat(describe(one("framing-journald.json"))).isEqualTo(FAILED_ADMIN + " time=2026-03-01T12:00:00.123Z"
                + " origin=sshd gateway=bastion connection=sshd-bastion-2231 attributes={}");
    }

    @Test
    void journalctlJsonWithTheMessageAsBytesAndOnlyComm() throws Exception {
        ConnectionEvent e = one("framing-journald-bytes.json");
        assertThat(describe(e)).startsWith("REJECT user=null src=192.0.2.80:33412/null dst=ssh@bastion:22"
                + " protocol=ssh auth=NONE/NOT_ATTEMPTED/null reject=bad_protocol_version close=null"
                + " time=2026-03-01T12:00:07.402Z origin=sshd gateway=bastion connection=sshd-bastion-2250");
        assertThat(e.getAttributes().get("client_version")).startsWith("\u0016\u0003\u0001\u0002\u0000");
    }

    /**
     * The same message in RFC 3164, RFC 5424, rsyslog ISO and journald JSON gives the same event but for two fields:
     * the time, to the second in RFC 3164 and to the millisecond in the others (their microseconds are cut), and the
     * id, a hash of the line as shipped.
     */
    @Test
    void theSameMessageInEveryFramingGivesTheSameEvent() throws Exception {
        ConnectionEvent reference = withoutIdAndTime(one("framing-rfc3164.log"), 0);
        long precise = Instant.parse("2026-03-01T12:00:00.123Z").toEpochMilli();
        for (String framing : List.of("framing-rfc3164-pri.log", "framing-rfc5424.log", "framing-rsyslog-iso.log",
                "framing-journald.json")) {
            ConnectionEvent e = one(framing);
            assertThat(e.getEventTime()).as(framing).isIn(precise, precise - 123);
            assertThat(withoutIdAndTime(e, 0)).as(framing).isEqualTo(reference);
            assertThat(e.getEventId()).as(framing).startsWith("sshd-").isNotEqualTo(one("framing-rfc3164.log")
                    .getEventId());
        }
    }

    static ConnectionEvent withoutIdAndTime(ConnectionEvent e, long time) {
        return ConnectionEvent.newBuilder(e).setEventId("-").setEventTime(time).build();
    }

    // ---- year of RFC 3164 time stamps

    @Test
    void aYearLessTimeStampIsThisYearsUnlessThatIsMoreThanADayAhead() throws Exception {
        long newYear = Instant.parse("2027-01-01T00:10:00Z").toEpochMilli();
        assertThat(time("Dec 31 23:59:58", newYear)).isEqualTo("2026-12-31T23:59:58Z");
        assertThat(time("Jan  1 00:09:00", newYear)).isEqualTo("2027-01-01T00:09:00Z");
        assertThat(time("Jan  2 00:09:00", newYear)).as("a clock a little behind").isEqualTo("2027-01-02T00:09:00Z");
        assertThat(time("Jan  3 00:09:00", newYear)).isEqualTo("2026-01-03T00:09:00Z");
        long march2029 = Instant.parse("2029-03-01T00:00:00Z").toEpochMilli();
        assertThat(time("Feb 29 08:00:00", march2029)).as("the last leap year").isEqualTo("2028-02-29T08:00:00Z");
    }

    @Test
    void withoutAReceiveTimeTheClockDatesTheLine() throws Exception {
        SshdParser p = new SshdParser(ZoneOffset.UTC, Clock.fixed(Instant.parse("2031-06-01T00:00:00Z"),
                ZoneOffset.UTC));
        assertThat(Instant.ofEpochMilli(parse(p, "framing-rfc3164.log", -1).get(0).getEventTime()))
                .isEqualTo(Instant.parse("2031-03-01T12:00:00Z"));
    }

    static String time(String stamp, long receivedMs) throws BadRecord {
        String line = stamp + " bastion sshd[1]: Invalid user x from 192.0.2.1 port 1";
        return Instant.ofEpochMilli(UTC.parse(line.getBytes(StandardCharsets.UTF_8), receivedMs, Memory.NONE).get(0)
                .getEventTime()).toString();
    }

    // ---- messages

    @Test
    void connectionClosedAfterTriesIsTheCloseOfTheRejectedAttempt() throws Exception {
        assertThat(describe(one("msg-connection-closed-invalid-user.log"))).isEqualTo(
                "CLOSE user=admin src=198.51.100.23:50530/null dst=ssh@bastion:22 protocol=ssh"
                        + " auth=NONE/NOT_ATTEMPTED/null reject=null close=preauth_closed time=2026-03-01T12:01:10Z"
                        + " origin=sshd gateway=bastion connection=sshd-bastion-2301"
                        + " attributes={invalid_user=true, preauth=true}");
        assertThat(describe(one("msg-connection-closed-authenticating-user.log"))).isEqualTo(
                "CLOSE user=root src=198.51.100.23:50532/null dst=ssh@bastion:22 protocol=ssh"
                        + " auth=NONE/NOT_ATTEMPTED/null reject=null close=preauth_closed time=2026-03-01T12:01:12Z"
                        + " origin=sshd gateway=bastion connection=sshd-bastion-2302 attributes={preauth=true}");
    }

    @Test
    void connectionClosedBeforeAnyTryIsAReject() throws Exception {
        assertThat(describe(one("msg-connection-closed-preauth.log"))).isEqualTo(
                "REJECT user=null src=192.0.2.77:61022/null dst=ssh@bastion:22 protocol=ssh"
                        + " auth=NONE/NOT_ATTEMPTED/null reject=preauth_closed close=null time=2026-03-01T12:01:15Z"
                        + " origin=sshd gateway=bastion connection=sshd-bastion-2310 attributes={preauth=true}");
    }

    @Test
    void noIdentificationString() throws Exception {
        assertThat(describe(one("msg-did-not-receive-identification.log"))).isEqualTo(
                "REJECT user=null src=192.0.2.77:61030/null dst=ssh@bastion:22 protocol=ssh"
                        + " auth=NONE/NOT_ATTEMPTED/null reject=no_identification close=null"
                        + " time=2026-03-01T12:01:20Z origin=sshd gateway=bastion connection=sshd-bastion-2311"
                        + " attributes={}");
    }

    @Test
    void disconnectedBeforeAuthentication() throws Exception {
        assertThat(describe(one("msg-disconnected-invalid-user.log"))).isEqualTo(
                "CLOSE user=admin src=198.51.100.23:50534/null dst=ssh@bastion:22 protocol=ssh"
                        + " auth=NONE/NOT_ATTEMPTED/null reject=null close=preauth_disconnected"
                        + " time=2026-03-01T12:01:31Z origin=sshd gateway=bastion connection=sshd-bastion-2320"
                        + " attributes={invalid_user=true, preauth=true}");
        assertThat(describe(one("msg-disconnected-authenticating-user.log"))).isEqualTo(
                "CLOSE user=root src=198.51.100.23:50536/null dst=ssh@bastion:22 protocol=ssh"
                        + " auth=NONE/NOT_ATTEMPTED/null reject=null close=preauth_disconnected"
                        + " time=2026-03-01T12:01:33Z origin=sshd gateway=bastion connection=sshd-bastion-2321"
                        + " attributes={preauth=true}");
    }

    @Test
    void receivedDisconnectIsLeftToTheDisconnectedLineThatFollowsIt() {
        assertThat(bad("msg-received-disconnect-preauth.log")).isEqualTo("unsupported_event: an sshd message the"
                + " ingest does not map: \"Received disconnect from 198.51.100.23 port 50534:11: Bye By…\"");
    }

    @Test
    void maximumAuthenticationAttemptsExceeded() throws Exception {
        assertThat(describe(one("msg-max-auth-tries-invalid-user.log"))).isEqualTo(
                "CLOSE user=admin src=198.51.100.23:50540/null dst=ssh@bastion:22 protocol=ssh"
                        + " auth=NONE/NOT_ATTEMPTED/null reject=null close=max_auth_tries time=2026-03-01T12:01:40Z"
                        + " origin=sshd gateway=bastion connection=sshd-bastion-2330"
                        + " attributes={invalid_user=true, preauth=true}");
        assertThat(describe(one("msg-max-auth-tries.log"))).isEqualTo(
                "CLOSE user=root src=198.51.100.23:50542/null dst=ssh@bastion:22 protocol=ssh"
                        + " auth=NONE/NOT_ATTEMPTED/null reject=null close=max_auth_tries time=2026-03-01T12:01:48Z"
                        + " origin=sshd gateway=bastion connection=sshd-bastion-2331 attributes={preauth=true}");
    }

    @Test
    void badProtocolVersion() throws Exception {
        assertThat(describe(one("msg-bad-protocol-version.log"))).isEqualTo(
                "REJECT user=null src=192.0.2.80:33410/null dst=ssh@bastion:22 protocol=ssh"
                        + " auth=NONE/NOT_ATTEMPTED/null reject=bad_protocol_version close=null"
                        + " time=2026-03-01T12:01:52Z origin=sshd gateway=bastion connection=sshd-bastion-2340"
                        + " attributes={client_version=GET / HTTP/1.1}");
    }

    @Test
    void pamFailures() throws Exception {
        String pam = "REJECT user=root src=198.51.100.23:0/null dst=ssh@bastion:22 protocol=ssh"
                + " auth=PASSWORD/FAILURE/pam_authentication_failure reject=auth_failed close=null";
        assertThat(describe(one("msg-pam-unix-auth-failure.log"))).isEqualTo(pam + " time=2026-03-01T12:02:01Z"
                + " origin=sshd gateway=bastion connection=sshd-bastion-2350 attributes={pam=true}");
        List<ConnectionEvent> more = parse(UTC, "msg-pam-more-failures.log", RECEIVED);
        assertThat(more).extracting(SyslogDialectsTest::describe).containsOnly(pam + " time=2026-03-01T12:02:09Z"
                + " origin=sshd gateway=bastion connection=sshd-bastion-2350 attributes={pam=true}");
        assertThat(more).hasSize(2).extracting(ConnectionEvent::getEventId).doesNotHaveDuplicates();
    }

    @Test
    void aClientNamedByHostNameIsTheSourceHost() throws Exception {
        String line = "Mar  1 12:02:01 bastion sshd(pam_unix)[2360]: authentication failure; logname= uid=0 euid=0"
                + " tty=NODEVssh ruser= rhost=dsl-203-0-113-9.Example.net";
        ConnectionEvent e = UTC.parse(line.getBytes(StandardCharsets.UTF_8), RECEIVED, Memory.NONE).get(0);
        assertThat(describe(e)).startsWith("REJECT user=null src=0.0.0.0:0/dsl-203-0-113-9.example.net ");
    }

    // ---- what is not mapped

    @Test
    void otherProgramsAreDeadLettered() {
        assertThat(bad("other-program.log")).isEqualTo("unsupported_event: a line of CRON, not of sshd");
        String journal = "{\"__REALTIME_TIMESTAMP\":\"1772366400123456\",\"_HOSTNAME\":\"bastion\","
                + "\"SYSLOG_IDENTIFIER\":\"sudo\",\"_PID\":\"7\",\"MESSAGE\":\"pam_unix(sudo:session): session opened\"}";
        assertThatThrownBy(() -> UTC.parse(journal.getBytes(StandardCharsets.UTF_8), RECEIVED, Memory.NONE))
                .hasMessage("a line of sudo, not of sshd");
    }

    @Test
    void unparseableLinesSayWhatWasNotUnderstood() {
        assertThat(reason("hello")).isEqualTo("parse_error: not a syslog line (time stamp, host, program[pid]:"
                + " message): no syslog header (no RFC 3164, RFC 5424 or ISO-8601 time stamp at the start)");
        assertThat(reason("Mar  1 12:00:00 bastion")).isEqualTo("parse_error: not a syslog line (time stamp, host,"
                + " program[pid]: message): no host and program[pid]: after the time stamp");
        assertThat(reason("<x>Mar  1 12:00:00 bastion sshd[1]: hi")).endsWith("a <PRI> that is not a number");
        assertThat(reason("<38>1 2026-03-01T12:00:00Z bastion sshd 1 - [meta x=\"1\" Failed"))
                .endsWith("RFC 5424 structured data without its closing ]");
        assertThat(reason("<38>1 2026-03-01T12:00:00Z bastion sshd")).endsWith("an RFC 5424 header without its"
                + " seven fields");
        assertThat(reason("<38>1 - bastion sshd 1 - - Failed")).startsWith("missing_field: field TIMESTAMP");
        assertThat(reason("Mar  1 12:00:00 bastion sshd[1]: Failed passw")).isEqualTo("unsupported_event: an sshd"
                + " message the ingest does not map: \"Failed passw\"");
        assertThat(reason("Mar  1 12:00:00 bastion sshd[1]: Connection closed by not-an-ip port 1 [preauth]"))
                .isEqualTo("bad_value: field from is not an IP address or a host name: \"not-an-ip\"");
        assertThat(reason("{\"__REALTIME_TIMESTAMP\":\"1\",\"_HOSTNAME\":\"h\",\"_COMM\":\"sshd\""))
                .startsWith("parse_error: not valid journal JSON");
        assertThat(reason("{\"_HOSTNAME\":\"h\",\"_COMM\":\"sshd\",\"MESSAGE\":\"x\"}"))
                .isEqualTo("missing_field: field __REALTIME_TIMESTAMP is missing or empty");
        assertThat(reason("{\"__REALTIME_TIMESTAMP\":\"1\",\"_HOSTNAME\":\"h\",\"_COMM\":\"sshd\",\"MESSAGE\":[1,300]}"))
                .isEqualTo("bad_value: field MESSAGE is not a byte (0-255) in the MESSAGE array: \"300\"");
    }

    static String reason(String line) {
        try {
            return "events " + UTC.parse(line.getBytes(StandardCharsets.UTF_8), RECEIVED, Memory.NONE);
        } catch (BadRecord b) {
            return b.errorType() + ": " + b.getMessage();
        }
    }
}
