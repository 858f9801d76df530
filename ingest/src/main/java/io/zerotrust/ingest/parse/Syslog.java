package io.zerotrust.ingest.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The framing of one syslog record, recognised per line: RFC 3164 ({@code Mar  1 12:00:00 host sshd[123]: …}, with or
 * without {@code <PRI>}), the same with an ISO-8601 time stamp (rsyslog's {@code RSYSLOG_FileFormat}, journald's
 * short-iso), RFC 5424 ({@code <38>1 2026-03-01T12:00:00.123456+01:00 host sshd 123 - - …}) and a {@code journalctl -o
 * json} export line. The program may carry a PAM module ({@code sshd(pam_unix)[123]:}) and may lack a pid.
 *
 * <p>Year-less RFC 3164 time stamps are read in the configured zone and get the year of the reference time (the
 * record's receive time), unless that puts them more than a day after it: then the previous year (a December line
 * read in January). Times keep millisecond precision (RFC 3164: seconds).
 */
final class Syslog {

    /** One record's header and message. {@code pid} is null when the record names none. */
    record Line(long time, String host, String program, String pid, String message) {
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final String NOT_SYSLOG = "not a syslog line (time stamp, host, program[pid]: message): ";
    /** The program part of a BSD-style header: {@code sshd}, {@code sshd(pam_unix)}, with or without {@code [pid]}. */
    private static final String TAG = "(?<prog>[\\w.\\-/]+)(?:\\([\\w\\-]+\\))?(?:\\[(?<pid>\\d+)])?: ?(?<msg>.*)";
    private static final Pattern BSD = Pattern.compile(
            "^(?<mon>[A-Z][a-z]{2}) (?<day>[ \\d]?\\d) (?<h>\\d{2}):(?<m>\\d{2}):(?<s>\\d{2}) +(?<host>\\S+) +" + TAG
                    + "$", Pattern.DOTALL);
    private static final Pattern ISO = Pattern.compile(
            "^(?<ts>\\d{4}-\\d{2}-\\d{2}T\\S+) +(?<host>\\S+) +" + TAG + "$", Pattern.DOTALL);
    private static final Pattern RFC5424 = Pattern.compile(
            "^1 (?<ts>\\S+) (?<host>\\S+) (?<prog>\\S+) (?<pid>\\S+) \\S+ (?<rest>.*)$", Pattern.DOTALL);
    private static final Pattern STAMP = Pattern.compile(
            "^(?:[A-Z][a-z]{2} [ \\d]?\\d \\d{2}:\\d{2}:\\d{2}|\\d{4}-\\d{2}-\\d{2}T\\S+) ");
    private static final String MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

    private Syslog() {
    }

    /**
     * @param line        the record, without its line end
     * @param zone        the zone of time stamps that carry none
     * @param referenceMs "now" for year-less time stamps
     */
    static Line parse(String line, ZoneId zone, long referenceMs) throws BadRecord {
        if (line.startsWith("{")) {
            return journal(line);
        }
        String rest = line;
        if (rest.startsWith("<")) {
            int end = rest.indexOf('>');
            if (end < 2 || end > 4 || !rest.substring(1, end).chars().allMatch(Character::isDigit)) {
                throw new BadRecord("parse_error", NOT_SYSLOG + "a <PRI> that is not a number");
            }
            rest = rest.substring(end + 1);
            if (rest.startsWith("1 ")) {
                return rfc5424(rest);
            }
        }
        Matcher m = BSD.matcher(rest);
        if (m.matches()) {
            long time = bsdTime(m, zone, referenceMs);
            return new Line(time, m.group("host"), m.group("prog"), m.group("pid"), message(m));
        }
        m = ISO.matcher(rest);
        if (m.matches()) {
            return new Line(isoTime(m.group("ts"), zone), m.group("host"), m.group("prog"), m.group("pid"),
                    message(m));
        }
        boolean stamped = STAMP.matcher(rest).lookingAt();
        throw new BadRecord("parse_error", NOT_SYSLOG + (stamped ? "no host and program[pid]: after the time stamp"
                : "no syslog header (no RFC 3164, RFC 5424 or ISO-8601 time stamp at the start)"));
    }

    private static String message(Matcher m) {
        return m.group("msg");
    }

    /** {@code 1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]}, after the {@code <PRI>}. */
    private static Line rfc5424(String rest) throws BadRecord {
        Matcher m = RFC5424.matcher(rest);
        if (!m.matches()) {
            throw new BadRecord("parse_error", NOT_SYSLOG + "an RFC 5424 header without its seven fields");
        }
        String ts = m.group("ts");
        if ("-".equals(ts)) {
            throw new BadRecord("missing_field", "field TIMESTAMP of the RFC 5424 header is missing (\"-\")");
        }
        long time;
        try {
            time = OffsetDateTime.parse(ts).toInstant().toEpochMilli();
        } catch (DateTimeException e) {
            throw BadRecord.badValue("TIMESTAMP", ts, "an RFC 3339 time (2026-03-01T12:00:00.123456+01:00)");
        }
        String body = m.group("rest");
        int msg = structuredDataEnd(body);
        String text = msg >= body.length() ? "" : body.substring(msg + 1);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // the BOM that says the message is UTF-8
        }
        String host = m.group("host");
        String pid = m.group("pid");
        return new Line(time, "-".equals(host) ? null : host, m.group("prog"), "-".equals(pid) ? null : pid, text);
    }

    /** The index just after STRUCTURED-DATA ({@code -} or {@code [id k="v" …]…}, values with {@code \]} escapes). */
    private static int structuredDataEnd(String s) throws BadRecord {
        if (s.startsWith("-")) {
            return 1;
        }
        int i = 0;
        while (i < s.length() && s.charAt(i) == '[') {
            boolean quoted = false;
            for (i++; i < s.length(); i++) {
                char c = s.charAt(i);
                if (quoted && c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = !quoted;
                } else if (c == ']' && !quoted) {
                    break;
                }
            }
            if (i >= s.length()) {
                throw new BadRecord("parse_error", NOT_SYSLOG + "RFC 5424 structured data without its closing ]");
            }
            i++;
        }
        if (i == 0) {
            throw new BadRecord("parse_error", NOT_SYSLOG + "RFC 5424 structured data that is neither - nor [...]");
        }
        return i;
    }

    private static long bsdTime(Matcher m, ZoneId zone, long referenceMs) throws BadRecord {
        String stamp = m.group("mon") + " " + m.group("day") + " " + m.group("h") + ":" + m.group("m") + ":"
                + m.group("s");
        int month = MONTHS.indexOf(m.group("mon")) / 3 + 1;
        if (month == 0 || MONTHS.indexOf(m.group("mon")) % 3 != 0) {
            throw BadRecord.badValue("time stamp", stamp, "a syslog time (Mar  1 12:00:00 or ISO-8601)");
        }
        ZonedDateTime reference = Instant.ofEpochMilli(referenceMs).atZone(zone);
        int day = Integer.parseInt(m.group("day").trim());
        for (int year = reference.getYear(); year >= reference.getYear() - 4; year--) {
            ZonedDateTime t;
            try {
                t = LocalDateTime.of(year, month, day, Integer.parseInt(m.group("h")), Integer.parseInt(m.group("m")),
                        Integer.parseInt(m.group("s"))).atZone(zone);
            } catch (DateTimeException e) {
                if (month == 2 && day == 29) {
                    continue; // Feb 29 belongs to the last leap year
                }
                throw BadRecord.badValue("time stamp", stamp, "a syslog time (Mar  1 12:00:00 or ISO-8601)");
            }
            if (!t.isAfter(reference.plusDays(1))) {
                return t.toInstant().toEpochMilli();
            }
        }
        throw BadRecord.badValue("time stamp", stamp, "a syslog time (Mar  1 12:00:00 or ISO-8601)");
    }

    /**
     * rsyslog's {@code 2026-03-01T12:00:00.123456+00:00}, journald's short-iso {@code 2026-03-01T12:00:00+0000}, or a
     * local ISO time in the configured zone.
     */
    private static long isoTime(String ts, ZoneId zone) throws BadRecord {
        try {
            int n = ts.length();
            if (ts.endsWith("Z") || n > 6 && (ts.charAt(n - 6) == '+' || ts.charAt(n - 6) == '-')
                    && ts.charAt(n - 3) == ':') {
                return OffsetDateTime.parse(ts).toInstant().toEpochMilli();
            }
            if (n > 5 && (ts.charAt(n - 5) == '+' || ts.charAt(n - 5) == '-')) {
                String fixed = ts.substring(0, n - 2) + ":" + ts.substring(n - 2);
                return OffsetDateTime.parse(fixed).toInstant().toEpochMilli();
            }
            return LocalDateTime.parse(ts).atZone(zone).toInstant().toEpochMilli();
        } catch (DateTimeException e) {
            throw BadRecord.badValue("time stamp", ts, "a syslog time (Mar  1 12:00:00 or ISO-8601)");
        }
    }

    /**
     * A {@code journalctl -o json} line: {@code __REALTIME_TIMESTAMP} (microseconds), {@code _HOSTNAME},
     * {@code SYSLOG_IDENTIFIER} (else {@code _COMM}), {@code _PID} (else {@code SYSLOG_PID}) and {@code MESSAGE}, a
     * string or, when journald did not hold it for text, an array of its bytes.
     */
    private static Line journal(String line) throws BadRecord {
        String realtime = null;
        String host = null;
        String identifier = null;
        String comm = null;
        String pid = null;
        String syslogPid = null;
        String message = null;
        try (JsonParser p = JSON.createParser(line)) {
            p.nextToken();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY && !"MESSAGE".equals(name)) {
                    p.skipChildren();
                    continue;
                }
                switch (name) {
                    case "__REALTIME_TIMESTAMP" -> realtime = scalar(p, v);
                    case "_HOSTNAME" -> host = scalar(p, v);
                    case "SYSLOG_IDENTIFIER" -> identifier = scalar(p, v);
                    case "_COMM" -> comm = scalar(p, v);
                    case "_PID" -> pid = scalar(p, v);
                    case "SYSLOG_PID" -> syslogPid = scalar(p, v);
                    case "MESSAGE" -> message = v == JsonToken.START_ARRAY ? bytes(p) : scalar(p, v);
                    default -> {
                        // other journal fields (_BOOT_ID, __CURSOR, _SYSTEMD_UNIT, ...) are not needed
                    }
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new BadRecord("parse_error", "not valid journal JSON: not one JSON object");
            }
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new BadRecord("parse_error", "not valid journal JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRecord("parse_error", "not valid journal JSON: " + e.getMessage());
        }
        if (realtime == null) {
            throw BadRecord.missing("__REALTIME_TIMESTAMP");
        }
        long micros;
        try {
            micros = Long.parseLong(realtime);
        } catch (NumberFormatException e) {
            throw BadRecord.badValue("__REALTIME_TIMESTAMP", realtime, "microseconds since the epoch");
        }
        String program = identifier != null ? identifier : comm;
        if (program == null) {
            throw BadRecord.missing("SYSLOG_IDENTIFIER");
        }
        if (message == null) {
            throw BadRecord.missing("MESSAGE");
        }
        if (host == null) {
            throw BadRecord.missing("_HOSTNAME");
        }
        return new Line(Math.floorDiv(micros, 1000), host, program, pid != null ? pid : syslogPid, message);
    }

    /** A journal field's text; null when null or empty. */
    private static String scalar(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        String s = p.getText();
        return s == null || s.isEmpty() ? null : s;
    }

    /** MESSAGE as an array of byte values (journald's form for text with control characters or invalid UTF-8). */
    private static String bytes(JsonParser p) throws IOException, BadRecord {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.VALUE_NUMBER_INT) {
            int b = p.getIntValue();
            if (b < 0 || b > 255) {
                throw BadRecord.badValue("MESSAGE", b, "a byte (0-255) in the MESSAGE array");
            }
            out.write(b);
        }
        if (t != JsonToken.END_ARRAY) {
            throw BadRecord.badValue("MESSAGE", t, "a string or an array of bytes");
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
