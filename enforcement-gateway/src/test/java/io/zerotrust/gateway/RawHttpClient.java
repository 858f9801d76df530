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
        String req = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: raw-test\r\n"
                + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
        byte[] bytes = req.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes);
        out.flush();
        bytesSent += bytes.length;
        return read();
    }

    private Response read() throws IOException {
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
        String headers = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        bytesReceived += head.size() + body.length;
        return new Response(Integer.parseInt(headers.substring(9, 12)), headers,
                new String(body, StandardCharsets.UTF_8));
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
