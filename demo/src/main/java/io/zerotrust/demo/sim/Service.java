package io.zerotrust.demo.sim;

import java.util.List;

/** A service behind the demo gateway: an HTTP route (by host) or a TCP pass-through listener. */
public record Service(String name, int port, boolean tcp) {

    /** The built-in services of the demo: twelve HTTP routes on port 443 and two TCP services. */
    public static final List<Service> ALL = List.of(
            http("wiki"), http("git"), http("crm"), http("payroll"), http("hr"), http("tickets"), http("chat"),
            http("docs"), http("finance"), http("builds"), http("metrics"), http("vault"),
            new Service("ssh", 22, true), new Service("postgres", 5432, true));

    private static Service http(String name) {
        return new Service(name, 443, false);
    }

    public static Service named(String name) {
        return ALL.stream().filter(s -> s.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service " + name));
    }

    /** The host name an HTTP route of the demo matches, e.g. {@code wiki.demo.internal}. */
    public String host() {
        return name + ".demo.internal";
    }
}
