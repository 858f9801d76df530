package io.zerotrust.gateway.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.gateway.decisions.DecisionCache;
import io.zerotrust.gateway.decisions.SessionRegistry;
import io.zerotrust.gateway.decisions.Throttle;
import io.zerotrust.gateway.events.ConnectionEvents;
import io.zerotrust.gateway.identity.JwtAuthenticator;
import io.zerotrust.gateway.routing.RouteTable;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What every client connection's handlers share: routes, identity, decisions, the live-session registry, where
 * events go, the clock and the metrics. {@code decisionStaleness} is how old the decision cache is;
 * {@code forwardedFor}, which peers may name the client.
 */
public record ProxyContext(RouteTable routes, JwtAuthenticator jwt, DecisionCache decisions,
                           Supplier<Duration> decisionStaleness, Duration maxStaleness, SessionRegistry sessions,
                           Throttle throttle, ConnectionEvents events, Consumer<ConnectionEvent> emit, Clock clock,
                           MeterRegistry metrics, int maxRequestBytes, Duration idleTimeout,
                           ForwardedFor forwardedFor) {

    boolean stale() {
        return decisionStaleness.get().compareTo(maxStaleness) > 0;
    }
}
