package io.zerotrust.ingest;

import static io.zerotrust.ingest.ParsersTest.RECEIVED;
import static io.zerotrust.ingest.ParsersTest.lines;
import static io.zerotrust.ingest.ParsersTest.parseAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.SourceEndpoint;
import io.zerotrust.ingest.parse.BadRecord;
import io.zerotrust.ingest.parse.Memory;
import io.zerotrust.ingest.parse.ZeekParser;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Zeek's JSON dialects (scope separator {@code .} or {@code _}, shipper metadata or none, {@code ts} in epoch seconds
 * or ISO-8601, wrapped in the stream's name or not) give the same connection events; samples under
 * resources/samples/zeek hold the same records in each.
 */
class ZeekDialectsTest {

    static final String DIR = "/samples/zeek/";
    static final List<String> JSON_SAMPLES = List.of("dot-iso8601.jsonl", "underscore-epoch-shipper.jsonl",
            "underscore-iso8601.jsonl");

    /** The same records the samples hold, written by Zeek's default JSON writer. */
    static List<Object> reference() throws Exception {
        return parseAll(new ZeekParser(), lines(DIR + "dot-epoch.jsonl"));
    }

    @Test
    void theDotDialectMapsEveryField() throws Exception {
        assertThat(reference()).containsExactly(
                // kerberos success: no event of its own, its user goes onto the flow's conn record
                event("zeek-CvX2pD3oQw7Ek5kBa1-open", 1_772_366_400_121L, ConnectionPhase.OPEN, "CvX2pD3oQw7Ek5kBa1")
                        .setUser("carol")
                        .setAuth(new AuthInfo(AuthMethod.KERBEROS, AuthResult.SUCCESS, null, null))
                        .setSrc(src("10.30.4.21", 49822)).setDst(dst(null, "10.30.0.10", 88))
                        .setProtocol("krb_tcp")
                        .setAttributes(Map.of("conn_state", "SF", "zeek_uid", "CvX2pD3oQw7Ek5kBa1")).build(),
                event("zeek-CvX2pD3oQw7Ek5kBa1-close", 1_772_366_400_125L, ConnectionPhase.CLOSE, "CvX2pD3oQw7Ek5kBa1")
                        .setUser("carol")
                        .setAuth(new AuthInfo(AuthMethod.KERBEROS, AuthResult.SUCCESS, null, null))
                        .setSrc(src("10.30.4.21", 49822)).setDst(dst(null, "10.30.0.10", 88))
                        .setProtocol("krb_tcp").setBytesIn(1512).setBytesOut(1460).setDurationMs(4)
                        .setCloseReason("zeek_sf")
                        .setAttributes(Map.of("conn_state", "SF", "zeek_uid", "CvX2pD3oQw7Ek5kBa1")).build(),
                event("zeek-CLm8a42Fh5Qz0Yt7ne-open", 1_772_366_405_000L, ConnectionPhase.OPEN, "CLm8a42Fh5Qz0Yt7ne")
                        .setSrc(src("10.30.4.21", 49830)).setDst(dst(null, "10.30.8.15", 22)).setProtocol("ssh")
                        .setAttributes(Map.of("conn_state", "SF", "zeek_uid", "CLm8a42Fh5Qz0Yt7ne")).build(),
                event("zeek-CLm8a42Fh5Qz0Yt7ne-close", 1_772_366_589_506L, ConnectionPhase.CLOSE, "CLm8a42Fh5Qz0Yt7ne")
                        .setSrc(src("10.30.4.21", 49830)).setDst(dst(null, "10.30.8.15", 22)).setProtocol("ssh")
                        .setBytesIn(5123).setBytesOut(88211).setDurationMs(184_506).setCloseReason("zeek_sf")
                        .setAttributes(Map.of("conn_state", "SF", "zeek_uid", "CLm8a42Fh5Qz0Yt7ne")).build(),
                // .999999 s rounds to the next millisecond
                event("zeek-CK2bn81tIuE0M1cRxb-reject", 1_772_366_411_000L, ConnectionPhase.REJECT,
                        "CK2bn81tIuE0M1cRxb")
                        .setSrc(src("198.51.100.77", 61001)).setDst(dst(null, "10.30.8.15", 3389)).setProtocol("tcp")
                        .setRejectReason("zeek_rej")
                        .setAttributes(Map.of("conn_state", "REJ", "zeek_uid", "CK2bn81tIuE0M1cRxb")).build(),
                event("zeek-CQ1zFe3s0Pj6tdGkKc-krb-1772366411001", 1_772_366_411_001L, ConnectionPhase.REJECT,
                        "CQ1zFe3s0Pj6tdGkKc")
                        .setUser("dave")
                        .setAuth(new AuthInfo(AuthMethod.KERBEROS, AuthResult.FAILURE, "KDC_ERR_PREAUTH_FAILED", null))
                        .setSrc(src("10.30.4.33", 52011)).setDst(dst("kerberos:krbtgt/CORP.EXAMPLE", "10.30.0.10", 88))
                        .setProtocol("kerberos").setRejectReason("auth_failed")
                        .setAttributes(Map.of("zeek_uid", "CQ1zFe3s0Pj6tdGkKc", "request_type", "AS")).build(),
                event("zeek-CxA1u24Hq9iZ3dWb7f-reject", 1_772_366_412_250L, ConnectionPhase.REJECT,
                        "CxA1u24Hq9iZ3dWb7f")
                        .setSrc(src("fe80::a00:27ff:fe4e:66a1", 546)).setDst(dst(null, "ff02::1:2", 547))
                        .setProtocol("dhcp").setRejectReason("zeek_s0")
                        .setAttributes(Map.of("conn_state", "S0", "zeek_uid", "CxA1u24Hq9iZ3dWb7f")).build());
    }

    @Test
    void everyJsonSampleGivesTheSameEventsAsTheDotDialect() throws Exception {
        List<Object> reference = reference();
        for (String sample : JSON_SAMPLES) {
            assertThat(parseAll(new ZeekParser(), lines(DIR + sample))).as(sample).isEqualTo(reference);
        }
    }

    /**
     * Every record of the Zeek samples, the old and the new, rewritten in each combination of separator, metadata and
     * time format, gives events equal in every field to those of the record as Zeek writes it by default.
     */
    @Test
    void everyCombinationOfDialectGivesIdenticalEvents() throws Exception {
        List<List<String>> sets = List.of(lines(DIR + "dot-epoch.jsonl"), lines("/samples/zeek.jsonl"));
        List<UnaryOperator<String>> rewrites = List.of(
                ZeekDialectsTest::underscore, ZeekDialectsTest::withMetadata, ZeekDialectsTest::isoTime,
                ZeekDialectsTest::tagged);
        for (List<String> records : sets) {
            List<Object> expected = parseAll(new ZeekParser(), records);
            assertThat(expected).noneMatch(o -> o instanceof String);
            for (int mask = 1; mask < 1 << rewrites.size(); mask++) {
                List<String> rewritten = new ArrayList<>();
                for (String r : records) {
                    for (int i = 0; i < rewrites.size(); i++) {
                        r = (mask & 1 << i) != 0 ? rewrites.get(i).apply(r) : r;
                    }
                    rewritten.add(r);
                }
                assertThat(rewritten).as("rewrite %d changed the records", mask).isNotEqualTo(records);
                assertThat(parseAll(new ZeekParser(), rewritten)).as("%s", rewritten).isEqualTo(expected);
            }
        }
    }

    @Test
    void aNamedStreamTheIngestDoesNotMapIsDeadLetteredNamingIt() {
        ZeekParser zeek = new ZeekParser();
        assertThatThrownBy(() -> zeek.parse(("{\"_path\":\"weird\",\"ts\":1772366400.5,\"uid\":\"C1\",\"id_orig_h\":"
                + "\"10.0.0.1\",\"name\":\"bad_TCP_checksum\"}").getBytes(), RECEIVED, Memory.NONE))
                .isInstanceOf(BadRecord.class)
                .hasMessageStartingWith("unsupported_stream: weird (")
                .extracting(e -> ((BadRecord) e).errorType()).isEqualTo("unsupported_stream");
        assertThatThrownBy(() -> zeek.parse("{\"@stream\":\"x509\",\"ts\":1772366400.5,\"id\":\"F1\"}".getBytes(),
                RECEIVED, Memory.NONE)).hasMessageStartingWith("unsupported_stream: x509 (");
        // wrapped by the Kafka plugin's Kafka::tag_json
        assertThatThrownBy(() -> zeek.parse(("{\"weird\":{\"ts\":1772366400.5,\"uid\":\"C1\","
                + "\"name\":\"dns_unmatched_reply\"}}").getBytes(), RECEIVED, Memory.NONE))
                .hasMessageStartingWith("unsupported_stream: weird (");
        // the stream's name wins over fields that look like another log's
        assertThatThrownBy(() -> zeek.parse("{\"_path\":\"weird\",\"uid\":\"C1\",\"proto\":\"tcp\"}".getBytes(),
                RECEIVED, Memory.NONE)).hasMessageStartingWith("unsupported_stream: weird (");
    }

    @Test
    void errorsNameTheFieldAsTheRecordSpellsIt() {
        ZeekParser zeek = new ZeekParser();
        assertThatThrownBy(() -> zeek.parse(("{\"_path\":\"conn\",\"uid\":\"C1\",\"proto\":\"tcp\",\"conn_state\":"
                + "\"SF\",\"ts\":1,\"id_orig_h\":\"10.0.0.1\",\"id_orig_p\":70000,\"id_resp_h\":\"10.0.0.2\","
                + "\"id_resp_p\":1}").getBytes(), RECEIVED, Memory.NONE))
                .hasMessage("field id_orig_p is not a port (0-65535): \"70000\"");
        assertThatThrownBy(() -> zeek.parse(("{\"_path\":\"conn\",\"uid\":\"C1\",\"proto\":\"tcp\",\"conn_state\":"
                + "\"SF\",\"ts\":1,\"id_orig_h\":\"10.0.0.1\"}").getBytes(), RECEIVED, Memory.NONE))
                .hasMessage("field id_resp_h is missing or empty");
        assertThatThrownBy(() -> zeek.parse("{\"_path\":\"conn\",\"uid\":\"C1\",\"ts\":\"2026-03-01 noon\"}"
                .getBytes(), RECEIVED, Memory.NONE))
                .hasMessage("field ts is not epoch seconds or an ISO-8601 time: \"2026-03-01 noon\"");
    }

    // --- rewrites of a record written the Zeek default way

    static String underscore(String record) {
        return record.replace("\"id.", "\"id_");
    }

    /** A shipper's metadata in front, as Security Onion or RockNSM add it. */
    static String withMetadata(String record) {
        String stream = record.contains("\"conn_state\"") ? "conn" : "kerberos";
        return "{\"_path\":\"" + stream + "\",\"_write_ts\":\"2026-12-07T09:00:00.000001Z\",\"@stream\":\"" + stream
                + "\",\"@system\":\"so-sensor-01\",\"@sensor\":\"so-sensor-01-bond0\","
                + "\"@timestamp\":\"2026-12-07T09:00:01.000Z\"," + record.substring(1);
    }

    /** Wrapped in its stream's name, as the Kafka plugin writes with {@code Kafka::tag_json}. */
    static String tagged(String record) {
        return "{\"" + (record.contains("\"conn_state\"") ? "conn" : "kerberos") + "\":" + record + "}";
    }

    private static final Pattern EPOCH_TS = Pattern.compile("\"ts\":([0-9.]+)");

    /** {@code ts} as Zeek's JSON::TS_ISO8601 writes it: microseconds, or none when they are all zero. */
    static String isoTime(String record) {
        Matcher m = EPOCH_TS.matcher(record);
        if (!m.find()) {
            return record;
        }
        BigDecimal s = new BigDecimal(m.group(1));
        long seconds = s.longValue();
        long micros = s.subtract(BigDecimal.valueOf(seconds)).movePointRight(6).longValue();
        return m.replaceFirst("\"ts\":\"" + Instant.ofEpochSecond(seconds, micros * 1_000) + "\"");
    }

    // --- expected events

    static ConnectionEvent.Builder event(String id, long time, ConnectionPhase phase, String connectionId) {
        return ConnectionEvent.newBuilder()
                .setEventId(id).setEventTime(time).setOrigin("zeek").setGatewayId("ingest-zeek")
                .setConnectionId(connectionId).setPhase(phase)
                .setAuth(new AuthInfo(AuthMethod.NONE, AuthResult.NOT_ATTEMPTED, null, null));
    }

    static SourceEndpoint src(String ip, int port) {
        return new SourceEndpoint(ip, port, null, null, null);
    }

    static DestinationEndpoint dst(String service, String ip, int port) {
        return new DestinationEndpoint(service, null, ip, port);
    }
}
