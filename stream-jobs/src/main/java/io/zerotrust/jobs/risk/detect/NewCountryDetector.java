package io.zerotrust.jobs.risk.detect;

import io.zerotrust.schemas.geo.GeoTable;
import io.zerotrust.avro.ConnectionEvent;

/**
 * New country: a successful login of a user from a country the user has never logged in from. The country is the
 * event's own (set by ingest enrichment) or the address-range table's.
 */
public final class NewCountryDetector extends NoveltyDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "new_country";

    private final GeoTable geo;

    public NewCountryDetector(GeoTable geo, DetectorParams p) {
        super(NAME, p, 0);
        this.geo = geo;
    }

    @Override
    protected String thingOf(ConnectionEvent e) {
        if (!Entities.loggedIn(e)) {
            return null;
        }
        if (e.getSrc().getCountry() != null && !e.getSrc().getCountry().isEmpty()) {
            return e.getSrc().getCountry();
        }
        return geo.locate(e.getSrc().getIp()).map(GeoTable.Place::country).orElse(null);
    }

    @Override
    protected String describe(String country, int known) {
        return "login from new country " + country + " (" + known + " known)";
    }
}
