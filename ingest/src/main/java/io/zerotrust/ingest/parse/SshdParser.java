package io.zerotrust.ingest.parse;

import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * sshd lines from syslog or auth.log, with a BSD time stamp ({@code Oct 22 04:30:01}, the year taken from when the
 * line was received, in the configured zone) or an ISO-8601 one ({@code 2026-11-22T10:00:01+00:00}).
 *
 * <ul>
 *   <li>{@code Accepted <method> for <user> from <ip> port <port>}: OPEN (the session's connection id is the host
 *       and sshd's process id);</li>
 *   <li>{@code Failed <method> for [invalid user ]<user> from <ip> port <port>}: REJECT;</li>
 *   <li>{@code Invalid user <user> from <ip> port <port>}: REJECT, reason invalid_user;</li>
 *   <li>{@code pam_unix(sshd:auth): authentication failure; … rhost=<ip> user=<user>}: REJECT (a PAM failure, which
 *       sshd may also report as a Failed line: both are kept, marked {@code pam});</li>
 *   <li>{@code PAM <n> more authentication failures; … rhost=<ip> user=<user>}: n REJECTs;</li>
 *   <li>{@code message repeated <n> times: [ <message> ]}: the message, n times;</li>
 *   <li>{@code Disconnected from user <user> <ip> port <port>}: CLOSE of the session.</li>
 * </ul>
 *
 * Other sshd messages, and lines of other programs, are dead-lettered as {@code unsupported_event}. Lines have no id
 * of their own: the id is a hash of the line (and of the repetition's number).
 */
public final class SshdParser implements SourceParser {

    private static final Pattern LINE = Pattern.compile(
            "^(?:<\\d+>)?(?<ts>[A-Z][a-z]{2} [ \\d]\\d \\d{2}:\\d{2}:\\d{2}|\\d{4}-\\d{2}-\\d{2}T\\S+)\\s+(?<host>\\S+)\\s+"
                    + "(?<prog>[\\w.\\-/]+)(?:\\[(?<pid>\\d+)])?:\\s?(?<msg>.*)$");
    private static final Pattern ACCEPTED = Pattern.compile(
            "^Accepted (\\S+) for (\\S+) from (\\S+) port (\\d+)");
    private static final Pattern FAILED = Pattern.compile(
            "^Failed (\\S+) for (invalid user )?(\\S*) from (\\S+) port (\\d+)");
    private static final Pattern INVALID = Pattern.compile("^Invalid user (\\S*) from (\\S+)(?: port (\\d+))?");
    private static final Pattern PAM_FAILURE = Pattern.compile(
            "^pam_unix\\(sshd:auth\\): authentication failure;.*?rhost=(\\S+)(?:\\s+user=(\\S+))?");
    private static final Pattern PAM_MORE = Pattern.compile(
            "^PAM (\\d+) more authentication failures?;.*?rhost=(\\S+)(?:\\s+user=(\\S+))?");
    private static final Pattern REPEATED = Pattern.compile("^message repeated (\\d+) times: \\[ ?(.*?) ?]$");
    private static final Pattern DISCONNECTED = Pattern.compile(
            "^Disconnected from (?:authenticated )?user (\\S+) (\\S+) port (\\d+)");
    private static final DateTimeFormatter BSD = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss yyyy", Locale.ENGLISH);
    /** A line longer than this is not a syslog line (syslog relays cut at 8 KiB at most). */
    static final int MAX_LINE = 16 * 1024;
    /** Most events one "message repeated"/"PAM n more" line may stand for. */
    static final int MAX_REPEAT = 1_000;

    private final ZoneId zone;

    /** @param zone the zone of BSD time stamps, which carry none */
    public SshdParser(ZoneId zone) {
        this.zone = zone;
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
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            throw new BadRecord("parse_error", "not a syslog line (time stamp, host, program[pid]: message)");
        }
        String prog = m.group("prog");
        if (!prog.equals("sshd") && !prog.equals("sshd-session") && !prog.endsWith("/sshd")) {
            throw new BadRecord("unsupported_event", "a line of " + prog + ", not of sshd");
        }
        long time = time(m.group("ts"), receivedMs);
        String host = m.group("host");
        String pid = m.group("pid") == null ? "0" : m.group("pid");
        String id = "sshd-" + Events.hash(line.getBytes(StandardCharsets.UTF_8));
        String msg = m.group("msg");
        int times = 1;
        Matcher rep = REPEATED.matcher(msg);
        if (rep.matches()) {
            times = count(rep.group(1));
            msg = rep.group(2);
        }
        ConnectionEvent one = message(msg, id, time, host, pid);
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
                    .setSrc(Events.src(address(m.group(3)), Events.port(m.group(4)))).build();
        }
        if ((m = FAILED.matcher(msg)).find()) {
            boolean invalid = m.group(2) != null;
            return e.setUser(m.group(3).isEmpty() ? null : m.group(3))
                    .setAuth(Events.auth(method(m.group(1)), AuthResult.FAILURE, invalid ? "invalid_user"
                            : "failed_" + m.group(1)))
                    .setSrc(Events.src(address(m.group(4)), Events.port(m.group(5)))).build();
        }
        if ((m = INVALID.matcher(msg)).find()) {
            return e.setUser(m.group(1).isEmpty() ? null : m.group(1))
                    .setAuth(Events.auth(AuthMethod.NONE, AuthResult.FAILURE, "invalid_user"))
                    .setSrc(Events.src(address(m.group(2)), m.group(3) == null ? 0 : Events.port(m.group(3)))).build();
        }
        if ((m = PAM_FAILURE.matcher(msg)).find() || (m = PAM_MORE.matcher(msg)).find()) {
            boolean more = m.pattern() == PAM_MORE;
            String user = m.group(more ? 3 : 2);
            return e.setUser(user).setAttributes(Map.of("pam", "true"))
                    .setAuth(Events.auth(AuthMethod.PASSWORD, AuthResult.FAILURE, "pam_authentication_failure"))
                    .setSrc(Events.src(address(m.group(more ? 2 : 1)), 0)).build();
        }
        if ((m = DISCONNECTED.matcher(msg)).find()) {
            return e.setPhase(ConnectionPhase.CLOSE).setRejectReason(null).setUser(m.group(1))
                    .setAuth(Events.auth(AuthMethod.OTHER, AuthResult.SUCCESS, null))
                    .setSrc(Events.src(address(m.group(2)), Events.port(m.group(3)))).setCloseReason("disconnected")
                    .build();
        }
        throw new BadRecord("unsupported_event", "an sshd message the ingest does not map: \""
                + (msg.length() > 60 ? msg.substring(0, 60) + "…" : msg) + "\"");
    }

    private static String address(String a) throws BadRecord {
        String ip = Events.address(a);
        if (ip == null || !(ip.indexOf('.') > 0 || ip.indexOf(':') >= 0)) {
            throw BadRecord.badValue("from", a, "an IP address");
        }
        return ip;
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

    private long time(String ts, long receivedMs) throws BadRecord {
        try {
            if (Character.isDigit(ts.charAt(0))) {
                return ts.length() > 19 && (ts.endsWith("Z") || ts.charAt(ts.length() - 6) == '+'
                        || ts.charAt(ts.length() - 6) == '-')
                        ? OffsetDateTime.parse(ts).toInstant().toEpochMilli()
                        : isoWithoutColon(ts);
            }
            ZonedDateTime received = Instant.ofEpochMilli(receivedMs).atZone(zone);
            ZonedDateTime t = LocalDateTime.parse(ts + " " + received.getYear(), BSD).atZone(zone);
            if (t.isAfter(received.plusDays(1))) {
                t = t.minusYears(1); // a December line received in January
            }
            return t.toInstant().toEpochMilli();
        } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw BadRecord.badValue("time stamp", ts, "a syslog time (Oct 22 04:30:01 or ISO-8601)");
        }
    }

    /** journald's short-iso {@code 2026-11-22T10:00:01+0000}, or a local ISO time in the configured zone. */
    private long isoWithoutColon(String ts) {
        if (ts.length() > 5 && (ts.charAt(ts.length() - 5) == '+' || ts.charAt(ts.length() - 5) == '-')) {
            String fixed = ts.substring(0, ts.length() - 2) + ":" + ts.substring(ts.length() - 2);
            return OffsetDateTime.parse(fixed).toInstant().toEpochMilli();
        }
        return LocalDateTime.parse(ts).atZone(zone).toInstant().toEpochMilli();
    }

}
