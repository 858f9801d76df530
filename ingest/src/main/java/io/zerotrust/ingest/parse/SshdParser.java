package io.zerotrust.ingest.parse;

import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.SourceEndpoint;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * sshd's lines, in any of the syslog framings real shippers write ({@link Syslog}: RFC 3164 with or without
 * {@code <PRI>}, RFC 5424, rsyslog's ISO-8601 file format, {@code journalctl -o json}), the program written as
 * {@code sshd[pid]}, {@code sshd(pam_unix)[pid]} or without a pid. The rule it keeps: an event's auth outcome is
 * FAILURE only on the line that reports a refused credential, so a failure is counted once however many lines sshd
 * writes about the connection afterwards.
 *
 * <ul>
 *   <li>{@code Accepted <method> for <user> from <ip> port <port>}: OPEN (the session's connection id is the host
 *       and sshd's process id);</li>
 *   <li>{@code Failed <method> for [invalid user ]<user> from <ip> port <port>}: REJECT;</li>
 *   <li>{@code Invalid user <user> from <ip> port <port>}: REJECT, reason invalid_user;</li>
 *   <li>{@code [pam_unix(sshd:auth): ]authentication failure; … rhost=<ip> user=<user>}: REJECT (a PAM failure,
 *       which sshd may also report as a Failed line: both are kept, marked {@code pam});</li>
 *   <li>{@code PAM <n> more authentication failures; … rhost=<ip> user=<user>}: n REJECTs;</li>
 *   <li>{@code message repeated <n> times: [ <message> ]}: the message, n times;</li>
 *   <li>{@code Disconnected from user <user> <ip> port <port>}: CLOSE of the session;</li>
 *   <li>the end of a connection that never authenticated ({@code Connection closed by}, {@code Connection reset
 *       by}, {@code Disconnected from} … {@code [preauth]}): CLOSE without an auth outcome when it names the user
 *       whose failures were logged before, else REJECT (a client that left before trying: a probe);</li>
 *   <li>{@code error: maximum authentication attempts exceeded for [invalid user ]<user> from <ip> port <port>}:
 *       CLOSE, reason max_auth_tries;</li>
 *   <li>{@code Did not receive identification string from <ip>}, {@code Bad protocol version identification '…'
 *       from <ip>}: REJECT of a client that did not speak SSH.</li>
 * </ul>
 *
 * Other sshd messages, and lines of other programs, are dead-lettered as {@code unsupported_event}. Lines have no id
 * of their own: the id is a hash of the line (and of the repetition's number).
 */
public final class SshdParser implements SourceParser {

    private static final Pattern ACCEPTED = Pattern.compile(
            "^Accepted (\\S+) for (\\S+) from (\\S+) port (\\d+)");
    private static final Pattern FAILED = Pattern.compile(
            "^Failed (\\S+) for (invalid user )?(\\S*) from (\\S+) port (\\d+)");
    private static final Pattern INVALID = Pattern.compile("^Invalid user (\\S*) from (\\S+)(?: port (\\d+))?");
    private static final Pattern PAM_FAILURE = Pattern.compile(
            "^(?:pam_unix\\(sshd:auth\\): )?authentication failure;.*?rhost=(\\S*)(?:\\s+user=(\\S+))?");
    private static final Pattern PAM_MORE = Pattern.compile(
            "^PAM (\\d+) more authentication failures?;.*?rhost=(\\S*)(?:\\s+user=(\\S+))?");
    private static final Pattern REPEATED = Pattern.compile("^message repeated (\\d+) times: \\[ ?(.*?) ?]$");
    private static final Pattern DISCONNECTED = Pattern.compile(
            "^Disconnected from (?:authenticated )?user (\\S+) (\\S+) port (\\d+)");
    private static final Pattern PREAUTH_END = Pattern.compile(
            "^(Connection closed by|Connection reset by|Disconnected from) (?:(invalid|authenticating) user (\\S*) )?"
                    + "(\\S+) port (\\d+)(?::.*)? \\[preauth]$");
    private static final Pattern MAX_TRIES = Pattern.compile(
            "^error: maximum authentication attempts exceeded for (invalid user )?(\\S*) from (\\S+) port (\\d+)");
    private static final Pattern NO_IDENTIFICATION = Pattern.compile(
            "^Did not receive identification string from (\\S+)(?: port (\\d+))?");
    private static final Pattern BAD_VERSION = Pattern.compile(
            "^Bad protocol version identification '(.*)' from (\\S+)(?: port (\\d+))?");
    private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(?:\\.\\d{1,3}){3}$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$");
    private static final Pattern HOST_NAME = Pattern.compile(
            "^(?=.*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?)+$");
    /** A line longer than this is not a syslog line (syslog relays cut at 8 KiB at most). */
    static final int MAX_LINE = 16 * 1024;
    /** Most events one "message repeated"/"PAM n more" line may stand for. */
    static final int MAX_REPEAT = 1_000;

    private final ZoneId zone;
    private final Clock clock;

    /** @param zone the zone of time stamps that carry none (RFC 3164's) */
    public SshdParser(ZoneId zone) {
        this(zone, Clock.systemUTC());
    }

    /**
     * @param zone  the zone of time stamps that carry none (RFC 3164's)
     * @param clock "now" for the year of RFC 3164 time stamps when a record has no receive time of its own
     */
    public SshdParser(ZoneId zone, Clock clock) {
        this.zone = zone;
        this.clock = clock;
    }

    @Override
    public String source() {
        return "sshd";
    }

    @Override
    public List<ConnectionEvent> parse(byte[] raw, long receivedMs, Memory memory) throws BadRecord {
        if (raw.length > MAX_LINE) {
            throw new BadRecord("too_large", "a line of " + raw.length + " bytes; syslog lines are at most "
                    + MAX_LINE);
        }
        String line = new String(raw, StandardCharsets.UTF_8).stripTrailing();
        // the receive time, not the wall clock, dates a year-less line: reprocessing the topic later gives the same
        // events
        Syslog.Line l = Syslog.parse(line, zone, receivedMs > 0 ? receivedMs : clock.millis());
        String prog = l.program();
        if (!prog.equals("sshd") && !prog.equals("sshd-session") && !prog.endsWith("/sshd")) {
            throw new BadRecord("unsupported_event", "a line of " + prog + ", not of sshd");
        }
        if (l.host() == null) {
            throw BadRecord.missing("HOSTNAME");
        }
        String pid = l.pid() == null ? "0" : l.pid();
        String id = "sshd-" + Events.hash(line.getBytes(StandardCharsets.UTF_8));
        String msg = l.message().strip();
        int times = 1;
        Matcher rep = REPEATED.matcher(msg);
        if (rep.matches()) {
            times = count(rep.group(1));
            msg = rep.group(2);
        }
        ConnectionEvent one = message(msg, id, l.time(), l.host(), pid);
        Matcher more = PAM_MORE.matcher(msg);
        if (more.find()) {
            times = count(more.group(1));
        }
        if (times == 1) {
            return List.of(one);
        }
        List<ConnectionEvent> out = new ArrayList<>(times);
        for (int i = 0; i < times; i++) {
            out.add(ConnectionEvent.newBuilder(one).setEventId(id + "-" + i).build());
        }
        return out;
    }

    private static int count(String n) throws BadRecord {
        try {
            int v = Integer.parseInt(n);
            if (v < 1 || v > MAX_REPEAT) {
                throw BadRecord.badValue("repeat count", n, "between 1 and " + MAX_REPEAT);
            }
            return v;
        } catch (NumberFormatException e) {
            throw BadRecord.badValue("repeat count", n, "between 1 and " + MAX_REPEAT);
        }
    }

    private static ConnectionEvent message(String msg, String id, long time, String host, String pid)
            throws BadRecord {
        String connection = "sshd-" + host + "-" + pid;
        ConnectionEvent.Builder e = Events.event("sshd", id, time, ConnectionPhase.REJECT, connection, host)
                .setProtocol("ssh").setDst(Events.dst("ssh", host, null, 22)).setRejectReason("auth_failed");
        Matcher m;
        if ((m = ACCEPTED.matcher(msg)).find()) {
            return e.setPhase(ConnectionPhase.OPEN).setRejectReason(null).setUser(m.group(2))
                    .setAuth(Events.auth(method(m.group(1)), AuthResult.SUCCESS, null))
                    .setSrc(source(m.group(3), m.group(4))).build();
        }
        if ((m = FAILED.matcher(msg)).find()) {
            boolean invalid = m.group(2) != null;
            return e.setUser(m.group(3).isEmpty() ? null : m.group(3))
                    .setAuth(Events.auth(method(m.group(1)), AuthResult.FAILURE, invalid ? "invalid_user"
                            : "failed_" + m.group(1)))
                    .setSrc(source(m.group(4), m.group(5))).build();
        }
        if ((m = INVALID.matcher(msg)).find()) {
            return e.setUser(m.group(1).isEmpty() ? null : m.group(1))
                    .setAuth(Events.auth(AuthMethod.NONE, AuthResult.FAILURE, "invalid_user"))
                    .setSrc(source(m.group(2), m.group(3))).build();
        }
        if ((m = PAM_FAILURE.matcher(msg)).find() || (m = PAM_MORE.matcher(msg)).find()) {
            boolean more = m.pattern() == PAM_MORE;
            String user = m.group(more ? 3 : 2);
            return e.setUser(user).setAttributes(Map.of("pam", "true"))
                    .setAuth(Events.auth(AuthMethod.PASSWORD, AuthResult.FAILURE, "pam_authentication_failure"))
                    .setSrc(source(m.group(more ? 2 : 1), null)).build();
        }
        if ((m = DISCONNECTED.matcher(msg)).find()) {
            return e.setPhase(ConnectionPhase.CLOSE).setRejectReason(null).setUser(m.group(1))
                    .setAuth(Events.auth(AuthMethod.OTHER, AuthResult.SUCCESS, null))
                    .setSrc(source(m.group(2), m.group(3))).setCloseReason("disconnected")
                    .build();
        }
        if ((m = PREAUTH_END.matcher(msg)).find()) {
            String reason = switch (m.group(1)) {
                case "Connection closed by" -> "preauth_closed";
                case "Connection reset by" -> "preauth_reset";
                default -> "preauth_disconnected";
            };
            e.setSrc(source(m.group(4), m.group(5)));
            if (m.group(2) == null) {
                return e.setRejectReason(reason).setAttributes(Map.of("preauth", "true")).build();
            }
            return e.setPhase(ConnectionPhase.CLOSE).setRejectReason(null).setCloseReason(reason)
                    .setUser(m.group(3).isEmpty() ? null : m.group(3))
                    .setAttributes(m.group(2).equals("invalid") ? Map.of("preauth", "true", "invalid_user", "true")
                            : Map.of("preauth", "true")).build();
        }
        if ((m = MAX_TRIES.matcher(msg)).find()) {
            return e.setPhase(ConnectionPhase.CLOSE).setRejectReason(null).setCloseReason("max_auth_tries")
                    .setUser(m.group(2).isEmpty() ? null : m.group(2)).setSrc(source(m.group(3), m.group(4)))
                    .setAttributes(m.group(1) != null ? Map.of("preauth", "true", "invalid_user", "true")
                            : Map.of("preauth", "true")).build();
        }
        if ((m = NO_IDENTIFICATION.matcher(msg)).find()) {
            return e.setRejectReason("no_identification").setSrc(source(m.group(1), m.group(2))).build();
        }
        if ((m = BAD_VERSION.matcher(msg)).find()) {
            String version = m.group(1).length() > 200 ? m.group(1).substring(0, 200) : m.group(1);
            return e.setRejectReason("bad_protocol_version").setSrc(source(m.group(2), m.group(3)))
                    .setAttributes(Map.of("client_version", version)).build();
        }
        throw new BadRecord("unsupported_event", "an sshd message the ingest does not map: \""
                + (msg.length() > 60 ? msg.substring(0, 60) + "…" : msg) + "\"");
    }

    /**
     * The client: an IP address, or a host name (sshd with {@code UseDNS}, PAM's {@code rhost}), which goes to
     * {@code src.host} with the address unknown.
     */
    private static SourceEndpoint source(String a, String port) throws BadRecord {
        String ip = Events.address(a);
        int p = Events.port(port);
        if (ip != null && (IPV4.matcher(ip).matches() || IPV6.matcher(ip).matches())) {
            return Events.src(ip, p);
        }
        if (ip != null && HOST_NAME.matcher(ip).matches()) {
            return Events.src(null, p, ip.toLowerCase(Locale.ROOT));
        }
        throw BadRecord.badValue("from", a, "an IP address or a host name");
    }

    private static AuthMethod method(String m) {
        return switch (m) {
            case "password", "keyboard-interactive/pam", "keyboard-interactive" -> AuthMethod.PASSWORD;
            case "publickey", "hostbased" -> AuthMethod.PUBLIC_KEY;
            case "gssapi-with-mic", "gssapi-keyex" -> AuthMethod.KERBEROS;
            case "none" -> AuthMethod.NONE;
            default -> AuthMethod.OTHER;
        };
    }
}
