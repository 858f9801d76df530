package io.zerotrust.ingest;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.ingest.parse.BadRecord;
import io.zerotrust.ingest.parse.EnvoyParser;
import io.zerotrust.ingest.parse.Memory;
import io.zerotrust.ingest.parse.SourceParser;
import io.zerotrust.ingest.parse.SshdParser;
import io.zerotrust.ingest.parse.WindowsParser;
import io.zerotrust.ingest.parse.ZeekParser;
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
 * events and encoding them in Avro (the work the normalizer does per record besides Kafka itself). Generated
 * records in each format, varied so that nothing is cached. {@code ./pipeline bench-ingest [RECORDS]}.
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
        // the same encoding as the registry serde (AvroCodec), without the five-byte header it adds
        SpecificDatumWriter<ConnectionEvent> writer = new SpecificDatumWriter<>(ConnectionEvent.class);
        System.out.printf("%d records per source, one thread; parse + Avro encoding of the events%n", n);
        for (int round = 0; round < 3; round++) { // the first rounds warm the JIT up
            for (Map.Entry<SourceParser, List<byte[]>> e : inputs.entrySet()) {
                Memory memory = Memory.inMap(100_000);
                long events = 0;
                long bytes = 0;
                long t0 = System.nanoTime();
                for (byte[] r : e.getValue()) {
                    try {
                        for (ConnectionEvent ev : e.getKey().parse(r, 1_795_343_400_000L, memory)) {
                            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
                            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
                            writer.write(ev, enc);
                            enc.flush();
                            bytes += out.size();
                            events++;
                        }
                    } catch (BadRecord b) {
                        throw new IllegalStateException(e.getKey().source() + ": " + b.getMessage());
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                if (round == 2) {
                    System.out.printf("  %-8s %,10.0f records/s  (%,d events, %.0f bytes of Avro each)%n",
                            e.getKey().source(), n / s, events, bytes / (double) events);
                }
            }
        }
    }

    private static List<byte[]> records(int n, java.util.function.IntFunction<String> make) {
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(make.apply(i).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}
