package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.ingest.parse.FlowCsv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flow CSV files as replay converts them: each data row to a JSON object keyed by the header's column names. */
class FlowCsvTest {

    static final Path SAMPLES = Path.of("src/test/resources/samples/flow");

    /** Every line through one converter, as replay does for one file: the records it sends. */
    static List<String> convert(List<String> lines) {
        FlowCsv csv = new FlowCsv();
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            String r = csv.record(l);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    static List<String> convert(String text) {
        return convert(text.lines().toList());
    }

    @Test
    void aRowBecomesAnObjectOfItsHeadersNamesWithQuotedAndBlankValues() {
        assertThat(convert("Src IP,Src Port,Note,Empty,Quote\n"
                + "10.0.0.1,5000,\"a, b\",,\"say \"\"hi\"\"\"\n"
                + " 10.0.0.2 , 5001 ,plain, x ,\"\"\n")).containsExactly(
                "{\"Src IP\":\"10.0.0.1\",\"Src Port\":\"5000\",\"Note\":\"a, b\",\"Empty\":\"\","
                        + "\"Quote\":\"say \\\"hi\\\"\"}",
                "{\"Src IP\":\"10.0.0.2\",\"Src Port\":\"5001\",\"Note\":\"plain\",\"Empty\":\"x\",\"Quote\":\"\"}");
    }

    @Test
    void headerNamesAreTrimmedRepeatedNamesNumberedAndAByteOrderMarkDropped() {
        assertThat(convert("\uFEFFFlow ID, Source IP, Fwd Header Length, Label, Fwd Header Length\n"
                + "10.0.0.1-10.0.0.2-5000-80-6,10.0.0.1,40,BENIGN,40\n")).containsExactly(
                "{\"Flow ID\":\"10.0.0.1-10.0.0.2-5000-80-6\",\"Source IP\":\"10.0.0.1\",\"Fwd Header Length\":\"40\","
                        + "\"Label\":\"BENIGN\",\"Fwd Header Length.1\":\"40\"}");
    }

    @Test
    void nfdumpsSummaryAfterTheDataIsNotSent() throws Exception {
        List<String> lines = Files.readAllLines(SAMPLES.resolve("nfdump.csv"));
        assertThat(lines).contains("Summary");
        List<String> records = convert(lines);
        assertThat(records).hasSize(5).allMatch(r -> r.startsWith("{\"ts\":\"2024-03-05 "));
        assertThat(String.join("\n", records)).doesNotContain("Summary").doesNotContain("avg_bps")
                .doesNotContain("12712");
    }

    @Test
    void aRepeatedHeaderIsNotARecordAndANewHeaderNamesTheRowsAfterIt() {
        assertThat(convert("""
                sa,da,ts
                10.0.0.1,10.0.0.2,2024-03-05 10:00:00
                sa,da,ts
                10.0.0.3,10.0.0.4,2024-03-05 10:00:01
                Summary
                flows,bytes,packets,avg_bps,avg_pps,avg_bpp
                2,100,2,0,0,50
                srcAddr,dstAddr,firstSeen
                10.0.0.5,10.0.0.6,1749745201250
                """)).containsExactly(
                "{\"sa\":\"10.0.0.1\",\"da\":\"10.0.0.2\",\"ts\":\"2024-03-05 10:00:00\"}",
                "{\"sa\":\"10.0.0.3\",\"da\":\"10.0.0.4\",\"ts\":\"2024-03-05 10:00:01\"}",
                "{\"srcAddr\":\"10.0.0.5\",\"dstAddr\":\"10.0.0.6\",\"firstSeen\":\"1749745201250\"}");
    }

    @Test
    void rowsWithoutAHeaderOrThatDoNotFitItAreSentAsWritten() {
        // a headerless file: every row goes as written, and the ingest dead-letters it with its bytes
        String row = "2024-03-05 10:11:12.345,2024-03-05 10:11:13.579,1.234,10.40.2.17,10.40.0.25,50514,443,TCP";
        assertThat(convert(row + "\n" + row + "\n")).containsExactly(row, row);
        assertThatThrownBy(() -> new FlowCsv().toJson(row)).hasMessage("a data row before any header line");

        FlowCsv csv = new FlowCsv();
        assertThat(csv.toJson("sa,da,ts")).isNull();
        assertThat(csv.active()).isTrue();
        assertThatThrownBy(() -> csv.toJson("10.0.0.1,10.0.0.2")).hasMessage("2 values for the 3 columns of the header");
        assertThatThrownBy(() -> csv.toJson("10.0.0.1,\"10.0.0.2,2024")).hasMessage(
                "a quoted field without its closing quote");
        assertThat(csv.record("10.0.0.1,10.0.0.2")).isEqualTo("10.0.0.1,10.0.0.2");
        assertThat(csv.record("10.0.0.1,10.0.0.2,1")).isEqualTo("{\"sa\":\"10.0.0.1\",\"da\":\"10.0.0.2\",\"ts\":\"1\"}");
    }

    @Test
    void replayReadsAFlowFileThroughTheConverter(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("flows.csv");
        Files.writeString(f, "sa,da,ts\n\n10.0.0.1,10.0.0.2,1\nSummary\nflows,bytes\n1,2\n");
        List<String> sent = new ArrayList<>();
        Replay.eachRecord("flow", f, sent::add);
        assertThat(sent).containsExactly("{\"sa\":\"10.0.0.1\",\"da\":\"10.0.0.2\",\"ts\":\"1\"}");
        sent.clear();
        Replay.eachRecord("sshd", f, sent::add); // other sources: every line as written
        assertThat(sent).hasSize(5);
    }
}
