package io.zerotrust.gateway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zerotrust.gateway.admin.AdminServer;
import io.zerotrust.gateway.admin.ManualOverride;
import io.zerotrust.gateway.config.GatewayConfig;
import io.zerotrust.gateway.decisions.DecisionCache;
import io.zerotrust.gateway.decisions.DecisionFeed;
import io.zerotrust.gateway.decisions.SessionRegistry;
import io.zerotrust.gateway.decisions.Throttle;
import io.zerotrust.gateway.events.ConnectionEvents;
import io.zerotrust.gateway.events.EventPublisher;
import io.zerotrust.gateway.identity.JwtAuthenticator;
import io.zerotrust.gateway.proxy.ProxyServer;
import io.zerotrust.gateway.proxy.TlsContexts;
import io.zerotrust.gateway.routing.Route;
import io.zerotrust.gateway.proxy.ProxyContext;
import io.zerotrust.gateway.routing.RouteTable;
import io.zerotrust.schemas.registry.RegistryClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The enforcement gateway, wired: the decision feed fills the cache, the HTTP proxy consults it for every request and
 * emits connection events through the publisher, and the admin server reports health, readiness and metrics.
 * {@link #close()} stops accepting, then stops the feed and sends what is queued.
 */
public final class Gateway implements AutoCloseable {

    private final Deque<AutoCloseable> parts = new ArrayDeque<>();
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DecisionFeed feed;
    private final EventPublisher publisher;
    private final ProxyServer proxy;
    private final AdminServer admin;
    private final GatewayConfig config;

    private Gateway(GatewayConfig config, Path configDir, Clock clock) throws Exception {
        this.config = config;
        try {
            RegistryClient registry = RegistryClient.connect(config.kafka().registryUrl());
            parts.push(registry);
            publisher = new EventPublisher(config.kafka().bootstrap(), registry, config.eventQueueCapacity(),
                    config.spillDir(), config.gatewayId() + "-events", metrics);
            parts.push(publisher);
            publisher.resolveSchemas();
            DecisionCache cache = new DecisionCache();
            SessionRegistry sessions = new SessionRegistry();
            feed = new DecisionFeed(config.kafka().bootstrap(), registry, cache, sessions, publisher::ack,
                    config.gatewayId(), clock, metrics);
            parts.push(feed);
            feed.start();
            ProxyContext context = new ProxyContext(RouteTable.from(config), JwtAuthenticator.from(config, configDir,
                    clock), cache, feed::staleness, config.maxDecisionStaleness(), sessions, new Throttle(),
                    new ConnectionEvents(config.gatewayId()), publisher::emit, clock, metrics,
                    config.maxRequestBytes(), config.idleTimeout(), config.forwardedFor());
            metrics.gauge("gateway_connections_live", sessions, SessionRegistry::liveConnections);
            java.util.List<ProxyServer.TcpListener> tcp = new java.util.ArrayList<>();
            for (int i = 0; i < config.tcpRoutes().size(); i++) {
                GatewayConfig.TcpRoute t = config.tcpRoutes().get(i);
                String key = "tcp[" + i + "]";
                tcp.add(new ProxyServer.TcpListener(key + ".listen",
                        GatewayConfig.parseAddress(key + ".listen", t.listen()),
                        new Route(t.name(), null, "/", GatewayConfig.parseAddress(key + ".upstream", t.upstream()),
                                t.service() == null ? t.name() : t.service(), false,
                                t.onStaleDecisions() == null || t.onStaleDecisions().equalsIgnoreCase("fail-closed"))));
            }
            proxy = ProxyServer.start(context, GatewayConfig.parseAddress("http.listen", config.http().listen()),
                    TlsContexts.server(config.http().tls(), configDir), tcp);
            parts.push(proxy);
            admin = config.admin() == null ? null : AdminServer.start(
                    GatewayConfig.parseAddress("admin.listen", config.admin().listen()), metrics, this::notReady,
                    new ManualOverride(config.admin().token(), publisher::publishDecision, config.gatewayId(),
                            clock));
            if (admin != null) {
                parts.push(admin);
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** Starts a gateway; {@code configDir} resolves relative paths of the configuration (key files). */
    public static Gateway start(GatewayConfig config, Path configDir, Clock clock) throws Exception {
        return new Gateway(config, configDir, clock);
    }

    /** Null when ready to serve, else why not. */
    public String notReady() {
        if (!feed.caughtUp()) {
            return "the decision cache has not caught up with enforcement.decisions yet (lag " + feed.lag() + ")";
        }
        if (feed.staleness().compareTo(config.maxDecisionStaleness()) > 0) {
            return "the decision cache is stale: last heard from Kafka " + feed.staleness().toSeconds() + " s ago";
        }
        return null;
    }

    public int httpPort() {
        return proxy.port("http.listen");
    }

    /** The port of the {@code index}-th TCP listener of the configuration. */
    public int tcpPort(int index) {
        return proxy.port("tcp[" + index + "].listen");
    }

    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** The socket transport in use: io_uring, epoll or nio. */
    public String transport() {
        return proxy.transport();
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    @Override
    public void close() {
        while (!parts.isEmpty()) {
            try {
                parts.pop().close();
            } catch (Exception e) {
                System.err.println("warning: stopping the gateway: " + e);
            }
        }
    }
}
