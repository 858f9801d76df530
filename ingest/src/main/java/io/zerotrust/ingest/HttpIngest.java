package io.zerotrust.ingest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.zerotrust.schemas.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * HTTP batch ingest for shippers that cannot speak Kafka: {@code POST /ingest/<source>} with a bearer token and a
 * body of newline-delimited records puts each non-empty line on {@code telemetry.raw.<source>}, exactly as sent,
 * and answers once Kafka has every record ({@code 200 {"accepted": n}}), so an answered batch is not lost. The
 * normalizer then treats the records like any other; a shipper that retries a batch after a timeout is covered by
 * its dedup window.
 *
 * <p>Refusals, each with a JSON body naming the problem: {@code 401} without the configured token, {@code 404} for
 * an unknown source, {@code 405} for another method, {@code 400} for an empty body or a body that is not UTF-8,
 * {@code 413} for a body over {@code ingest.http.max.bytes} or a line over {@code ingest.http.max.line.bytes}
 * (nothing of a refused batch is sent), {@code 503} when Kafka does not take the records within 30 s.
 */
public final class HttpIngest implements HttpHandler, AutoCloseable {

    static final String PATH = "/ingest/";

    private final byte[] token;
    private final long maxBytes;
    private final int maxLine;
    private final KafkaProducer<byte[], byte[]> producer;
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    HttpIngest(String bootstrap, String token, long maxBytes, int maxLine) {
        this.token = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.maxBytes = maxBytes;
        this.maxLine = maxLine;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String source = ex.getRequestURI().getPath().substring(PATH.length());
            if (!authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
                refuse(ex, 401, "unauthorized", "send the ingest token as 'Authorization: Bearer <token>'");
                return;
            }
            if (!Topics.RAW_SOURCES.contains(source)) {
                refuse(ex, 404, "unknown_source", "no source '" + source + "'; known sources: " + Topics.RAW_SOURCES);
                return;
            }
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "POST");
                refuse(ex, 405, "method_not_allowed", "POST newline-delimited records");
                return;
            }
            String declared = ex.getRequestHeaders().getFirst("Content-Length");
            if (declared != null && parseLong(declared) > maxBytes) {
                refuse(ex, 413, "too_large", "the body is over " + maxBytes + " bytes; send smaller batches");
                return;
            }
            byte[] body = read(ex.getRequestBody(), maxBytes);
            if (body == null) {
                refuse(ex, 413, "too_large", "the body is over " + maxBytes + " bytes; send smaller batches");
                return;
            }
            List<byte[]> records;
            try {
                records = lines(body);
            } catch (IllegalArgumentException e) {
                refuse(ex, e.getMessage().startsWith("line") ? 413 : 400, e.getMessage().startsWith("line")
                        ? "line_too_large" : "bad_body", e.getMessage());
                return;
            }
            if (records.isEmpty()) {
                refuse(ex, 400, "empty", "the body has no records (one per line)");
                return;
            }
            String topic = Topics.telemetryRaw(source).name();
            List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
            try {
                for (byte[] r : records) {
                    acks.add(producer.send(new ProducerRecord<>(topic, null, r)));
                }
                for (Future<RecordMetadata> a : acks) {
                    a.get(30, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                refuse(ex, 503, "kafka_unavailable", "Kafka did not take the records (" + e.getClass().getSimpleName()
                        + "); retry the batch later");
                return;
            }
            accepted.addAndGet(records.size());
            answer(ex, 200, JSON, "{\"accepted\":" + records.size() + ",\"topic\":\"" + topic + "\"}\n");
        }
    }

    private boolean authorized(String header) {
        return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8), token);
    }

    /** The non-empty lines of a UTF-8 body (CRLF or LF). */
    private List<byte[]> lines(byte[] body) {
        if (!validUtf8(body)) {
            throw new IllegalArgumentException("the body is not UTF-8 text");
        }
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                int end = i > start && body[i - 1] == '\r' ? i - 1 : i;
                if (end - start > maxLine) {
                    throw new IllegalArgumentException("line " + (out.size() + 1) + " is over " + maxLine + " bytes");
                }
                if (end > start && !blank(body, start, end)) {
                    out.add(java.util.Arrays.copyOfRange(body, start, end));
                }
                start = i + 1;
            }
        }
        return out;
    }

    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    private static boolean validUtf8(byte[] body) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(body));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    /** The body, or null when it is longer than {@code max}. */
    private static byte[] read(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
            if (out.size() + n > max) {
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void refuse(HttpExchange ex, int status, String error, String message) throws IOException {
        refused.incrementAndGet();
        answer(ex, status, JSON, "{\"error\":\"" + error + "\",\"message\":\"" + message.replace("\\", "\\\\")
                .replace("\"", "\\\"") + "\"}\n");
    }

    static final String JSON = "application/json";
    static final String TEXT = "text/plain; charset=utf-8";

    /** Answers with {@code body} (UTF-8) of {@code contentType}; the ingest's endpoints all answer this way. */
    static void answer(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(bytes);
        }
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
