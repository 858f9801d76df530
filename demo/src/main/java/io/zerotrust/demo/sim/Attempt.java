package io.zerotrust.demo.sim;

/**
 * One connection attempt of the simulation, as the traffic driver makes it through the gateway: who (user and
 * device, as the bearer token names them), from which address, to which service, what happens, and which scripted
 * scenario it belongs to ({@code null}: the benign population's own habits).
 *
 * @param time      when, in milliseconds (event time of the history, or the offset into the live phase)
 * @param kind      what the attempt does
 * @param user      the user the token names (for a forged token: the user it claims)
 * @param device    the device the token names
 * @param srcIp     the client address the gateway sees
 * @param service   the route's service (HTTP) or listener's service (TCP)
 * @param port      the destination port (the service's port; for a probe, the port probed)
 * @param bytesOut  bytes the client receives (the gateway's bytes out)
 * @param bytesIn   bytes the client sends
 * @param scenario  the scripted scenario, or null for benign traffic
 */
public record Attempt(long time, Kind kind, String user, String device, String srcIp, String service, int port,
                      long bytesOut, long bytesIn, String scenario) {

    public enum Kind {
        /** A request with a valid token: the connection opens, carries the request and closes. */
        LOGIN,
        /** A request whose token is forged (bad signature) for {@code user}: refused, an authentication failure. */
        BAD_TOKEN,
        /** A TCP connection to a pass-through listener that opens and closes. */
        TCP,
        /** A TCP connection attempt to a port nothing listens on: refused (seen by the network sensor). */
        PROBE
    }

    public boolean benign() {
        return scenario == null;
    }

    /** The same attempt at another time. */
    public Attempt at(long t) {
        return new Attempt(t, kind, user, device, srcIp, service, port, bytesOut, bytesIn, scenario);
    }
}
