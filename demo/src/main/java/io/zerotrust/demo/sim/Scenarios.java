package io.zerotrust.demo.sim;

import io.zerotrust.avro.Action;
import io.zerotrust.demo.sim.Attempt.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The scripted attacks of the demo, at fixed offsets into the live phase (which must last at least
 * {@link #MIN_LIVE_MS}). Attackers come from addresses of the bundled address table that no benign person uses
 * (Lagos, Tokyo, Moscow); the accounts they abuse are people of the population, who keep their own habits meanwhile.
 */
public final class Scenarios {

    /** The last attack starts at 5:00 and the risk engine needs some seconds after it. */
    public static final long MIN_LIVE_MS = 6 * 60_000L;

    /** The attackers' addresses of a run: fixed ones without a tag, else a host of the same /24 picked by the tag. */
    record Attackers(String stuffing, String spray, String travel, String stolen, String scanner, String device) {

        static Attackers of(String tag) {
            return new Attackers(host("198.18.7.", 10, tag, "stuffing"), host("203.0.113.", 50, tag, "spray"),
                    host("203.0.113.", 77, tag, "travel"), host("198.18.6.", 20, tag, "stolen"),
                    host("198.18.6.", 66, tag, "scanner"), "unknown-dev-7f3a" + (tag.isEmpty() ? "" : "-" + tag));
        }

        private static String host(String net, int fixed, String tag, String role) {
            return net + (tag.isEmpty() ? fixed : 1 + Math.floorMod((tag + "/" + role).hashCode(), 254));
        }
    }
    /** The address of the demo's gateway host as the network sensor sees it. */
    static final String GATEWAY_HOST_IP = "10.0.0.5";

    private Scenarios() {
    }

    /** The attacks against {@code population} (its first 30 people are the accounts involved). */
    public static List<Scenario> against(Population p) {
        return against(p, "");
    }

    /** As {@link #against(Population)}, from attacker addresses that depend on the run's {@code tag}. */
    public static List<Scenario> against(Population p, String tag) {
        if (p.size() < 30) {
            throw new IllegalArgumentException("the scenarios need a population of at least 30, got " + p.size());
        }
        Attackers x = Attackers.of(tag);
        return List.of(credentialStuffing(p, x.stuffing()), passwordSpray(p, x.spray()),
                impossibleTravel(p, x.travel()), stolenToken(p, x.stolen(), x.device()), lateralFanOut(p),
                portScan(x.scanner()), exfiltration(p));
    }

    /** Forged tokens for four accounts from one address, five tries each within a minute. */
    static Scenario credentialStuffing(Population p, String stuffingIp) {
        List<Attempt> a = new ArrayList<>();
        long start = 45_000;
        for (int i = 0; i < 20; i++) {
            Person victim = p.get(10 + i % 4);
            a.add(new Attempt(start + i * 3_000L, Kind.BAD_TOKEN, victim.user(), "kali-1", stuffingIp,
                    victim.services().get(0).name(), 443, 0, 600, "credential_stuffing"));
        }
        return new Scenario("credential_stuffing", "20 forged tokens for 4 accounts from " + stuffingIp
                + " (Lagos) within a minute", "ip:" + stuffingIp, Set.of("brute_force"), Action.THROTTLE, start, a);
    }

    /** One forged token each for ten accounts from one address, over a minute and a half. */
    static Scenario passwordSpray(Population p, String sprayIp) {
        List<Attempt> a = new ArrayList<>();
        long start = 90_000;
        for (int i = 0; i < 10; i++) {
            Person victim = p.get(20 + i);
            a.add(new Attempt(start + i * 9_000L, Kind.BAD_TOKEN, victim.user(), "spray-bot", sprayIp, "wiki", 443, 0,
                    600, "password_spray"));
        }
        return new Scenario("password_spray", "one forged token each for 10 accounts from " + sprayIp
                + " (Tokyo)", "ip:" + sprayIp, Set.of("password_spray"), Action.BLOCK, start, a);
    }

    /** An account used from its home network, then from Tokyo 30 seconds later. */
    static Scenario impossibleTravel(Population p, String travelIp) {
        Person v = p.get(1);
        long start = 120_000;
        Service s = v.services().get(0);
        List<Attempt> a = List.of(
                new Attempt(start, Kind.LOGIN, v.user(), v.device(), v.homeIp(), s.name(), s.port(), v.typicalBytes(),
                        900, "impossible_travel"),
                new Attempt(start + 30_000, Kind.LOGIN, v.user(), v.device(), travelIp, s.name(), s.port(),
                        v.typicalBytes(), 900, "impossible_travel"));
        return new Scenario("impossible_travel", v.user() + " from " + v.homeIp() + " (" + v.country()
                + "), then from " + travelIp + " (Tokyo) 30 s later", "user:" + v.user(),
                Set.of("impossible_travel"), Action.STEP_UP, start, a);
    }

    /** An account's valid credentials used from a device it never used, in a country it never logged in from. */
    static Scenario stolenToken(Population p, String stolenIp, String device) {
        Person v = p.get(2);
        long start = 165_000;
        List<Attempt> a = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Service s = v.services().get(i % v.services().size());
            a.add(new Attempt(start + i * 10_000L, Kind.LOGIN, v.user(), device, stolenIp, s.name(),
                    s.port(), v.typicalBytes(), 900, "stolen_token"));
        }
        return new Scenario("stolen_token", v.user() + "'s credentials on an unknown device from " + stolenIp
                + " (Moscow)", "user:" + v.user(), Set.of("new_device"), Action.STEP_UP, start, a);
    }

    /** A compromised workstation reaching every service within a minute. */
    static Scenario lateralFanOut(Population p) {
        Person v = p.get(3);
        long start = 210_000;
        List<Attempt> a = new ArrayList<>();
        int i = 0;
        for (Service s : Service.ALL) {
            a.add(new Attempt(start + i++ * 4_000L, s.tcp() ? Kind.TCP : Kind.LOGIN, v.user(), v.device(), v.homeIp(),
                    s.name(), s.port(), 4_000, 300, "lateral_fan_out"));
        }
        return new Scenario("lateral_fan_out", v.user() + " reaches all " + Service.ALL.size()
                + " services within a minute from " + v.homeIp(), "user:" + v.user(), Set.of("fan_out"), Action.BLOCK,
                start, a);
    }

    /** One address probing 26 ports of the gateway host within half a minute. */
    static Scenario portScan(String scannerIp) {
        List<Attempt> a = new ArrayList<>();
        long start = 255_000;
        for (int port = 20; port < 46; port++) {
            a.add(new Attempt(start + (port - 20) * 1_000L, Kind.PROBE, null, null, scannerIp, null, port, 0, 0,
                    "port_scan"));
        }
        return new Scenario("port_scan", "26 ports of the gateway host probed from " + scannerIp
                + " (Moscow) within half a minute", "ip:" + scannerIp, Set.of("port_scan"), Action.BLOCK, start, a);
    }

    /** One download far larger than anything the account moved before. */
    static Scenario exfiltration(Population p) {
        Person v = p.get(4);
        long start = 300_000;
        Service s = v.services().get(0);
        List<Attempt> a = List.of(new Attempt(start, Kind.LOGIN, v.user(), v.device(), v.homeIp(), s.name(), s.port(),
                120_000_000L, 900, "exfiltration"));
        return new Scenario("exfiltration", v.user() + " downloads 120 MB from " + s.name() + " (usually about "
                + v.typicalBytes() / 1_000 + " kB a request)", "user:" + v.user(), Set.of("exfiltration"),
                Action.BLOCK, start, a);
    }
}
