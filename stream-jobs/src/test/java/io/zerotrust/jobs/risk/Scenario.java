package io.zerotrust.jobs.risk;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DestinationEndpoint;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A benign synthetic population with habits (four working days of logins to their usual services from their own
 * device and office address) and, on the fifth day, scripted attacks with their ground truth: which entity must get
 * at least which action, with which detector among the reasons. Entity names carry the run's prefix.
 */
public final class Scenario {

    /** What must happen to an attacked entity. */
    public record Expectation(String entity, Action atLeast, String detector) {
    }

    public static final int USERS = 20;
    public final String run;
    public final long monday;
    public final List<ConnectionEvent> events = new ArrayList<>();
    public final Map<String, Expectation> expected = new LinkedHashMap<>();
    public final List<String> benignUsers = new ArrayList<>();
    private final Random random;

    public Scenario(String run, long seed) {
        this.run = run;
        this.random = new Random(seed);
        this.monday = ZonedDateTime.now(ZoneOffset.UTC).minusDays(14).with(TemporalAdjusters.previousOrSame(
                DayOfWeek.MONDAY)).truncatedTo(ChronoUnit.DAYS).toInstant().toEpochMilli();
    }

    public String user(int i) {
        return run + "-u" + i;
    }

    private long at(int day, int hour, int minute, int second) {
        return monday + ((day * 24L + hour) * 60 + minute) * 60_000L + second * 1_000L;
    }

    private String officeIp(int i) {
        return "10.0." + (i / 200) + "." + (i % 200 + 10);
    }

    /** Four days of ordinary work for every user. */
    public Scenario benign() {
        String[] services = {"portal", "mail", "wiki", "git", "crm", "files"};
        for (int i = 0; i < USERS; i++) {
            benignUsers.add(user(i));
        }
        for (int day = 0; day < 4; day++) {
            for (int i = 0; i < USERS; i++) {
                String u = user(i);
                for (int k = 0; k < 10; k++) {
                    long t = at(day, 9, k * 45 + random.nextInt(30), random.nextInt(60));
                    String service = services[(i + k) % 3 + (i % 2) * 3];
                    ConnectionEvent open = TestEvents.login(u, "laptop-" + u, officeIp(i), service, t);
                    events.add(open);
                    events.add(TestEvents.close(u, officeIp(i), service, 500_000 + random.nextInt(2_500_000),
                            t + 60_000 + random.nextInt(600_000)));
                }
                if (random.nextInt(4) == 0) {
                    events.add(TestEvents.failure(u, officeIp(i), at(day, 8, 55, random.nextInt(60))));
                }
            }
        }
        return this;
    }

    private String victim(int i) {
        String u = user(i);
        benignUsers.remove(u);
        return u;
    }

    /** The attacks of the fifth day, each on its own entity. */
    public Scenario attacks() {
        // password spray from one source against eight users, one attempt each
        String sprayer = "198.18.6.66";
        for (int i = 0; i < 8; i++) {
            events.add(TestEvents.failure(user(10 + i), sprayer, at(4, 10, 0, i * 20)));
        }
        expect("ip:" + sprayer, Action.BLOCK, "password_spray");

        // brute force against one user from one source
        String bf = victim(0);
        for (int i = 0; i < 12; i++) {
            events.add(TestEvents.failure(bf, "203.0.113.50", at(4, 10, 30, i * 10)));
        }
        expect("user:" + bf, Action.STEP_UP, "brute_force");
        expect("ip:203.0.113.50", Action.THROTTLE, "brute_force");

        // impossible travel: New York, then Tokyo twenty minutes later
        String traveler = victim(1);
        events.add(TestEvents.login(traveler, "laptop-" + traveler, officeIp(1), "portal", at(4, 11, 0, 0)));
        events.add(TestEvents.login(traveler, "laptop-" + traveler, "203.0.113.9", "portal", at(4, 11, 20, 0)));
        expect("user:" + traveler, Action.STEP_UP, "impossible_travel");

        // a stolen token used from a device never seen
        String stolen = victim(2);
        events.add(TestEvents.login(stolen, "unknown-pc", officeIp(2), "mail", at(4, 12, 0, 0)));
        expect("user:" + stolen, Action.STEP_UP, "new_device");

        // exfiltration: 500 MB out on one connection
        String hoarder = victim(3);
        events.add(TestEvents.login(hoarder, "laptop-" + hoarder, officeIp(3), "files", at(4, 13, 0, 0)));
        events.add(TestEvents.close(hoarder, officeIp(3), "files", 500_000_000L, at(4, 13, 20, 0)));
        expect("user:" + hoarder, Action.BLOCK, "exfiltration");

        // a port scan over TCP from an outside source
        String scanner = "198.18.7.77";
        for (int port = 1; port <= 20; port++) {
            events.add(TestEvents.probe(scanner, "10.1.0.20", port * 100 + 22, at(4, 14, 0, port * 2)));
        }
        expect("ip:" + scanner, Action.BLOCK, "port_scan");

        // lateral movement: one user reaching twelve hosts in three minutes
        String mover = victim(4);
        for (int h = 0; h < 12; h++) {
            ConnectionEvent e = TestEvents.login(mover, "laptop-" + mover, officeIp(4), "host-" + h,
                    at(4, 15, 0, h * 15));
            e.setDst(DestinationEndpoint.newBuilder().setService("host-" + h).setHost("host-" + h + ".internal")
                    .setIp("10.1.9." + h).setPort(445).build());
            events.add(e);
        }
        expect("user:" + mover, Action.BLOCK, "fan_out");
        return this;
    }

    private void expect(String entity, Action atLeast, String detector) {
        expected.put(entity, new Expectation(entity, atLeast, detector));
    }

    /** Events in event-time order, as a gateway would emit them. */
    public List<ConnectionEvent> ordered() {
        List<ConnectionEvent> out = new ArrayList<>(events);
        out.sort(Comparator.comparingLong(ConnectionEvent::getEventTime));
        return out;
    }

    public long end() {
        return events.stream().mapToLong(ConnectionEvent::getEventTime).max().orElse(monday);
    }

    @Override
    public String toString() {
        return "Scenario[" + run + ", " + events.size() + " events from " + Instant.ofEpochMilli(monday) + "]";
    }
}
