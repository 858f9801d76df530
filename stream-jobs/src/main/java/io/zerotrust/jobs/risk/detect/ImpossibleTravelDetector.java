package io.zerotrust.jobs.risk.detect;

import io.zerotrust.schemas.geo.GeoTable;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.TravelState;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Impossible travel: two consecutive successful logins of a user from places farther apart than anyone could travel
 * in the time between them ({@code impossible_travel.max_kmh}, airliner speed by default). Places come from the
 * address-range table; logins from unlocated addresses are skipped, and hops shorter than
 * {@code impossible_travel.min_km} are ignored (range tables are coarse, VPN exits move).
 */
public final class ImpossibleTravelDetector implements Detector<TravelState> {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "impossible_travel";

    private final GeoTable geo;
    private final double maxKmh;
    private final double minKm;
    private final double points;
    private final long cooldownMs;

    public ImpossibleTravelDetector(GeoTable geo, DetectorParams p) {
        this.geo = geo;
        this.maxKmh = p.get("impossible_travel.max_kmh");
        this.minKm = p.get("impossible_travel.min_km");
        this.points = p.get("impossible_travel.points");
        this.cooldownMs = p.cooldownMs();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EntityType entityType() {
        return EntityType.USER;
    }

    @Override
    public String entityOf(ConnectionEvent event) {
        return Entities.user(event);
    }

    @Override
    public Class<TravelState> stateClass() {
        return TravelState.class;
    }

    @Override
    public TravelState newState() {
        return TravelState.newBuilder().build();
    }

    /**
     * The speed needed to cover {@code km} in {@code elapsedMs}, in km/h; infinite for a positive distance in no
     * time (two logins in the same millisecond from different continents).
     */
    public static double speedKmh(double km, long elapsedMs) {
        if (elapsedMs <= 0) {
            return km > 0 ? Double.POSITIVE_INFINITY : 0.0;
        }
        return km / (elapsedMs / 3_600_000.0);
    }

    /** The rule: far enough apart to matter, and faster than {@code maxKmh}. */
    public static boolean isImpossible(double km, long elapsedMs, double minKm, double maxKmh) {
        return km >= minKm && speedKmh(km, elapsedMs) > maxKmh;
    }

    @Override
    public Optional<Finding> observe(TravelState s, ConnectionEvent e) {
        if (!Entities.loggedIn(e)) {
            return Optional.empty();
        }
        Optional<GeoTable.Place> where = geo.locate(e.getSrc().getIp());
        if (where.isEmpty()) {
            return Optional.empty();
        }
        GeoTable.Place here = where.get();
        long t = e.getEventTime();
        Optional<Finding> finding = Optional.empty();
        boolean hasPrevious = !s.getEventId().isEmpty();
        if (hasPrevious && t < s.getTime()) {
            return Optional.empty(); // an older login arriving late says nothing about the latest one
        }
        if (hasPrevious) {
            double km = GeoTable.distanceKm(s.getLatitude(), s.getLongitude(), here.latitude(), here.longitude());
            long elapsed = t - s.getTime();
            if (isImpossible(km, elapsed, minKm, maxKmh) && !Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
                s.setLastFiredAt(t);
                double speed = speedKmh(km, elapsed);
                finding = Optional.of(new Finding(Rules.severityOf(points), points,
                        "logins from " + s.getCountry() + " (" + s.getIp() + ") and " + here.country() + " ("
                                + e.getSrc().getIp() + ") " + Math.round(km) + " km apart within "
                                + Math.max(0, elapsed / 60_000) + " min ("
                                + (Double.isInfinite(speed) ? "no time" : Math.round(speed) + " km/h") + ", limit "
                                + Math.round(maxKmh) + " km/h)",
                        Double.isInfinite(speed) ? null : speed, maxKmh, s.getTime(), t,
                        List.of(s.getEventId(), e.getEventId()),
                        Map.of("from_country", s.getCountry(), "to_country", here.country(),
                                "km", Long.toString(Math.round(km)))));
            }
        }
        s.setTime(t);
        s.setLatitude(here.latitude());
        s.setLongitude(here.longitude());
        s.setCountry(here.country());
        s.setIp(e.getSrc().getIp());
        s.setEventId(e.getEventId());
        return finding;
    }
}
