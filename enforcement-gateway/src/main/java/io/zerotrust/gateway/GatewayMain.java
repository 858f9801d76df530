package io.zerotrust.gateway;

import io.zerotrust.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the gateway: {@code GatewayMain <config.yaml>}. Exits 2 on a configuration error (the message names the key),
 * 1 when it cannot start; stops cleanly on SIGTERM or Ctrl-C.
 */
public final class GatewayMain {

    private GatewayMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: GatewayMain <config.yaml>   (see docs/gateway.md)");
            System.exit(2);
        }
        Path file = Path.of(args[0]).toAbsolutePath();
        GatewayConfig config;
        try {
            config = GatewayConfig.load(file);
        } catch (GatewayConfig.ConfigException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Gateway gateway;
        try {
            gateway = Gateway.start(config, file.getParent(), Clock.systemUTC());
        } catch (Exception e) {
            System.err.println("error: the gateway cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "gateway-shutdown"));
        System.out.printf("gateway %s: HTTP on %s, admin on %s (%s transport)%n", config.gatewayId(),
                config.http().listen(), config.admin() == null ? "(none)" : config.admin().listen(),
                gateway.transport());
        stopped.await();
    }
}
