package io.zerotrust.ingest.parse;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * Which columns of a flow CSV hold which fact of a flow: a properties file of canonical names to column names as the
 * header writes them (trimmed). Alternatives are separated by {@code |} (the first one the row has is used):
 *
 * <pre>
 * name=cicflowmeter              # the dialect, in the events' attributes.flow_dialect
 * src.ip=Src IP                  # required, as are dst.ip and start
 * src.port=Src Port
 * dst.ip=Dst IP
 * dst.port=Dst Port
 * protocol=Protocol              # a name (TCP) or an IP protocol number (6)
 * start=Timestamp                # required
 * end=                           # used when there is no duration
 * duration=Flow Duration
 * duration.unit=us               # s (default), ms or us
 * date.order=dmy                 # for d/m/y dates: dmy (default) or mdy
 * src.bytes=TotLen Fwd Pkts      # bytes from the source: bytesIn of the CLOSE
 * dst.bytes=TotLen Bwd Pkts      # bytes back from the destination: bytesOut
 * src.packets=Tot Fwd Pkts       # attributes.src_packets
 * dst.packets=Tot Bwd Pkts       # attributes.dst_packets; also tells a refused connection
 * flags=                         # TCP flags as letters (.AP.SF), a number (27) or hex (0x1b)
 * flags.syn=SYN Flag Cnt         # or one count column per flag
 * flags.ack=ACK Flag Cnt
 * flags.rst=RST Flag Cnt
 * flags.fin=FIN Flag Cnt
 * sensor=                        # the exporter or sensor: gatewayId
 * label=Label                    # a dataset's label: attributes.flow_label
 * </pre>
 *
 * A map fits a row when the row has a column for each of {@code src.ip}, {@code dst.ip} and {@code start}.
 */
public final class FlowColumnMap {

    static final Set<String> KEYS = Set.of("name", "src.ip", "src.port", "dst.ip", "dst.port", "protocol", "start",
            "end", "duration", "duration.unit", "date.order", "src.bytes", "dst.bytes", "src.packets", "dst.packets",
            "flags", "flags.syn", "flags.ack", "flags.rst", "flags.fin", "sensor", "label");
    /** The maps shipped in the jar, in the order they are tried. */
    static final List<String> BUNDLED = List.of("cicflowmeter", "cicids2017", "nfdump", "nfdump-1.7");

    final String name;
    final String[] srcIp;
    final String[] srcPort;
    final String[] dstIp;
    final String[] dstPort;
    final String[] protocol;
    final String[] start;
    final String[] end;
    final String[] duration;
    /** Milliseconds per unit of the duration column. */
    final double durationMs;
    final boolean monthFirst;
    final String[] srcBytes;
    final String[] dstBytes;
    final String[] srcPackets;
    final String[] dstPackets;
    final String[] flags;
    final String[] syn;
    final String[] ack;
    final String[] rst;
    final String[] fin;
    final String[] sensor;
    final String[] label;

    private FlowColumnMap(String origin, Properties p) {
        List<String> problems = new ArrayList<>();
        for (String k : p.stringPropertyNames()) {
            if (!KEYS.contains(k)) {
                problems.add("unknown key '" + k + "' (known: " + String.join(", ", KEYS.stream().sorted().toList())
                        + ")");
            }
        }
        for (String required : List.of("src.ip", "dst.ip", "start")) {
            if (p.getProperty(required, "").isBlank()) {
                problems.add("no column for " + required);
            }
        }
        String unit = p.getProperty("duration.unit", "s").trim();
        durationMs = switch (unit) {
            case "s" -> 1000;
            case "ms" -> 1;
            case "us" -> 0.001;
            default -> {
                problems.add("duration.unit must be s, ms or us, got '" + unit + "'");
                yield 1000;
            }
        };
        String order = p.getProperty("date.order", "dmy").trim().toLowerCase(Locale.ROOT);
        if (!order.equals("dmy") && !order.equals("mdy")) {
            problems.add("date.order must be dmy or mdy, got '" + order + "'");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(origin + ": " + String.join("; ", problems));
        }
        monthFirst = order.equals("mdy");
        name = p.getProperty("name", "custom").trim();
        srcIp = columns(p, "src.ip");
        srcPort = columns(p, "src.port");
        dstIp = columns(p, "dst.ip");
        dstPort = columns(p, "dst.port");
        protocol = columns(p, "protocol");
        start = columns(p, "start");
        end = columns(p, "end");
        duration = columns(p, "duration");
        srcBytes = columns(p, "src.bytes");
        dstBytes = columns(p, "dst.bytes");
        srcPackets = columns(p, "src.packets");
        dstPackets = columns(p, "dst.packets");
        flags = columns(p, "flags");
        syn = columns(p, "flags.syn");
        ack = columns(p, "flags.ack");
        rst = columns(p, "flags.rst");
        fin = columns(p, "flags.fin");
        sensor = columns(p, "sensor");
        label = columns(p, "label");
    }

    private static String[] columns(Properties p, String key) {
        String v = p.getProperty(key, "").trim();
        return v.isEmpty() ? new String[0] : Arrays.stream(v.split("\\|")).map(String::trim)
                .filter(s -> !s.isEmpty()).toArray(String[]::new);
    }

    /** A map from a properties file; the message of the exception names the file and what is wrong. */
    public static FlowColumnMap load(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Properties p = new Properties();
            p.load(r);
            return new FlowColumnMap(file.toString(), p);
        }
    }

    /** A bundled map by name ({@link #BUNDLED}). */
    static FlowColumnMap bundled(String name) {
        String resource = "/flow-maps/" + name + ".properties";
        try (InputStream in = FlowColumnMap.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no bundled column map " + resource);
            }
            Properties p = new Properties();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            return new FlowColumnMap(resource, p);
        } catch (IOException e) {
            throw new IllegalStateException(resource + ": " + e.getMessage(), e);
        }
    }

    /** The column of {@code alternatives} the row has, or null. */
    static String column(FlatJson row, String[] alternatives) {
        for (String c : alternatives) {
            if (row.has(c)) {
                return c;
            }
        }
        return null;
    }

    boolean fits(FlatJson row) {
        return column(row, srcIp) != null && column(row, dstIp) != null && column(row, start) != null;
    }

    /** Every column the map names. */
    List<String> columns() {
        List<String> all = new ArrayList<>();
        for (String[] c : List.of(srcIp, srcPort, dstIp, dstPort, protocol, start, end, duration, srcBytes, dstBytes,
                srcPackets, dstPackets, flags, syn, ack, rst, fin, sensor, label)) {
            all.addAll(Arrays.asList(c));
        }
        return all;
    }

    @Override
    public String toString() {
        return name;
    }
}
