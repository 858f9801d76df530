package io.zerotrust.demo.sim;

import java.util.List;

/**
 * A simulated user and their habits: one device, one home network, a few usual services, working hours (UTC) and
 * a typical response size.
 */
public record Person(String user, String device, String homeIp, String country, List<Service> services,
                     int workStartHour, int workEndHour, long typicalBytes) {

    public Person {
        services = List.copyOf(services);
    }
}
