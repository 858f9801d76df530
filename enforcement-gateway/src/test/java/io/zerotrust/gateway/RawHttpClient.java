package io.zerotrust.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One client connection speaking HTTP/1.1 by hand, so a test controls exactly when the connection opens and closes
 * and knows every byte it sent and received.
 */
final class RawHttpClient implements AutoCloseable {

    record Response(int status, String headers, String body) {
        Response withStatus() {
            return new Response(Integer.parseInt(headers.substring(9, 12)), headers, body);
        }

        /** The value of a header (the first with that name, any case), or null. */
        String header(String name) {
            for (String line : headers.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    long bytesSent;
    long bytesReceived;

    RawHttpClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    Response get(String host, String path, String token) throws IOException {
        send("GET", host, path, token, "");
        return read();
    }

    /** A GET with extra header lines (each ending in CRLF). */
    Response getWith(String host, String path, String token, String extraHeaders) throws IOException {
        send("GET", host, path, token, extraHeaders);
        return read();
    }

    /** A GET that asks for the connection to be closed after the response. */
    Response getAndClose(String host, String path, String token) throws IOException {
        send("GET", host, path, token, "Connection: close\r\n");
        return read();
    }

    /** A HEAD request: the response's head announces a body that does not follow. */
    Response head(String host, String path, String token) throws IOException {
        send("HEAD", host, path, token, "");
        return new Response(0, readHead(), "").withStatus();
    }

    private void send(String method, String host, String path, String token, String extraHeaders)
            throws IOException {
        String req = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: raw-test\r\n"
                + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + extraHeaders + "\r\n";
        byte[] bytes = req.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes);
        out.flush();
        bytesSent += bytes.length;
    }

    /** POSTs {@code body} with its Content-Length, streamed in 64 KiB writes. */
    Response post(String host, String path, String token, byte[] body) throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token
                + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes);
        for (int off = 0; off < body.length; off += 65536) {
            out.write(body, off, Math.min(65536, body.length - off));
        }
        out.flush();
        bytesSent += bytes.length + body.length;
        return read();
    }

    /** POSTs a head announcing {@code declared} body bytes, sends only {@code sent} of them, then reads a response. */
    Response postPartially(String host, String path, String token, int declared, int sent) throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token
                + "\r\nContent-Length: " + declared + "\r\n\r\n" + "x".repeat(sent);
        byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes);
        out.flush();
        bytesSent += bytes.length;
        return read();
    }

    /**
     * POSTs with {@code Expect: 100-continue}, as curl does for large bodies: the body is sent only after an interim
     * 100 response; any other response is returned as is.
     */
    Response postExpectingContinue(String host, String path, String token, byte[] body) throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token
                + "\r\nContent-Length: " + body.length + "\r\nExpect: 100-continue\r\n\r\n";
        byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes);
        out.flush();
        bytesSent += bytes.length;
        Response first = read();
        if (first.status() != 100) {
            return first;
        }
        out.write(body);
        out.flush();
        bytesSent += body.length;
        return read();
    }

    /** Sends all requests in one write, then reads their responses in order. */
    java.util.List<Response> pipelined(String host, java.util.List<String> paths, String token) throws IOException {
        StringBuilder all = new StringBuilder();
        for (String path : paths) {
            all.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host)
                    .append("\r\nAuthorization: Bearer ").append(token).append("\r\n\r\n");
        }
        byte[] bytes = all.toString().getBytes(StandardCharsets.US_ASCII);
        out.write(bytes);
        out.flush();
        bytesSent += bytes.length;
        java.util.List<Response> responses = new java.util.ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            responses.add(read());
        }
        return responses;
    }

    /** Reads a response; a chunked body is decoded. */
    private Response read() throws IOException {
        Response head = new Response(0, readHead(), "").withStatus();
        String te = head.header("Transfer-Encoding");
        if (te == null || !te.toLowerCase(Locale.ROOT).contains("chunked")) {
            String length = head.header("Content-Length");
            byte[] body = in.readNBytes(length == null ? 0 : Integer.parseInt(length));
            bytesReceived += body.length;
            return new Response(head.status(), head.headers(), new String(body, StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine();
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                while (!readLine().isEmpty()) {
                    // trailers
                }
                return new Response(head.status(), head.headers(), body.toString(StandardCharsets.UTF_8));
            }
            body.write(in.readNBytes(size));
            bytesReceived += size;
            readLine();
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("connection closed in a chunked body");
            }
            line.write(b);
        }
        bytesReceived += line.size() + 1;
        return line.toString(StandardCharsets.US_ASCII).replace("\r", "");
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before a response");
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        bytesReceived += head.size();
        return head.toString(StandardCharsets.US_ASCII);
    }

    /** True once the server has closed the connection (a read returns end of stream). */
    boolean closedByServer(int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset by peer
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
