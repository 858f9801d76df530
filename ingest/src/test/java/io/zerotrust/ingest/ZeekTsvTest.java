package io.zerotrust.ingest;

import static io.zerotrust.ingest.ParsersTest.parseAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.ingest.parse.ZeekParser;
import io.zerotrust.ingest.parse.ZeekTsv;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zeek's default TSV logs as replay converts them: each data row to the Zeek JSON object it stands for. */
class ZeekTsvTest {

    static final String HEADER = """
            #separator \\x09
            #set_separator\t,
            #empty_field\t(empty)
            #unset_field\t-
            #path\tconn
            #open\t2026-03-01-09-00-00
            #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\tlocal_orig\
            \ttunnel_parents
            #types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tbool\tset[string]
            """;

    /** Every line through one converter, as replay does for one file: the records it sends. */
    static List<String> convert(List<String> lines) {
        ZeekTsv tsv = new ZeekTsv();
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            String r = Replay.zeekRecord(tsv, l);
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
    void aRowBecomesTheZeekJsonObjectWithTypedValues() {
        assertThat(convert(HEADER
                + "1772366400.120500\tCvX2pD3oQw7Ek5kBa1\t10.30.4.21\t49822\t10.30.0.10\t88\ttcp\tkrb_tcp\t0.003894\tT"
                + "\tCk9Uxd1zVhDGAtTkp3,Cq4Kfe2v0T2LZbnS7\n#close\t2026-03-01-10-00-00\n"))
                .containsExactly("{\"_path\":\"conn\",\"ts\":1772366400.120500,\"uid\":\"CvX2pD3oQw7Ek5kBa1\","
                        + "\"id.orig_h\":\"10.30.4.21\",\"id.orig_p\":49822,\"id.resp_h\":\"10.30.0.10\","
                        + "\"id.resp_p\":88,"
                        + "\"proto\":\"tcp\",\"service\":\"krb_tcp\",\"duration\":0.003894,\"local_orig\":true,"
                        + "\"tunnel_parents\":[\"Ck9Uxd1zVhDGAtTkp3\",\"Cq4Kfe2v0T2LZbnS7\"]}");
    }

    @Test
    void unsetFieldsAreLeftOutAndEmptyOnesAreEmpty() {
        assertThat(convert(HEADER
                + "1772366410.999999\tCK2bn81tIuE0M1cRxb\t198.51.100.77\t61001\t10.30.8.15\t3389\ttcp\t-\t-\tF"
                + "\t(empty)\n"
                + "1772366411\tCK2bn81tIuE0M1cRxc\t198.51.100.77\t61002\t10.30.8.15\t3389\ttcp\t(empty)\t-\t-\t-\n"))
                .containsExactly("{\"_path\":\"conn\",\"ts\":1772366410.999999,\"uid\":\"CK2bn81tIuE0M1cRxb\","
                                + "\"id.orig_h\":\"198.51.100.77\",\"id.orig_p\":61001,\"id.resp_h\":\"10.30.8.15\","
                                + "\"id.resp_p\":3389,\"proto\":\"tcp\",\"local_orig\":false,\"tunnel_parents\":[]}",
                        "{\"_path\":\"conn\",\"ts\":1772366411,\"uid\":\"CK2bn81tIuE0M1cRxc\","
                                + "\"id.orig_h\":\"198.51.100.77\",\"id.orig_p\":61002,\"id.resp_h\":\"10.30.8.15\","
                                + "\"id.resp_p\":3389,\"proto\":\"tcp\",\"service\":\"\"}");
    }

    @Test
    void escapedSeparatorsAndOtherSeparatorsAreUndone() {
        String http = """
                #separator \\x7c
                #set_separator|;
                #empty_field|(none)
                #unset_field|?
                #path|http
                #fields|ts|uid|uri|user_agent|tags|status_code
                #types|time|string|string|string|vector[string]|count
                1772366400.5|C1|/a\\x7cb\\x09c|curl/8.5.0 \\\\ \\xc3\\xa9|x;?;y|?
                1772366401.5|C2|/|(none)|(none)|200
                """;
        assertThat(convert(http)).containsExactly(
                "{\"_path\":\"http\",\"ts\":1772366400.5,\"uid\":\"C1\",\"uri\":\"/a|b\\tc\","
                        + "\"user_agent\":\"curl/8.5.0 \\\\ é\",\"tags\":[\"x\",null,\"y\"]}",
                "{\"_path\":\"http\",\"ts\":1772366401.5,\"uid\":\"C2\",\"uri\":\"/\",\"user_agent\":\"\","
                        + "\"tags\":[],\"status_code\":200}");
        assertThat(convert("#separator \\x09\n#fields\ta\n#types\tstring\nx\\x09y\n"))
                .containsExactly("{\"a\":\"x\\ty\"}");
    }

    @Test
    void aFileWithTwoHeaderBlocksGivesTheSameEventsAsItsJson() throws Exception {
        List<String> sent = convert(ParsersTest.lines(ZeekDialectsTest.DIR + "kerberos-then-conn.log"));
        assertThat(sent).hasSize(6).allMatch(r -> r.startsWith("{\"_path\":\""));
        assertThat(sent.get(0)).startsWith("{\"_path\":\"kerberos\",\"ts\":1772366400.123456,");
        assertThat(sent.get(2)).startsWith("{\"_path\":\"conn\",\"ts\":1772366400.120500,");
        // the Kerberos block comes first, so its failure comes before the conn.log events
        assertThat(parseAll(new ZeekParser(), sent)).containsExactlyInAnyOrderElementsOf(ZeekDialectsTest.reference());
    }

    @Test
    void aGzipRotatedLogIsReadLikeAPlainOne(@TempDir Path dir) throws Exception {
        List<String> plain = ParsersTest.lines(ZeekDialectsTest.DIR + "kerberos-then-conn.log");
        Path gz = dir.resolve("conn.09:00:00-10:00:00.log.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write((String.join("\n", plain) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        List<String> lines;
        try (InputStream in = Replay.open(gz);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            lines = r.lines().toList();
        }
        assertThat(convert(lines)).isEqualTo(convert(plain)).hasSize(6);
    }

    @Test
    void jsonLinesAndRowsThatDoNotFitTheirHeaderAreSentAsWritten() {
        String json = "{\"ts\":1772366400.5,\"uid\":\"C1\"}";
        assertThat(convert(List.of(json))).containsExactly(json);
        assertThat(convert(HEADER + "1772366400.5\tC1\t10.0.0.1\n1772366400.5\tC1\t10.0.0.1\t70000x\t10.0.0.2\t1\ttcp"
                + "\t-\t-\t-\t-\n")).containsExactly("1772366400.5\tC1\t10.0.0.1",
                "1772366400.5\tC1\t10.0.0.1\t70000x\t10.0.0.2\t1\ttcp\t-\t-\t-\t-");
        ZeekTsv tsv = new ZeekTsv();
        assertThatThrownBy(() -> tsv.toJson("1772366400.5\tC1")).hasMessage("a data row before any #fields header");
        HEADER.lines().forEach(tsv::toJson);
        assertThatThrownBy(() -> tsv.toJson("x\tC1\t10.0.0.1\t1\t10.0.0.2\t1\ttcp\t-\t-\t-\t-"))
                .hasMessage("field ts is not a time: \"x\"");
        assertThatThrownBy(() -> tsv.toJson("1\tC1")).hasMessage("2 values for the 11 fields of the #fields header");
        assertThat(Objects.requireNonNull(tsv.toJson("1\tC1\t10.0.0.1\t1\t10.0.0.2\t1\ttcp\t-\t-\tT\t-")))
                .isEqualTo("{\"_path\":\"conn\",\"ts\":1,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
                        + "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":1,\"proto\":\"tcp\",\"local_orig\":true}");
    }
}
