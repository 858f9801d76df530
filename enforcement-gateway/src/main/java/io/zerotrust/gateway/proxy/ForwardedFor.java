package io.zerotrust.gateway.proxy;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who the client is when the gateway sits behind proxies it trusts (a load balancer, the demo's traffic simulator):
 * a connection from a trusted address may name its client in {@code X-Forwarded-For}. The list is read from the
 * right, skipping trusted addresses; the first other address is the client. From any other peer the header is not
 * believed (and the gateway replaces it before the request goes upstream). Addresses are literals only: nothing is
 * ever resolved through DNS.
 */
public final class ForwardedFor {

    private static final ForwardedFor NONE = new ForwardedFor(List.of());
    private final List<IpSubnetFilterRule> trusted;

    private ForwardedFor(List<IpSubnetFilterRule> trusted) {
        this.trusted = List.copyOf(trusted);
    }

    public static ForwardedFor none() {
        return NONE;
    }

    /** From address ranges such as {@code 10.0.0.0/8}, {@code 127.0.0.1} or {@code fd00::/8}. */
    public static ForwardedFor trusting(List<String> ranges) {
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String range : ranges) {
            rules.add(rule(range));
        }
        return new ForwardedFor(rules);
    }

    /** Parses one range; the message of the exception says what is wrong with it. */
    public static IpSubnetFilterRule rule(String range) {
        String s = range == null ? "" : range.trim();
        int slash = s.indexOf('/');
        String ip = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + range + "' is not an address or address range (e.g. 10.0.0.0/8)");
        }
        int max = bytes.length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + range + "' has a prefix length that is not a number");
        }
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("'" + range + "' has a prefix length outside 0-" + max);
        }
        return new IpSubnetFilterRule(ip, prefix, IpFilterRuleType.ACCEPT);
    }

    public boolean isEmpty() {
        return trusted.isEmpty();
    }

    /** Whether {@code ip} (an address literal) is a trusted proxy. */
    public boolean trusts(String ip) {
        if (trusted.isEmpty()) {
            return false;
        }
        InetSocketAddress address = socketAddress(ip);
        if (address == null) {
            return false;
        }
        for (IpSubnetFilterRule r : trusted) {
            if (r.matches(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The client of a request that came from {@code peer}: the peer itself when it is not trusted or names nobody,
     * else the rightmost untrusted address of the {@code X-Forwarded-For} values (the leftmost when all are trusted).
     *
     * @throws IllegalArgumentException when a trusted peer's header holds something that is not an address
     */
    public String client(String peer, List<String> headerValues) {
        if (headerValues.isEmpty() || !trusts(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String value : headerValues) {
            for (String hop : value.split(",")) {
                hops.add(hop.trim());
            }
        }
        String leftmost = null;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i);
            InetSocketAddress address = socketAddress(hop);
            if (address == null) {
                throw new IllegalArgumentException("X-Forwarded-For holds '" + (hop.length() > 60
                        ? hop.substring(0, 60) + "..." : hop) + "', which is not an address");
            }
            String normal = address.getAddress().getHostAddress();
            if (!trusts(normal)) {
                return normal;
            }
            leftmost = normal;
        }
        return leftmost;
    }

    private static InetSocketAddress socketAddress(String ip) {
        byte[] bytes = ip == null ? null : NetUtil.createByteArrayFromIpAddressString(ip);
        if (bytes == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), 0);
        } catch (UnknownHostException e) {
            return null; // not reached: the length is 4 or 16
        }
    }
}
