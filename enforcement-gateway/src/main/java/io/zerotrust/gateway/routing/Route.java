package io.zerotrust.gateway.routing;

import java.net.InetSocketAddress;

/**
 * A resolved route: requests for {@code host} (null: any host) whose path starts with {@code pathPrefix} go to
 * {@code upstream}. {@code failClosed} says what to do when the decision cache is staler than allowed.
 */
public record Route(String name, String host, String pathPrefix, InetSocketAddress upstream, String service,
                    boolean requireAuth, boolean failClosed) {
}
