package io.zerotrust.platform;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks and picks loopback ports before any server starts, so a taken port fails fast and by name. */
public final class PortCheck {

    /** Ports handed out by {@link #freePort()} in this JVM, never handed out twice. */
    private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private PortCheck() {
    }

    /**
     * Throws when {@code port} cannot be bound on 127.0.0.1, naming the setting that chose it and how to change it.
     */
    public static void requireFree(String settingKey, String server, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // SO_REUSEADDR as the servers themselves use it: a listener still fails the bind, while connections
            // lingering in TIME_WAIT from an earlier run do not count as "in use".
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(PlatformConfig.HOST), port));
        } catch (IOException e) {
            throw new PlatformException("port " + port + " (" + server + ", setting " + settingKey
                    + ") is already in use on " + PlatformConfig.HOST + ". Stop what holds it (`ss -ltnp 'sport = :"
                    + port + "'` shows it; `./pipeline down` stops a platform started with `./pipeline up`),"
                    + " or choose another port with --" + settingKey + "=<port> or " + PlatformConfig.envName(settingKey)
                    + "=<port>.");
        }
    }

    /**
     * A port that was free on 127.0.0.1 a moment ago, chosen below Linux's ephemeral range (32768 and up): a port the
     * kernel hands out for {@code bind(0)} is one it may also give any outgoing connection before our server binds
     * it, which made a test platform fail now and then with "port already in use".
     */
    public static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            if (!GIVEN.add(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(InetAddress.getByName(PlatformConfig.HOST), port), 1);
                return port;
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new PlatformException("cannot find a free port on " + PlatformConfig.HOST + " between 20000 and 32000");
    }
}
