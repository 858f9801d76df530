package io.zerotrust.demo.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The benign population, generated from a seed so that a run can be repeated exactly: each person has one laptop,
 * one home network (the New York headquarters, the London office or the Frankfurt office of the bundled address
 * table), three or four usual services and working hours.
 */
public final class Population {

    /** Home networks: address prefix and country, from the bundled address table ({@code geo/ip-ranges.csv}). */
    private static final String[][] HOMES = {
        {"10.1.", "US"}, {"10.1.", "US"}, {"10.2.", "US"}, {"172.16.4.", "GB"}, {"198.51.100.", "DE"}};

    private final List<Person> people;

    private Population(List<Person> people) {
        this.people = List.copyOf(people);
    }

    public static Population generate(long seed, int size) {
        return generate(seed, size, "");
    }

    /**
     * A population whose names and addresses also depend on {@code tag}: runs with different tags share no user,
     * device or address, so decisions still live from an earlier run on the same platform touch nobody of this one.
     */
    public static Population generate(long seed, int size, String tag) {
        if (size < 10 || size > 5_000) {
            throw new IllegalArgumentException("the population must have 10 to 5,000 people, got " + size);
        }
        Random r = new Random(tag.isEmpty() ? seed : seed * 1_000_003L + tag.hashCode());
        String suffix = tag.isEmpty() ? "" : "-" + tag;
        List<Service> http = Service.ALL.stream().filter(s -> !s.tcp()).toList();
        List<Person> people = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            String user = String.format("u%04d", i) + suffix;
            String[] home = HOMES[r.nextInt(HOMES.length)];
            String ip = home[0].chars().filter(c -> c == '.').count() == 2
                    ? home[0] + (1 + r.nextInt(250)) + "." + (1 + r.nextInt(250))
                    : home[0] + (1 + r.nextInt(250));
            List<Service> usual = new ArrayList<>();
            while (usual.size() < 3) {
                Service s = http.get(r.nextInt(http.size()));
                if (!usual.contains(s)) {
                    usual.add(s);
                }
            }
            if (r.nextInt(4) == 0) {
                usual.add(Service.named("ssh")); // engineers
            }
            int start = 6 + r.nextInt(4);
            long typical = 200_000L + r.nextInt(2_800_000);
            people.add(new Person(user, "laptop-" + user, ip, home[1], usual, start, start + 9, typical));
        }
        return new Population(people);
    }

    public List<Person> people() {
        return people;
    }

    public Person get(int i) {
        return people.get(i);
    }

    public int size() {
        return people.size();
    }
}
