package io.zerotrust.schemas.policy;

import java.io.Serializable;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An entity pattern of allow-list and override rules, as the risk engine matches it and the console checks it: an
 * exact typed key ({@code user:alice}), a prefix ({@code user:svc-*}), or an address range ({@code ip:10.0.0.0/8},
 * IPv4 or IPv6). Addresses are literals, never names to look up.
 */
public final class EntityPattern implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String text;
    private final String prefix;
    private final byte[] network;
    private final int bits;

    private EntityPattern(String text, String prefix, byte[] network, int bits) {
        this.text = text;
        this.prefix = prefix;
        this.network = network;
        this.bits = bits;
    }

    /** Parses a pattern; fails with a message naming it when it is malformed. */
    public static EntityPattern parse(String text) {
        String t = text.strip();
        if (!t.matches("(user|device|ip|service):\\S{0,250}")) {
            throw new IllegalArgumentException("'" + text + "' is not a typed key or pattern (user:alice, user:svc-*, "
                    + "device:…, service:…, ip:203.0.113.9 or ip:10.0.0.0/8)");
        }
        if (t.endsWith("*")) {
            return new EntityPattern(t, t.substring(0, t.length() - 1), null, 0);
        }
        if (t.startsWith("ip:") && t.indexOf('/') > 0) {
            String[] parts = t.substring(3).split("/", 2);
            try {
                if (!parts[0].matches("[0-9A-Fa-f.:]+")) { // an address, never a name to look up
                    throw new IllegalArgumentException("not an address");
                }
                byte[] net = InetAddress.getByName(parts[0]).getAddress();
                int bits = Integer.parseInt(parts[1]);
                if (bits < 0 || bits > net.length * 8) {
                    throw new IllegalArgumentException("prefix length out of range");
                }
                return new EntityPattern(t, null, net, bits);
            } catch (UnknownHostException | RuntimeException e) {
                throw new IllegalArgumentException("bad address range '" + text + "': " + e.getMessage(), e);
            }
        }
        return new EntityPattern(t, null, null, 0);
    }

    public boolean matches(String entity) {
        if (prefix != null) {
            return entity.startsWith(prefix);
        }
        if (network == null) {
            return entity.equals(text);
        }
        if (!entity.startsWith("ip:")) {
            return false;
        }
        String ip = entity.substring(3);
        if (ip.isEmpty() || !ip.matches("[0-9A-Fa-f.:]+")) {
            return false;
        }
        byte[] addr;
        try {
            addr = InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            return false;
        }
        if (addr.length != network.length) {
            return false;
        }
        for (int i = 0; i < bits / 8; i++) {
            if (addr[i] != network[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        int mask = rest == 0 ? 0 : 0xFF << (8 - rest) & 0xFF;
        return rest == 0 || (addr[bits / 8] & mask) == (network[bits / 8] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
