package io.zerotrust.gateway.proxy;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.zerotrust.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.util.Locale;
import javax.net.ssl.SSLException;

/** Builds the HTTP listener's TLS context from the configuration; a bad file fails at start, naming the key. */
public final class TlsContexts {

    private TlsContexts() {
    }

    /** The server context for {@code http.tls}, or null when the listener is plain HTTP. */
    public static SslContext server(GatewayConfig.Tls tls, Path configDir) {
        if (tls == null) {
            return null;
        }
        try {
            SslContextBuilder b = SslContextBuilder.forServer(configDir.resolve(tls.certFile()).toFile(),
                    configDir.resolve(tls.keyFile()).toFile());
            if (tls.clientCaFile() != null) {
                b.trustManager(configDir.resolve(tls.clientCaFile()).toFile());
            }
            String auth = tls.clientAuth() == null ? (tls.clientCaFile() == null ? "none" : "optional")
                    : tls.clientAuth().toLowerCase(Locale.ROOT);
            b.clientAuth(switch (auth) {
                case "require" -> ClientAuth.REQUIRE;
                case "optional" -> ClientAuth.OPTIONAL;
                default -> ClientAuth.NONE;
            });
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new GatewayConfig.ConfigException("http.tls: cannot build the TLS context from certFile "
                    + tls.certFile() + ", keyFile " + tls.keyFile() + (tls.clientCaFile() == null ? ""
                    : ", clientCaFile " + tls.clientCaFile()) + ": " + e.getMessage()
                    + " (the key must be PEM PKCS#8, the certificates PEM)");
        }
    }
}
