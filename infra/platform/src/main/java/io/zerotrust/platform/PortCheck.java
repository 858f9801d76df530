package io.zerotrust.platform;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks and picks loopback ports before any server starts, so a taken port fails fast and by name. */
public final class PortCheck {

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

    /** A port that was free on 127.0.0.1 a moment ago. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(PlatformConfig.HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new PlatformException("cannot find a free port on " + PlatformConfig.HOST + ": " + e.getMessage());
        }
    }
}
