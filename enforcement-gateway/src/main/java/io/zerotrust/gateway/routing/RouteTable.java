package io.zerotrust.gateway.routing;

import io.zerotrust.gateway.config.GatewayConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the route of a request: a route for the request's host beats a route for any host, and a longer path
 * prefix beats a shorter one. No match means the request is refused (deny by default).
 */
public final class RouteTable {

    private final List<Route> routes;

    public RouteTable(List<Route> routes) {
        List<Route> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparing((Route r) -> r.host() == null)
                .thenComparing(r -> -r.pathPrefix().length()));
        this.routes = List.copyOf(sorted);
    }

    public static RouteTable from(GatewayConfig config) {
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < config.http().routes().size(); i++) {
            GatewayConfig.Route r = config.http().routes().get(i);
            routes.add(new Route(r.name(), r.host() == null || r.host().equals("*") ? null
                    : r.host().toLowerCase(Locale.ROOT),
                    r.pathPrefix() == null ? "/" : r.pathPrefix(),
                    GatewayConfig.parseAddress("http.routes[" + i + "].upstream", r.upstream()),
                    r.service() == null ? r.name() : r.service(),
                    r.requireAuth() == null || r.requireAuth(),
                    r.onStaleDecisions() == null || r.onStaleDecisions().equalsIgnoreCase("fail-closed")));
        }
        return new RouteTable(routes);
    }

    /** The route for a request's Host header (port ignored) and path, if any. */
    public Optional<Route> match(String hostHeader, String path) {
        String host = hostOnly(hostHeader);
        String p = path == null || path.isEmpty() ? "/" : path;
        for (Route r : routes) {
            if ((r.host() == null || r.host().equals(host)) && p.startsWith(r.pathPrefix())) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    public List<Route> routes() {
        return routes;
    }

    static String hostOnly(String hostHeader) {
        if (hostHeader == null) {
            return null;
        }
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 ? h.substring(0, end + 1) : h;
        }
        int colon = h.indexOf(':');
        return colon >= 0 ? h.substring(0, colon) : h;
    }
}
