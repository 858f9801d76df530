package io.zerotrust.demo.sim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Makes the attempts of a plan for real: HTTP requests through the gateway's listener, as the simulated person's
 * client would make them (its token, the service's host name, one connection per visit), and TCP sessions through
 * the gateway's pass-through listeners. The simulator connects from loopback, which the demo gateway trusts to name
 * the simulated client in {@code X-Forwarded-For}; TCP listeners see the loopback address. Probes of closed ports
 * never reach the gateway: they go to {@code sensor}, which reports them as the network sensor would.
 */
public final class Driver {

    /** What became of an attempt: the HTTP status (0 for TCP or when no response came) and the bytes read. */
    public record Outcome(int status, long bytesReceived, String error) {
        public boolean ok() {
            return error == null;
        }
    }

    private static final long TOKEN_VALIDITY_MS = 30 * 60_000L;
    private static final int TIMEOUT_MS = 30_000;

    private final int httpPort;
    private final Map<String, Integer> tcpPorts;
    private final DemoIdentityProvider idp;
    private final Clock clock;
    private final Consumer<Attempt> sensor;
    private final Map<String, String[]> tokens = new ConcurrentHashMap<>();

    /**
     * @param httpPort  the gateway's HTTP listener on 127.0.0.1
     * @param tcpPorts  the gateway's TCP listeners on 127.0.0.1, by service name
     * @param sensor    where probes of closed ports go
     */
    public Driver(int httpPort, Map<String, Integer> tcpPorts, DemoIdentityProvider idp, Clock clock,
                  Consumer<Attempt> sensor) {
        this.httpPort = httpPort;
        this.tcpPorts = Map.copyOf(tcpPorts);
        this.idp = idp;
        this.clock = clock;
        this.sensor = sensor;
    }

    public Outcome run(Attempt a) {
        try {
            return switch (a.kind()) {
                case LOGIN -> http(a, token(a.user(), a.device()));
                case BAD_TOKEN -> http(a, idp.forged(a.user(), a.device(), clock.millis(), TOKEN_VALIDITY_MS));
                case TCP -> tcp(a);
                case PROBE -> {
                    sensor.accept(a);
                    yield new Outcome(0, 0, null);
                }
            };
        } catch (IOException e) {
            return new Outcome(0, 0, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** A token per person and device, renewed when less than half of its validity is left. */
    private String token(String user, String device) {
        long now = clock.millis();
        String[] cached = tokens.get(user + "|" + device);
        if (cached != null && Long.parseLong(cached[1]) - now > TOKEN_VALIDITY_MS / 2) {
            return cached[0];
        }
        String token = idp.token(user, device, now, TOKEN_VALIDITY_MS);
        tokens.put(user + "|" + device, new String[] {token, Long.toString(now + TOKEN_VALIDITY_MS)});
        return token;
    }

    private Outcome http(Attempt a, String token) throws IOException {
        Service s = Service.named(a.service());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", httpPort), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            String request = "GET /api/visit?bytes=" + a.bytesOut() + " HTTP/1.1\r\nHost: " + s.host()
                    + "\r\nAuthorization: Bearer " + token + "\r\nX-Forwarded-For: " + a.srcIp()
                    + "\r\nUser-Agent: demo-simulator\r\nConnection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream statusLine = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                statusLine.write(b);
            }
            String line = statusLine.toString(StandardCharsets.US_ASCII);
            if (!line.startsWith("HTTP/1.1 ") || line.length() < 12) {
                return new Outcome(0, statusLine.size(), "no HTTP response: '" + line.trim() + "'");
            }
            int status = Integer.parseInt(line.substring(9, 12));
            long read = statusLine.size() + 1 + in.transferTo(OutputStream.nullOutputStream());
            return new Outcome(status, read, null);
        }
    }

    private Outcome tcp(Attempt a) throws IOException {
        Integer port = tcpPorts.get(a.service());
        if (port == null) {
            return new Outcome(0, 0, "the gateway has no TCP listener for " + a.service());
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            InputStream in = socket.getInputStream();
            long read = 0;
            int b;
            while ((b = in.read()) >= 0) { // the banner, then the echo of our line
                read++;
                if (b == '\n' && read > 1) {
                    break;
                }
            }
            if (b < 0) {
                return new Outcome(0, read, "closed by the gateway");
            }
            socket.getOutputStream().write("exit\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            while ((b = in.read()) >= 0) {
                read++;
                if (b == '\n') {
                    break;
                }
            }
            return new Outcome(0, read, b < 0 ? "closed by the gateway" : null);
        }
    }
}
