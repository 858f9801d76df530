package io.zerotrust.ingest;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.ingest.parse.BadRecord;
import io.zerotrust.ingest.parse.EnvoyParser;
import io.zerotrust.ingest.parse.FlowCsv;
import io.zerotrust.ingest.parse.FlowParser;
import io.zerotrust.ingest.parse.Memory;
import io.zerotrust.ingest.parse.SourceParser;
import io.zerotrust.ingest.parse.SshdParser;
import io.zerotrust.ingest.parse.WindowsParser;
import io.zerotrust.ingest.parse.ZeekParser;
import io.zerotrust.ingest.parse.ZeekTsv;
import java.io.ByteArrayOutputStream;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Records per second per core of each source's parser, on one thread: parsing the raw record into connection
 * events and encoding them in Avro (the work the normalizer does per record besides Kafka itself); for Zeek TSV
 * logs and flow CSV exports also the conversion of each line to JSON that replay does. Generated records in each
 * format, varied so that nothing is cached. {@code ./pipeline bench-ingest [RECORDS]}.
 */
public final class ParseBench {

    private ParseBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        Map<SourceParser, List<byte[]>> inputs = new java.util.LinkedHashMap<>();
        inputs.put(new ZeekParser(), records(n, i -> "{\"ts\":" + (1_795_341_600 + i / 100) + "." + (i % 1000)
                + ",\"uid\":\"C" + Integer.toString(i, 36) + "x9Yz\",\"id.orig_h\":\"10." + (i % 250) + "." + (i % 7)
                + ".15\",\"id.orig_p\":" + (30_000 + i % 30_000) + ",\"id.resp_h\":\"10.0.5." + (i % 200)
                + "\",\"id.resp_p\":443,\"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":" + (i % 100) / 10.0
                + ",\"orig_bytes\":" + i % 5000 + ",\"resp_bytes\":" + i % 90_000 + ",\"conn_state\":\""
                + (i % 10 == 0 ? "REJ" : "SF") + "\",\"local_orig\":true,\"local_resp\":true,\"missed_bytes\":0,"
                + "\"history\":\"ShADadFf\",\"orig_pkts\":6,\"orig_ip_bytes\":1753,\"resp_pkts\":5,"
                + "\"resp_ip_bytes\":1639}"));
        inputs.put(new WindowsParser(ZoneOffset.UTC), records(n, i -> "{\"EventID\":" + (i % 3 == 0 ? 4625 : 4624)
                + ",\"Hostname\":\"WS" + i % 40 + ".corp.example\",\"RecordNumber\":" + i + ",\"EventTime\":"
                + "\"2026-11-22 10:" + String.format("%02d:%02d", i / 60 % 60, i % 60) + "\",\"TargetUserName\":"
                + "\"user" + i % 500 + "\",\"TargetLogonId\":\"0x" + Integer.toHexString(i) + "\",\"IpAddress\":"
                + "\"10.1." + i % 250 + ".4\",\"IpPort\":\"" + (40_000 + i % 20_000) + "\",\"LogonType\":\"3\","
                + "\"AuthenticationPackageName\":\"Kerberos\",\"Status\":\"0xc000006d\",\"SubStatus\":\"0xc000006a\","
                + "\"WorkstationName\":\"WS" + i % 40 + "\",\"Channel\":\"Security\",\"Severity\":\"INFO\"}"));
        inputs.put(new SshdParser(ZoneOffset.UTC), records(n, i -> "Nov 22 10:" + String.format("%02d:%02d",
                i / 60 % 60, i % 60) + " bastion" + i % 5 + " sshd[" + (1000 + i) + "]: " + (i % 4 == 0
                ? "Accepted publickey for user" + i % 300 + " from 10.2." + i % 250 + ".9 port " + (50_000 + i % 9999)
                + " ssh2" : "Failed password for root from 203.0." + i % 250 + ".9 port " + (40_000 + i % 9999)
                + " ssh2")));
        inputs.put(new EnvoyParser(), records(n, i -> "{\"start_time\":\"2026-11-22T10:" + String.format("%02d:%02d",
                i / 60 % 60, i % 60) + ".123Z\",\"method\":\"GET\",\"path\":\"/api/v1/items/" + i % 1000
                + "?q=1\",\"protocol\":\"HTTP/1.1\",\"response_code\":" + (i % 20 == 0 ? 403 : 200)
                + ",\"response_flags\":\"-\",\"bytes_received\":0,\"bytes_sent\":" + i % 9000 + ",\"duration\":"
                + i % 50 + ",\"user_agent\":\"curl/8.4.0\",\"request_id\":\"" + new java.util.UUID(i, i * 31L)
                + "\",\"authority\":\"items.internal\",\"upstream_host\":\"10.0.6." + i % 20 + ":8080\","
                + "\"upstream_cluster\":\"items\",\"downstream_remote_address\":\"10.3." + i % 250 + ".2:"
                + (20_000 + i % 30_000) + "\",\"user\":\"user" + i % 700 + "\"}"));
        // Zeek's TSV conn.log and flow CSV exports: each line converted as replay converts it (ZeekTsv, FlowCsv),
        // then parsed; the header is read once, before the clock starts
        List<Converted> converted = List.of(
                new Converted("zeek-tsv", new ZeekParser(), ZeekTsv::new, List.of("#separator \\x09",
                        "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tconn",
                        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration"
                                + "\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory"
                                + "\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents",
                        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount"
                                + "\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]"),
                        lines(n, i -> (1_795_341_600 + i / 100) + "." + String.format("%06d", i % 1_000_000) + "\tC"
                                + Integer.toString(i, 36) + "x9Yz\t10." + (i % 250) + "." + (i % 7) + ".15\t"
                                + (30_000 + i % 30_000) + "\t10.0.5." + (i % 200) + "\t443\ttcp\tssl\t"
                                + (i % 100) / 10.0 + "\t" + i % 5000 + "\t" + i % 90_000 + "\t"
                                + (i % 10 == 0 ? "REJ" : "SF") + "\tT\tT\t0\tShADadFf\t6\t1753\t5\t1639\t(empty)")),
                new Converted("flow-cic", new FlowParser(ZoneOffset.UTC), FlowCsv::new, List.of(CIC_HEADER),
                        lines(n, ParseBench::cicRow)),
                new Converted("flow-nfd", new FlowParser(ZoneOffset.UTC), FlowCsv::new, List.of(NFDUMP_HEADER),
                        lines(n, ParseBench::nfdumpRow)));
        // the same encoding as the registry serde (AvroCodec), without the five-byte header it adds
        SpecificDatumWriter<ConnectionEvent> writer = new SpecificDatumWriter<>(ConnectionEvent.class);
        System.out.printf("%d records per source, one thread; parse + Avro encoding of the events (TSV and CSV: the"
                + " conversion to JSON too)%n", n);
        for (int round = 0; round < 3; round++) { // the first rounds warm the JIT up
            for (Map.Entry<SourceParser, List<byte[]>> e : inputs.entrySet()) {
                Memory memory = Memory.inMap(100_000);
                long[] tally = new long[2];
                long t0 = System.nanoTime();
                long cpu0 = CPU.getCurrentThreadCpuTime();
                for (byte[] r : e.getValue()) {
                    encode(e.getKey(), r, memory, writer, tally);
                }
                report(round, e.getKey().source(), n, System.nanoTime() - t0, CPU.getCurrentThreadCpuTime() - cpu0,
                        tally);
            }
            for (Converted c : converted) {
                Memory memory = Memory.inMap(100_000);
                long[] tally = new long[2];
                java.util.function.UnaryOperator<String> convert = c.converter();
                long t0 = System.nanoTime();
                long cpu0 = CPU.getCurrentThreadCpuTime();
                for (String line : c.lines()) {
                    encode(c.parser(), convert.apply(line).getBytes(StandardCharsets.UTF_8), memory, writer, tally);
                }
                report(round, c.name(), n, System.nanoTime() - t0, CPU.getCurrentThreadCpuTime() - cpu0, tally);
            }
        }
    }

    /** A source whose files replay converts line by line: the converter and the header lines it reads first. */
    private record Converted(String name, SourceParser parser, java.util.function.Supplier<Object> make,
                             List<String> header, List<String> lines) {

        java.util.function.UnaryOperator<String> converter() {
            Object c = make.get();
            java.util.function.UnaryOperator<String> f = c instanceof ZeekTsv tsv ? tsv::toJson
                    : ((FlowCsv) c)::toJson;
            header.forEach(f::apply);
            return f;
        }
    }

    private static void encode(SourceParser parser, byte[] r, Memory memory, SpecificDatumWriter<ConnectionEvent> writer,
                               long[] tally) throws java.io.IOException {
        try {
            for (ConnectionEvent ev : parser.parse(r, 1_795_343_400_000L, memory)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(256);
                BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
                writer.write(ev, enc);
                enc.flush();
                tally[1] += out.size();
                tally[0]++;
            }
        } catch (BadRecord b) {
            throw new IllegalStateException(parser.source() + ": " + b.getMessage());
        }
    }

    /** The thread's own CPU time: records per CPU second hold still while other processes share the cores. */
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory
            .getThreadMXBean();

    private static void report(int round, String name, int n, long nanos, long cpuNanos, long[] tally) {
        if (round == 2) {
            System.out.printf("  %-8s %,10.0f records/s, %,10.0f per CPU second  (%,d events, %.0f bytes of Avro"
                    + " each)%n", name, n / (nanos / 1e9), n / (cpuNanos / 1e9), tally[0],
                    tally[1] / (double) tally[0]);
        }
    }

    /** CICFlowMeter-V3's 84 columns. */
    static final String CIC_HEADER = "Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,"
            + "Tot Fwd Pkts,Tot Bwd Pkts,TotLen Fwd Pkts,TotLen Bwd Pkts,Fwd Pkt Len Max,Fwd Pkt Len Min,"
            + "Fwd Pkt Len Mean,Fwd Pkt Len Std,Bwd Pkt Len Max,Bwd Pkt Len Min,Bwd Pkt Len Mean,Bwd Pkt Len Std,"
            + "Flow Byts/s,Flow Pkts/s,Flow IAT Mean,Flow IAT Std,Flow IAT Max,Flow IAT Min,Fwd IAT Tot,Fwd IAT Mean,"
            + "Fwd IAT Std,Fwd IAT Max,Fwd IAT Min,Bwd IAT Tot,Bwd IAT Mean,Bwd IAT Std,Bwd IAT Max,Bwd IAT Min,"
            + "Fwd PSH Flags,Bwd PSH Flags,Fwd URG Flags,Bwd URG Flags,Fwd Header Len,Bwd Header Len,Fwd Pkts/s,"
            + "Bwd Pkts/s,Pkt Len Min,Pkt Len Max,Pkt Len Mean,Pkt Len Std,Pkt Len Var,FIN Flag Cnt,SYN Flag Cnt,"
            + "RST Flag Cnt,PSH Flag Cnt,ACK Flag Cnt,URG Flag Cnt,CWE Flag Count,ECE Flag Cnt,Down/Up Ratio,"
            + "Pkt Size Avg,Fwd Seg Size Avg,Bwd Seg Size Avg,Fwd Byts/b Avg,Fwd Pkts/b Avg,Fwd Blk Rate Avg,"
            + "Bwd Byts/b Avg,Bwd Pkts/b Avg,Bwd Blk Rate Avg,Subflow Fwd Pkts,Subflow Fwd Byts,Subflow Bwd Pkts,"
            + "Subflow Bwd Byts,Init Fwd Win Byts,Init Bwd Win Byts,Fwd Act Data Pkts,Fwd Seg Size Min,Active Mean,"
            + "Active Std,Active Max,Active Min,Idle Mean,Idle Std,Idle Max,Idle Min,Label";

    static String cicRow(int i) {
        String src = "172.31." + i % 250 + "." + (1 + i % 200);
        String dst = "10.0.5." + i % 200;
        int sport = 30_000 + i % 30_000;
        boolean scan = i % 10 == 0;
        StringBuilder b = new StringBuilder(700);
        b.append(src).append('-').append(dst).append('-').append(sport).append("-443-6,").append(src).append(',')
                .append(sport).append(',').append(dst).append(",443,6,").append(String.format("%02d/02/2018 %02d:%02d:%02d",
                        1 + i % 28, i / 3600 % 24, i / 60 % 60, i % 60)).append(',').append(scan ? 0 : 1_000 + i % 900_000)
                .append(',').append(scan ? 1 : 9).append(',').append(scan ? 0 : 7).append(',')
                .append(scan ? 0 : i % 5000).append(',').append(scan ? 0 : i % 90_000);
        for (int c = 12; c < 49; c++) { // the statistics
            b.append(',').append(c % 3 == 0 ? Integer.toString(i % 1500) : (i % 977) + "." + (c * 7919 + i) % 1_000_000);
        }
        b.append(',').append(scan ? 0 : 1).append(",1,0,").append(scan ? 0 : 1).append(',').append(scan ? 0 : 1)
                .append(",0,0,0");
        for (int c = 57; c < 83; c++) {
            b.append(',').append(c % 2 == 0 ? Integer.toString(i % 65_535) : "0.0");
        }
        return b.append(',').append(scan ? "Infilteration" : "Benign").toString();
    }

    /** nfdump 1.6's -o csv columns. */
    static final String NFDUMP_HEADER = "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,"
            + "dmk,dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,"
            + "mpls9,mpls10,cl,sl,al,ra,eng,exid,tr";

    static String nfdumpRow(int i) {
        String t = String.format("2024-03-05 %02d:%02d:%02d.%03d", i / 3600 % 24, i / 60 % 60, i % 60, i % 1000);
        boolean scan = i % 10 == 0;
        return t + "," + t + "," + (i % 5000) / 1000.0 + ",10.40." + i % 250 + "." + (1 + i % 200) + ",10.40.0."
                + i % 200 + "," + (30_000 + i % 30_000) + ",443,TCP," + (scan ? "....S." : ".AP.SF") + ",0,0,"
                + (scan ? 1 : 14) + "," + (scan ? 60 : i % 9000) + "," + (scan ? 0 : 12) + "," + (scan ? 0 : i % 90_000)
                + ",2,3,0,0,24,24,0,0,0.0.0.0,0.0.0.0,0,0,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,"
                + "00:00:00:00:00:00,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0.000,0.000,0.000,"
                + "10.40.0.1,0/0,1," + t;
    }

    private static List<String> lines(int n, java.util.function.IntFunction<String> make) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(make.apply(i));
        }
        return out;
    }

    private static List<byte[]> records(int n, java.util.function.IntFunction<String> make) {
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(make.apply(i).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}
