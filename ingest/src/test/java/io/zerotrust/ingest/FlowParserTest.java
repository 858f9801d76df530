package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.ingest.parse.BadRecord;
import io.zerotrust.ingest.parse.FlowParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flow records of every bundled dialect, from samples written for these tests ({@code samples/flow/}), converted as
 * replay converts them and mapped by the ingest's parser: every field of every event asserted.
 */
class FlowParserTest {

    static final FlowParser UTC = new FlowParser(ZoneOffset.UTC);

    /** A sample file as replay sends it, parsed in order: events, and failures as "BAD errorType: reason". */
    static List<Object> parseFile(FlowParser parser, Path file) throws Exception {
        List<String> records = new ArrayList<>();
        Replay.eachRecord("flow", file, records::add);
        return ParsersTest.parseAll(parser, records);
    }

    static List<Object> sample(String name) throws Exception {
        return parseFile(UTC, FlowCsvTest.SAMPLES.resolve(name));
    }

    /** Every field the flow parser sets, in one line; the id as its suffix (its hash is checked apart). */
    static String full(Object o) {
        if (!(o instanceof ConnectionEvent e)) {
            return o.toString();
        }
        String id = e.getEventId();
        return e.getPhase() + " " + Instant.ofEpochMilli(e.getEventTime()) + " " + e.getOrigin() + " "
                + e.getGatewayId() + " " + id.substring(id.lastIndexOf('-') + 1) + " " + e.getSrc().getIp() + ":"
                + e.getSrc().getPort() + " -> " + e.getDst().getIp() + ":" + e.getDst().getPort() + " "
                + e.getProtocol() + " bytes " + e.getBytesIn() + "/" + e.getBytesOut() + " " + e.getDurationMs() + "ms"
                + " " + (e.getPhase() == ConnectionPhase.REJECT ? e.getRejectReason() : e.getCloseReason()) + " "
                + e.getAuth().getMethod() + "/" + e.getAuth().getOutcome() + " user=" + e.getUser() + " "
                + e.getAttributes();
    }

    /** Ids are flow-<hash>-<phase>, the hash is the connectionId, and an OPEN and its CLOSE share it. */
    static void idsAreDerivedFromTheFlow(List<Object> events) {
        String previousKey = null;
        for (Object o : events) {
            ConnectionEvent e = (ConnectionEvent) o;
            assertThat(e.getEventId()).matches("flow-[0-9a-f]{20}-(open|close|reject)");
            assertThat(e.getEventId()).startsWith(e.getConnectionId() + "-");
            if (e.getPhase() == ConnectionPhase.CLOSE) {
                assertThat(e.getConnectionId()).isEqualTo(previousKey);
            }
            previousKey = e.getConnectionId();
        }
    }

    @Test
    void cicFlowMeter() throws Exception {
        List<Object> out = sample("cicflowmeter.csv");
        String a = "{flow_dialect=cicflowmeter, ";
        assertThat(out).extracting(FlowParserTest::full).containsExactly(
                "OPEN 2018-02-14T08:31:01Z flow ingest-flow open 172.31.64.23:49731 -> 93.184.216.34:443 tcp bytes 0/0"
                        + " 0ms null NONE/NOT_ATTEMPTED user=null " + a + "src_packets=9, dst_packets=7,"
                        + " tcp_flags=.A..SF, flow_label=Benign}",
                "CLOSE 2018-02-14T08:31:02.520Z flow ingest-flow close 172.31.64.23:49731 -> 93.184.216.34:443 tcp"
                        + " bytes 1163/5472 1520ms flow_fin NONE/NOT_ATTEMPTED user=null " + a + "src_packets=9,"
                        + " dst_packets=7, tcp_flags=.A..SF, flow_label=Benign}",
                // a SYN nobody answered: a REJECT, as Zeek's S0
                "REJECT 2018-02-14T08:31:05Z flow ingest-flow reject 172.31.69.25:51234 -> 172.31.0.2:22 tcp bytes"
                        + " 0/0 0ms flow_syn_unanswered NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1,"
                        + " dst_packets=0, tcp_flags=....S., flow_label=Infilteration}",
                // refused: SYN, then RST-ACK as the only packet back, as Zeek's REJ
                "REJECT 2018-02-14T08:31:05Z flow ingest-flow reject 172.31.69.25:51236 -> 172.31.0.2:3389 tcp bytes"
                        + " 0/0 0ms flow_reset NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1, dst_packets=1,"
                        + " tcp_flags=.A.RS., flow_label=Infilteration}",
                // protocol 17 is udp; a yyyy-MM-dd time; 30,211 µs are 30 ms
                "OPEN 2018-02-14T10:12:13Z flow ingest-flow open 172.31.64.23:53422 -> 172.31.0.2:53 udp bytes 0/0"
                        + " 0ms null NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1, dst_packets=1,"
                        + " flow_label=Benign}",
                "CLOSE 2018-02-14T10:12:13.030Z flow ingest-flow close 172.31.64.23:53422 -> 172.31.0.2:53 udp bytes"
                        + " 38/154 30ms flow_end NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1, dst_packets=1,"
                        + " flow_label=Benign}",
                // 08:47:10 PM; a reset at the end of an established connection is a CLOSE
                "OPEN 2018-02-14T20:47:10Z flow ingest-flow open 172.31.64.23:49802 -> 52.94.233.129:443 tcp bytes"
                        + " 0/0 0ms null NONE/NOT_ATTEMPTED user=null " + a + "src_packets=22, dst_packets=25,"
                        + " tcp_flags=.A.RS., flow_label=Benign}",
                "CLOSE 2018-02-14T20:49:08Z flow ingest-flow close 172.31.64.23:49802 -> 52.94.233.129:443 tcp bytes"
                        + " 3307/28915 118000ms flow_rst NONE/NOT_ATTEMPTED user=null " + a + "src_packets=22,"
                        + " dst_packets=25, tcp_flags=.A.RS., flow_label=Benign}");
        idsAreDerivedFromTheFlow(out);
    }

    @Test
    void cicids2017WithItsLeadingSpacesAndMinuteTimes() throws Exception {
        List<Object> out = sample("cicids2017.csv");
        String a = "{flow_dialect=cicids2017, ";
        assertThat(out).extracting(FlowParserTest::full).containsExactly(
                // 3/7/2017 is the 3rd of July (CICIDS2017 was captured 3-7 July 2017): day first
                "OPEN 2017-07-03T08:55:00Z flow ingest-flow open 192.168.10.5:54119 -> 192.168.10.3:53 udp bytes 0/0"
                        + " 0ms null NONE/NOT_ATTEMPTED user=null " + a + "src_packets=2, dst_packets=2,"
                        + " flow_label=BENIGN}",
                "CLOSE 2017-07-03T08:55:00.048Z flow ingest-flow close 192.168.10.5:54119 -> 192.168.10.3:53 udp"
                        + " bytes 70/354 48ms flow_end NONE/NOT_ATTEMPTED user=null " + a + "src_packets=2,"
                        + " dst_packets=2, flow_label=BENIGN}",
                "OPEN 2017-07-03T09:12:00Z flow ingest-flow open 192.168.10.14:62911 -> 104.16.84.55:443 tcp bytes"
                        + " 0/0 0ms null NONE/NOT_ATTEMPTED user=null " + a + "src_packets=12, dst_packets=14,"
                        + " tcp_flags=.A...F, flow_label=BENIGN}",
                "CLOSE 2017-07-03T09:12:05.210Z flow ingest-flow close 192.168.10.14:62911 -> 104.16.84.55:443 tcp"
                        + " bytes 1588/11402 5210ms flow_fin NONE/NOT_ATTEMPTED user=null " + a + "src_packets=12,"
                        + " dst_packets=14, tcp_flags=.A...F, flow_label=BENIGN}",
                "REJECT 2017-07-07T14:01:00Z flow ingest-flow reject 172.16.0.1:33898 -> 192.168.10.50:21 tcp bytes"
                        + " 0/0 0ms flow_reset NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1, dst_packets=1,"
                        + " tcp_flags=.A.RS., flow_label=PortScan}",
                "REJECT 2017-07-07T14:01:00Z flow ingest-flow reject 172.16.0.1:33899 -> 192.168.10.50:8080 tcp bytes"
                        + " 0/0 0ms flow_syn_unanswered NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1,"
                        + " dst_packets=0, tcp_flags=....S., flow_label=PortScan}");
        idsAreDerivedFromTheFlow(out);
    }

    @Test
    void nfdump16Csv() throws Exception {
        List<Object> out = sample("nfdump.csv");
        String a = "{flow_dialect=nfdump, ";
        assertThat(out).extracting(FlowParserTest::full).containsExactly(
                // the router that exported the flow (ra) is the gateway
                "OPEN 2024-03-05T10:11:12.345Z flow 10.40.0.1 open 10.40.2.17:50514 -> 10.40.0.25:443 tcp bytes 0/0"
                        + " 0ms null NONE/NOT_ATTEMPTED user=null " + a + "src_packets=14, dst_packets=12,"
                        + " tcp_flags=.AP.SF}",
                "CLOSE 2024-03-05T10:11:13.579Z flow 10.40.0.1 close 10.40.2.17:50514 -> 10.40.0.25:443 tcp bytes"
                        + " 2310/9840 1234ms flow_fin NONE/NOT_ATTEMPTED user=null " + a + "src_packets=14,"
                        + " dst_packets=12, tcp_flags=.AP.SF}",
                "REJECT 2024-03-05T10:11:14.002Z flow 10.40.0.1 reject 10.40.7.99:41877 -> 10.40.0.25:23 tcp bytes 0/0"
                        + " 0ms flow_syn_unanswered NONE/NOT_ATTEMPTED user=null " + a + "src_packets=2,"
                        + " dst_packets=0, tcp_flags=....S.}",
                "REJECT 2024-03-05T10:11:15.120Z flow 10.40.0.1 reject 10.40.7.99:41880 -> 10.40.0.25:3389 tcp bytes"
                        + " 0/0 0ms flow_reset NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1, dst_packets=1,"
                        + " tcp_flags=.A.RS.}",
                "OPEN 2024-03-05T10:11:16.500Z flow 10.40.0.1 open 10.40.2.17:53211 -> 10.40.0.53:53 udp bytes 0/0"
                        + " 0ms null NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1, dst_packets=1}",
                "CLOSE 2024-03-05T10:11:16.531Z flow 10.40.0.1 close 10.40.2.17:53211 -> 10.40.0.53:53 udp bytes"
                        + " 71/187 31ms flow_end NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1, dst_packets=1}",
                // ICMP: nfdump writes type.code in the destination port
                "OPEN 2024-03-05T10:11:18.900Z flow 10.40.0.1 open 10.40.2.17:0 -> 10.40.0.25:0 icmp bytes 0/0 0ms"
                        + " null NONE/NOT_ATTEMPTED user=null " + a + "icmp_type_code=8.0, src_packets=1,"
                        + " dst_packets=0}",
                "CLOSE 2024-03-05T10:11:18.900Z flow 10.40.0.1 close 10.40.2.17:0 -> 10.40.0.25:0 icmp bytes 84/0 0ms"
                        + " flow_end NONE/NOT_ATTEMPTED user=null " + a + "icmp_type_code=8.0, src_packets=1,"
                        + " dst_packets=0}");
        idsAreDerivedFromTheFlow(out);
    }

    @Test
    void nfdump17CsvAndCsvFast() throws Exception {
        List<Object> out = sample("nfdump-1.7.csv");
        String a = "{flow_dialect=nfdump-1.7, ";
        assertThat(out).extracting(FlowParserTest::full).containsExactly(
                "OPEN 2025-06-12T16:20:01.250Z flow 10.40.0.1 open 2001:db8:40::17:50110 -> 2001:db8:40::25:443 tcp"
                        + " bytes 0/0 0ms null NONE/NOT_ATTEMPTED user=null " + a + "src_packets=18, dst_packets=16,"
                        + " tcp_flags=.AP.SF}",
                "CLOSE 2025-06-12T16:20:03.750Z flow 10.40.0.1 close 2001:db8:40::17:50110 -> 2001:db8:40::25:443 tcp"
                        + " bytes 3022/20417 2500ms flow_fin NONE/NOT_ATTEMPTED user=null " + a + "src_packets=18,"
                        + " dst_packets=16, tcp_flags=.AP.SF}",
                "REJECT 2025-06-12T16:20:04Z flow 10.40.0.1 reject 198.51.100.77:60001 -> 10.40.0.25:22 tcp bytes 0/0"
                        + " 0ms flow_syn_unanswered NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1,"
                        + " dst_packets=0, tcp_flags=....S.}");
        idsAreDerivedFromTheFlow(out);

        // csv-fast: epoch milliseconds, protocol numbers, packets and bytes of one direction, no router
        List<Object> fast = sample("nfdump-csv-fast.csv");
        assertThat(fast).extracting(FlowParserTest::full).containsExactly(
                "OPEN 2025-06-12T16:20:01.250Z flow ingest-flow open 10.40.2.17:50110 -> 10.40.0.25:443 tcp bytes 0/0"
                        + " 0ms null NONE/NOT_ATTEMPTED user=null " + a + "src_packets=18, tcp_flags=.AP.SF}",
                "CLOSE 2025-06-12T16:20:03.750Z flow ingest-flow close 10.40.2.17:50110 -> 10.40.0.25:443 tcp bytes"
                        + " 3022/0 2500ms flow_fin NONE/NOT_ATTEMPTED user=null " + a + "src_packets=18,"
                        + " tcp_flags=.AP.SF}",
                "OPEN 2025-06-12T16:20:04Z flow ingest-flow open 10.40.2.17:53344 -> 10.40.0.53:53 udp bytes 0/0 0ms"
                        + " null NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1}",
                "CLOSE 2025-06-12T16:20:04Z flow ingest-flow close 10.40.2.17:53344 -> 10.40.0.53:53 udp bytes 73/0"
                        + " 0ms flow_end NONE/NOT_ATTEMPTED user=null " + a + "src_packets=1}");
    }

    @Test
    void theSameFileGivesTheSameIdsAndZoneLessTimesAreReadInTheFlowZone() throws Exception {
        List<Object> once = sample("nfdump.csv");
        List<Object> again = sample("nfdump.csv");
        assertThat(again).extracting(e -> ((ConnectionEvent) e).getEventId())
                .containsExactlyElementsOf(once.stream().map(e -> ((ConnectionEvent) e).getEventId()).toList())
                .doesNotHaveDuplicates();
        List<Object> berlin = parseFile(new FlowParser(ZoneId.of("Europe/Berlin")),
                FlowCsvTest.SAMPLES.resolve("nfdump.csv"));
        assertThat(((ConnectionEvent) berlin.get(0)).getEventTime())
                .isEqualTo(Instant.parse("2024-03-05T09:11:12.345Z").toEpochMilli()); // CET is UTC+1 in March
        // epoch milliseconds carry their zone: csv-fast is the same whatever the setting
        assertThat(parseFile(new FlowParser(ZoneId.of("Europe/Berlin")), FlowCsvTest.SAMPLES.resolve(
                "nfdump-csv-fast.csv")).get(0)).extracting(e -> ((ConnectionEvent) e).getEventTime())
                .isEqualTo(Instant.parse("2025-06-12T16:20:01.250Z").toEpochMilli());
    }

    @Test
    void aUsersColumnMapIsTriedFirst(@TempDir Path dir) throws Exception {
        Path map = dir.resolve("firewall.properties");
        Files.writeString(map, """
                # an appliance's own export
                name=edge-fw
                src.ip=client
                src.port=client_port
                dst.ip=server
                dst.port=server_port
                protocol=transport
                start=begin
                end=finish
                date.order=mdy
                src.bytes=sent
                dst.bytes=received
                flags=tcp_flags
                sensor=device
                """);
        Properties p = new Properties();
        p.put(IngestSettings.FLOW_COLUMN_MAP, map.toString());
        p.put(IngestSettings.FLOW_ZONE, "America/New_York");
        IngestSettings s = IngestSettings.from(p);
        FlowParser parser = (FlowParser) IngestTopology.parsers(s).stream().filter(x -> x.source().equals("flow"))
                .findFirst().orElseThrow();
        Path csv = dir.resolve("fw.csv");
        Files.writeString(csv, """
                device,begin,finish,client,client_port,server,server_port,transport,sent,received,tcp_flags
                fw-edge-01,03/07/2024 08:55:58 AM,03/07/2024 08:56:01 AM,10.9.0.4,61000,10.9.1.10,5432,tcp,4410,90210,0x1b
                fw-edge-01,03/07/2024 08:57:00 AM,03/07/2024 08:57:00 AM,10.9.0.8,61001,10.9.1.10,5432,tcp,60,0,2
                """);
        assertThat(parseFile(parser, csv)).extracting(FlowParserTest::full).containsExactly(
                // month first as the map says, in New York's time (EST, UTC-5)
                "OPEN 2024-03-07T13:55:58Z flow fw-edge-01 open 10.9.0.4:61000 -> 10.9.1.10:5432 tcp bytes 0/0 0ms null"
                        + " NONE/NOT_ATTEMPTED user=null {flow_dialect=edge-fw, tcp_flags=.AP.SF}",
                "CLOSE 2024-03-07T13:56:01Z flow fw-edge-01 close 10.9.0.4:61000 -> 10.9.1.10:5432 tcp bytes"
                        + " 4410/90210 3000ms flow_fin NONE/NOT_ATTEMPTED user=null {flow_dialect=edge-fw,"
                        + " tcp_flags=.AP.SF}",
                "REJECT 2024-03-07T13:57:00Z flow fw-edge-01 reject 10.9.0.8:61001 -> 10.9.1.10:5432 tcp bytes 0/0 0ms"
                        + " flow_syn_unanswered NONE/NOT_ATTEMPTED user=null {flow_dialect=edge-fw, tcp_flags=....S.}");
        // the bundled maps still read the files they fit
        assertThat(parseFile(parser, FlowCsvTest.SAMPLES.resolve("nfdump.csv"))).hasSize(8);
    }

    @Test
    void aWrongColumnMapStopsTheIngestAtStartNamingTheSetting(@TempDir Path dir) throws Exception {
        Properties p = new Properties();
        p.put(IngestSettings.FLOW_COLUMN_MAP, dir.resolve("missing.properties").toString());
        assertThatThrownBy(() -> IngestSettings.from(p)).hasMessageStartingWith(IngestSettings.FLOW_COLUMN_MAP
                + ": cannot read").hasMessageContaining("missing.properties");
        Path bad = dir.resolve("bad.properties");
        Files.writeString(bad, "src.ip=client\nsource.port=client_port\nduration.unit=minutes\n");
        p.put(IngestSettings.FLOW_COLUMN_MAP, bad.toString());
        assertThatThrownBy(() -> IngestSettings.from(p)).hasMessageStartingWith(IngestSettings.FLOW_COLUMN_MAP + ": "
                + bad).hasMessageContaining("unknown key 'source.port'").hasMessageContaining("no column for dst.ip")
                .hasMessageContaining("no column for start").hasMessageContaining("duration.unit must be s, ms or us");
        Properties zone = new Properties();
        zone.put(IngestSettings.FLOW_ZONE, "Mars/Olympus");
        assertThatThrownBy(() -> IngestSettings.from(zone)).hasMessageStartingWith(IngestSettings.FLOW_ZONE);
    }

    @Test
    void badRowsAreDeadLetteredWithTheirReason() {
        String header = "Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,SYN Flag Cnt";
        List<String> rows = List.of(
                "10.0.0.1,5000,10.0.0.2,80,6,14/02/2018 08:31:01,100,1",
                "10.0.0.1,70000,10.0.0.2,80,6,14/02/2018 08:31:01,100,1",
                "10.0.0.1,5000,10.0.0.2,80,6,yesterday,100,1",
                "10.0.0.1,5000,10.0.0.2,80,6,31/02/2018 08:31:01,100,1",
                ",5000,10.0.0.2,80,6,14/02/2018 08:31:01,100,1",
                "10.0.0.1,5000,10.0.0.2,80,6,14/02/2018 08:31:01,-5,1",
                "10.0.0.1,5000,host.example,80,6,14/02/2018 08:31:01,100,1",
                "10.0.0.1,5000,10.0.0.2,80,6,14/02/2018 08:31:01,100,many");
        List<String> lines = new ArrayList<>(List.of(header));
        lines.addAll(rows);
        List<Object> out = ParsersTest.parseAll(UTC, FlowCsvTest.convert(lines));
        assertThat(out.subList(1, out.size())).extracting(Object::toString).containsExactly(
                "BAD bad_value: field Src Port is not a port (0-65535): \"70000\"",
                "BAD bad_value: field Timestamp is not a time (epoch seconds or ms, yyyy-MM-dd HH:mm:ss[.fff],"
                        + " dd/MM/yyyy HH:mm[:ss] [AM|PM] or ISO-8601): \"yesterday\"",
                "BAD bad_value: field Timestamp is not a time (epoch seconds or ms, yyyy-MM-dd HH:mm:ss[.fff],"
                        + " dd/MM/yyyy HH:mm[:ss] [AM|PM] or ISO-8601): \"31/02/2018 08:31:01\"",
                "BAD missing_field: field Src IP is missing or empty",
                "BAD bad_value: field Flow Duration is not a duration of zero or more: \"-5\"",
                "BAD bad_value: field Dst IP is not an IP address: \"host.example\"",
                "BAD bad_value: field SYN Flag Cnt is not a count of zero or more: \"many\"");
        assertThat(full(out.get(0))).startsWith("REJECT 2018-02-14T08:31:01Z flow ingest-flow reject");

        assertThat(ParsersTest.parseAll(UTC, List.of(
                // a row sent without its header (a headerless file, or a row that did not fit its header)
                "2024-03-05 10:11:12.345,2024-03-05 10:11:13.579,1.234,10.40.2.17,10.40.0.25,50514,443,TCP",
                // JSON that no map fits
                "{\"source\":\"10.0.0.1\",\"destination\":\"10.0.0.2\",\"when\":\"1\"}",
                "{\"sa\":\"10.0.0.1\",\"da\":\"10.0.0.2\",\"ts\":\"1\",\"flg\":\"XYZ\"}",
                "not json {")))
                .extracting(Object::toString).satisfiesExactly(
                        r -> assertThat(r).startsWith("BAD parse_error: a CSV row as written, not a flow record")
                                .contains("without a header before it"),
                        r -> assertThat(r).startsWith("BAD missing_field: no column map fits the record")
                                .contains("[cicflowmeter, cicids2017, nfdump, nfdump-1.7]")
                                .contains("ingest.flow.column.map"),
                        r -> assertThat(r).isEqualTo("BAD bad_value: field flg is not TCP flags (letters such as"
                                + " .AP.SF, a number or 0x hex): \"XYZ\""),
                        r -> assertThat(r).startsWith("BAD parse_error: a CSV row as written"));
    }

    @Test
    void aFlowFileThroughTheDryRun(@TempDir Path dir) throws Exception {
        Path headerless = dir.resolve("headerless.csv");
        List<String> nfdump = Files.readAllLines(FlowCsvTest.SAMPLES.resolve("nfdump.csv"));
        Files.write(headerless, nfdump.subList(1, 6), StandardCharsets.UTF_8);
        List<DryRun.Tally> tallies = DryRun.run(UTC, List.of(FlowCsvTest.SAMPLES.resolve("nfdump.csv"),
                FlowCsvTest.SAMPLES.resolve("cicids2017.csv"), headerless), 0);
        DryRun.Tally nf = tallies.get(0);
        assertThat(nf.records).isEqualTo(5); // the header and the summary are not records
        assertThat(nf.events).isEqualTo(8);
        assertThat(nf.deadLettered()).isZero();
        assertThat(nf.firstMs).isEqualTo(Instant.parse("2024-03-05T10:11:12.345Z").toEpochMilli());
        assertThat(tallies.get(1).events).isEqualTo(6);
        DryRun.Tally bad = tallies.get(2);
        assertThat(bad.records).isEqualTo(5);
        assertThat(bad.deadLetters).containsExactly(java.util.Map.entry("parse_error", 5L));
        assertThat(bad.examples.get("parse_error")).contains("without a header before it");
        assertThat(DryRun.report(tallies, false)).contains(headerless + ": 5 records -> 0 events, 0 duplicates, 5 dead"
                + " letters (100.0 %)");
        assertThat(Replay.verdict(tallies.get(3), 0.05, false,
                new java.io.PrintStream(new java.io.ByteArrayOutputStream()))).isEqualTo(1);
    }

    @Test
    void flagsAreReadAsLettersNumbersOrHex() throws BadRecord {
        String header = "sa,da,ts,pr,flg";
        List<String> lines = List.of(header, "10.0.0.1,10.0.0.2,1709633472,TCP,......S.",
                "10.0.0.1,10.0.0.2,1709633472,TCP,18", "10.0.0.1,10.0.0.2,1709633472,TCP,0x14",
                "10.0.0.1,10.0.0.2,1709633472.5,TCP,UAPRSF");
        assertThat(ParsersTest.parseAll(UTC, FlowCsvTest.convert(lines))).extracting(o -> {
            ConnectionEvent e = (ConnectionEvent) o;
            return e.getPhase() + " " + e.getEventTime() + " " + e.getAttributes().get("tcp_flags");
        }).containsExactly("REJECT 1709633472000 ....S.", "OPEN 1709633472000 .A..S.", "CLOSE 1709633472000 .A..S.",
                "OPEN 1709633472000 .A.R..", "CLOSE 1709633472000 .A.R..", "OPEN 1709633472500 UAPRSF",
                "CLOSE 1709633472500 UAPRSF");
    }
}
