package io.zerotrust.ingest.parse;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Flow records ({@code telemetry.raw.flow}): one CSV row of a flow export as the flat JSON object replay makes of it
 * ({@link FlowCsv}: the header's column names as keys). Which column holds what is a {@link FlowColumnMap}: the
 * user's ({@code ingest.flow.column.map}) first, then the bundled ones for CICFlowMeter (V3/V4 names and CICIDS2017's)
 * and nfdump ({@code -o csv} of 1.6 and of 1.7, and 1.7's {@code csv-fast}); the first map whose source address,
 * destination address and start columns the row has is used.
 *
 * <ul>
 *   <li>A TCP flow whose flags show a connection attempt that was not accepted gives a REJECT at its start, like
 *       Zeek's S0 and REJ: a SYN with no ACK in the flow ({@code flow_syn_unanswered}), or a SYN and a RST with at
 *       most one packet back from the destination ({@code flow_reset}).</li>
 *   <li>Any other flow gives an OPEN at its start and a CLOSE at its end (start + duration) with the bytes each way
 *       ({@code bytesIn} from the source, {@code bytesOut} back), as a finished Zeek connection.</li>
 * </ul>
 *
 * Flows carry no id of their own: ids are {@code flow-<hash>-open|close|reject}, the hash of the flow's endpoints,
 * protocol, start, duration, bytes and packets (so a replayed file gives the same ids), which is also the
 * {@code connectionId}. Times without a zone are read in {@code ingest.flow.zone}.
 */
public final class FlowParser implements SourceParser {

    static final String SOURCE = "flow";

    private final List<FlowColumnMap> maps;
    private final ZoneId zone;
    /** Every column any map names: the only ones read of a record. */
    private final java.util.Set<String> columns;

    /** The bundled maps only. */
    public FlowParser(ZoneId zone) {
        this(null, zone);
    }

    /** A user's map (null for none) tried before the bundled ones. */
    public FlowParser(FlowColumnMap user, ZoneId zone) {
        List<FlowColumnMap> m = new ArrayList<>();
        if (user != null) {
            m.add(user);
        }
        for (String name : FlowColumnMap.BUNDLED) {
            m.add(FlowColumnMap.bundled(name));
        }
        this.maps = List.copyOf(m);
        this.zone = zone;
        java.util.Set<String> columns = new java.util.HashSet<>();
        this.maps.forEach(map -> columns.addAll(map.columns()));
        this.columns = java.util.Set.copyOf(columns);
    }

    @Override
    public String source() {
        return SOURCE;
    }

    @Override
    public List<ConnectionEvent> parse(byte[] raw, long receivedMs, Memory memory) throws BadRecord {
        int first = 0;
        while (first < raw.length && (raw[first] == ' ' || raw[first] == '\t' || (raw[first] & 0xff) == 0xef
                || (raw[first] & 0xff) == 0xbb || (raw[first] & 0xff) == 0xbf)) {
            first++;
        }
        if (first < raw.length && raw[first] != '{') {
            throw new BadRecord("parse_error", "a CSV row as written, not a flow record: a row means nothing without"
                    + " its file's header line, so replay sends each row of a flow CSV as JSON keyed by the header"
                    + " (./pipeline replay --source flow FILE); this row came without a header before it, or did"
                    + " not fit it (another number of values)");
        }
        FlatJson row = FlatJson.parse(raw, columns);
        FlowColumnMap map = null;
        for (FlowColumnMap m : maps) {
            if (m.fits(row)) {
                map = m;
                break;
            }
        }
        if (map == null) {
            throw new BadRecord("missing_field", "no column map fits the record: it needs the columns of a source"
                    + " address, a destination address and a start time, named as in one of the maps " + maps
                    + " (or give your own with ingest.flow.column.map)");
        }
        return map(row, map);
    }

    private List<ConnectionEvent> map(FlatJson row, FlowColumnMap m) throws BadRecord {
        String srcIp = address(row, m.srcIp);
        String dstIp = address(row, m.dstIp);
        String protocol = protocol(row, m.protocol);
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("flow_dialect", m.name);
        int srcPort = port(row, m.srcPort, attrs);
        int dstPort = port(row, m.dstPort, attrs);
        String startColumn = FlowColumnMap.column(row, m.start);
        long start = time(row, startColumn, m.monthFirst);
        long durationMs;
        String durationColumn = FlowColumnMap.column(row, m.duration);
        String endColumn = FlowColumnMap.column(row, m.end);
        if (durationColumn != null && row.text(durationColumn) != null) {
            double d = row.decimal(durationColumn);
            if (!(d >= 0) || Double.isInfinite(d)) {
                throw BadRecord.badValue(durationColumn, row.text(durationColumn), "a duration of zero or more");
            }
            durationMs = Math.round(d * m.durationMs);
        } else if (endColumn != null && row.text(endColumn) != null) {
            durationMs = time(row, endColumn, m.monthFirst) - start;
            if (durationMs < 0) {
                throw BadRecord.badValue(endColumn, row.text(endColumn), "a time after the start ("
                        + row.text(startColumn) + ")");
            }
        } else {
            durationMs = 0;
        }
        long srcBytes = count(row, m.srcBytes);
        long dstBytes = count(row, m.dstBytes);
        long srcPackets = count(row, m.srcPackets);
        long dstPackets = count(row, m.dstPackets);
        if (FlowColumnMap.column(row, m.srcPackets) != null) {
            attrs.put("src_packets", Long.toString(srcPackets));
        }
        String dstPacketsColumn = FlowColumnMap.column(row, m.dstPackets);
        if (dstPacketsColumn != null) {
            attrs.put("dst_packets", Long.toString(dstPackets));
        }
        int flags = flags(row, m);
        if (flags >= 0 && "tcp".equals(protocol)) {
            attrs.put("tcp_flags", flagString(flags));
        }
        String sensor = text(row, m.sensor);
        if (sensor != null && (sensor.equals("0.0.0.0") || sensor.equals("::"))) {
            sensor = null;
        }
        String label = text(row, m.label);
        if (label != null) {
            attrs.put("flow_label", label);
        }
        String key = "flow-" + Events.hash((srcIp + "|" + srcPort + "|" + dstIp + "|" + dstPort + "|" + protocol
                + "|" + start + "|" + durationMs + "|" + srcBytes + "|" + dstBytes + "|" + srcPackets + "|"
                + dstPackets).getBytes(StandardCharsets.UTF_8));
        String reject = rejectReason(protocol, flags, dstPacketsColumn == null ? -1 : dstPackets);
        ConnectionEvent.Builder open = Events.event(SOURCE, key + (reject == null ? "-open" : "-reject"), start,
                        reject == null ? ConnectionPhase.OPEN : ConnectionPhase.REJECT, key, sensor)
                .setSrc(Events.src(srcIp, srcPort))
                .setDst(Events.dst(null, null, dstIp, dstPort))
                .setProtocol(protocol)
                .setAttributes(attrs);
        if (reject != null) {
            return List.of(open.setRejectReason(reject).build());
        }
        ConnectionEvent first = open.build();
        ConnectionEvent close = open
                .setEventId(key + "-close")
                .setEventTime(start + durationMs)
                .setPhase(ConnectionPhase.CLOSE)
                .setBytesIn(srcBytes)
                .setBytesOut(dstBytes)
                .setDurationMs(durationMs)
                .setCloseReason(flags < 0 ? "flow_end" : (flags & RST) != 0 ? "flow_rst" : (flags & FIN) != 0
                        ? "flow_fin" : "flow_end")
                .build();
        return List.of(first, close);
    }

    static final int FIN = 1;
    static final int SYN = 2;
    static final int RST = 4;
    static final int PSH = 8;
    static final int ACK = 16;
    static final int URG = 32;

    /**
     * Why a flow is a refused or unanswered connection attempt, or null: TCP only, and only when its flags are known
     * ({@code flags} -1 when not).
     */
    static String rejectReason(String protocol, int flags, long dstPackets) {
        if (flags < 0 || !"tcp".equals(protocol) || (flags & SYN) == 0) {
            return null;
        }
        if ((flags & ACK) == 0) {
            return "flow_syn_unanswered";
        }
        if ((flags & RST) != 0 && dstPackets >= 0 && dstPackets <= 1) {
            return "flow_reset";
        }
        return null;
    }

    /** The flags as nfdump writes them: {@code UAPRSF}, a dot for each flag not set. */
    static String flagString(int flags) {
        char[] c = "......".toCharArray();
        String letters = "UAPRSF";
        for (int i = 0; i < 6; i++) {
            if ((flags & (1 << (5 - i))) != 0) {
                c[i] = letters.charAt(i);
            }
        }
        return new String(c);
    }

    /** The TCP flags of the flow as bits, or -1 when the map or the row has none. */
    static int flags(FlatJson row, FlowColumnMap m) throws BadRecord {
        String column = FlowColumnMap.column(row, m.flags);
        if (column != null && row.text(column) != null) {
            return flagBits(column, row.text(column));
        }
        int bits = 0;
        boolean any = false;
        String[][] counts = {m.fin, m.syn, m.rst, m.ack};
        int[] bit = {FIN, SYN, RST, ACK};
        for (int i = 0; i < counts.length; i++) {
            String c = FlowColumnMap.column(row, counts[i]);
            if (c != null && row.text(c) != null) {
                any = true;
                if (number(row, c) > 0) {
                    bits |= bit[i];
                }
            }
        }
        return any ? bits : -1;
    }

    /** Flags as letters in any order ({@code .AP.SF}, {@code ......S.}, {@code SA}), a number, or hex. */
    static int flagBits(String column, String v) throws BadRecord {
        if (v.startsWith("0x") || v.startsWith("0X")) {
            try {
                return Integer.parseInt(v.substring(2), 16) & 0xff;
            } catch (NumberFormatException e) {
                throw BadRecord.badValue(column, v, "TCP flags (letters such as .AP.SF, a number or 0x hex)");
            }
        }
        if (Character.isDigit(v.charAt(0))) {
            try {
                return Integer.parseInt(v) & 0xff;
            } catch (NumberFormatException e) {
                throw BadRecord.badValue(column, v, "TCP flags (letters such as .AP.SF, a number or 0x hex)");
            }
        }
        int bits = 0;
        for (int i = 0; i < v.length(); i++) {
            bits |= switch (Character.toUpperCase(v.charAt(i))) {
                case 'F' -> FIN;
                case 'S' -> SYN;
                case 'R' -> RST;
                case 'P' -> PSH;
                case 'A' -> ACK;
                case 'U' -> URG;
                case 'E' -> 64;
                case 'C' -> 128;
                case '.', ' ' -> 0;
                default -> throw BadRecord.badValue(column, v, "TCP flags (letters such as .AP.SF, a number or"
                        + " 0x hex)");
            };
        }
        return bits;
    }

    private static String text(FlatJson row, String[] columns) {
        String c = FlowColumnMap.column(row, columns);
        return c == null ? null : row.text(c);
    }

    private static String address(FlatJson row, String[] columns) throws BadRecord {
        String c = FlowColumnMap.column(row, columns);
        String a = Events.address(row.required(c));
        if (a.indexOf('.') < 0 && a.indexOf(':') < 0) {
            throw BadRecord.badValue(c, a, "an IP address");
        }
        for (int i = 0; i < a.length(); i++) {
            char ch = a.charAt(i);
            if (!(ch >= '0' && ch <= '9' || ch == '.' || ch == ':' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F')) {
                throw BadRecord.badValue(c, a, "an IP address");
            }
        }
        return a;
    }

    /** A port; an ICMP type and code written in the port column ({@code 8.0}, as nfdump does) is port 0. */
    private static int port(FlatJson row, String[] columns, Map<String, String> attrs) throws BadRecord {
        String c = FlowColumnMap.column(row, columns);
        String v = c == null ? null : row.text(c);
        if (v == null) {
            return 0;
        }
        int dot = v.indexOf('.');
        if (dot > 0 && v.indexOf('.', dot + 1) < 0 && v.chars().allMatch(ch -> ch == '.' || ch >= '0' && ch <= '9')) {
            attrs.put("icmp_type_code", v);
            return 0;
        }
        return row.port(c);
    }

    private static final Map<String, String> PROTOCOLS = Map.of("1", "icmp", "6", "tcp", "17", "udp", "58", "icmpv6",
            "47", "gre", "50", "esp", "132", "sctp", "2", "igmp");

    /** The protocol in lower case; an IP protocol number by its name ({@code 6} is tcp), else {@code ip-<n>}. */
    private static String protocol(FlatJson row, String[] columns) {
        String v = text(row, columns);
        if (v == null) {
            return "unknown";
        }
        if (Character.isDigit(v.charAt(0))) {
            String name = PROTOCOLS.get(v);
            return name != null ? name : "ip-" + v;
        }
        return v.toLowerCase(Locale.ROOT);
    }

    private static long count(FlatJson row, String[] columns) throws BadRecord {
        String c = FlowColumnMap.column(row, columns);
        return c == null ? 0 : number(row, c);
    }

    /** A count of zero or more; nfdump abbreviates large ones ({@code 1.2 M}), which are read as such. */
    private static long number(FlatJson row, String column) throws BadRecord {
        String v = row.text(column);
        if (v == null) {
            return 0;
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            n = scaled(column, v);
        }
        if (n < 0) {
            throw BadRecord.badValue(column, v, "a count of zero or more");
        }
        return n;
    }

    private static long scaled(String column, String v) throws BadRecord {
        String s = v.trim();
        double factor = 1;
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        if (last == 'M' || last == 'G' || last == 'K' || last == 'T') {
            factor = switch (last) {
                case 'K' -> 1e3;
                case 'M' -> 1e6;
                case 'G' -> 1e9;
                default -> 1e12;
            };
            s = s.substring(0, s.length() - 1).trim();
        }
        try {
            double d = Double.parseDouble(s) * factor;
            if (d >= 0 && d < 9e18 && (factor > 1 || d == Math.rint(d))) {
                return Math.round(d);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw BadRecord.badValue(column, v, "a count of zero or more");
    }

    /**
     * A time in milliseconds: epoch seconds (with a fraction) or milliseconds (13 digits and more), ISO-8601 with an
     * offset, or a local time in the flow zone: {@code 2024-03-05 10:11:12[.345]}, {@code 2024-03-05T10:11:12},
     * {@code 03/07/2017 08:55:58}, {@code 3/7/2017 8:55}, {@code 03/07/2017 08:55:58 AM} (day first unless the
     * map says {@code date.order=mdy}).
     */
    long time(FlatJson row, String column, boolean monthFirst) throws BadRecord {
        String v = row.required(column);
        try {
            return parseTime(v, zone, monthFirst);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw BadRecord.badValue(column, v, "a time (epoch seconds or ms, yyyy-MM-dd HH:mm:ss[.fff],"
                    + " dd/MM/yyyy HH:mm[:ss] [AM|PM] or ISO-8601)");
        }
    }

    static long parseTime(String v, ZoneId zone, boolean monthFirst) {
        int n = v.length();
        boolean epoch = n > 0;
        int dots = 0;
        for (int i = 0; i < n && epoch; i++) {
            char c = v.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                epoch = false;
            }
        }
        if (epoch && dots <= 1) {
            int dot = v.indexOf('.');
            int whole = dot < 0 ? n : dot;
            if (whole >= 12) {
                return Math.round(Double.parseDouble(v)); // epoch milliseconds
            }
            return Math.round(Double.parseDouble(v) * 1000);
        }
        char last = v.charAt(n - 1);
        if (last == 'Z' || last == 'z' || (n > 19 && (v.charAt(n - 6) == '+' || v.charAt(n - 6) == '-')
                && v.charAt(n - 3) == ':')) {
            try {
                return OffsetDateTime.parse(v.replace(' ', 'T')).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(e);
            }
        }
        // numbers in order, and an AM/PM marker
        int[] num = new int[7];
        int[] digits = new int[7];
        int count = 0;
        boolean pm = false;
        boolean am = false;
        boolean slash = false;
        int i = 0;
        while (i < n) {
            char c = v.charAt(i);
            if (c >= '0' && c <= '9') {
                if (count == 7) {
                    throw new IllegalArgumentException("too many numbers");
                }
                int value = 0;
                int d = 0;
                while (i < n && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
                    if (d < 9) {
                        value = value * 10 + (v.charAt(i) - '0');
                        d++;
                    }
                    i++;
                }
                num[count] = value;
                digits[count++] = d;
                continue;
            }
            if (c == '/') {
                slash = true;
            } else if (c == 'A' || c == 'a' || c == 'P' || c == 'p') {
                if (i + 1 < n && (v.charAt(i + 1) == 'M' || v.charAt(i + 1) == 'm')) {
                    pm = c == 'P' || c == 'p';
                    am = !pm;
                    i++;
                } else {
                    throw new IllegalArgumentException("unexpected letter");
                }
            } else if (c != '-' && c != ':' && c != ' ' && c != '.' && c != 'T') {
                throw new IllegalArgumentException("unexpected character");
            }
            i++;
        }
        if (count < 5) {
            throw new IllegalArgumentException("not a date and time");
        }
        int year;
        int month;
        int day;
        if (digits[0] == 4) {
            year = num[0];
            month = num[1];
            day = num[2];
        } else if (slash && digits[2] == 4) {
            year = num[2];
            month = monthFirst ? num[0] : num[1];
            day = monthFirst ? num[1] : num[0];
        } else {
            throw new IllegalArgumentException("no year");
        }
        int hour = num[3];
        if (pm && hour < 12) {
            hour += 12;
        } else if (am && hour == 12) {
            hour = 0;
        }
        int second = count > 5 ? num[5] : 0;
        int nanos = 0;
        if (count > 6) {
            nanos = num[6];
            for (int k = digits[6]; k < 9; k++) {
                nanos *= 10;
            }
        }
        LocalDateTime t = LocalDateTime.of(year, month, day, hour, num[4], second, nanos);
        ZoneOffset offset = zone instanceof ZoneOffset o ? o : zone.getRules().getOffset(t);
        return t.toEpochSecond(offset) * 1000 + nanos / 1_000_000;
    }
}
