package io.zerotrust.schemas.geo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Where an address is: a table of address ranges (IPv4 or IPv6 CIDR) to a country and coordinates, most specific
 * range first. The file is CSV: {@code cidr,country,latitude,longitude[,label]}, with {@code #} comments.
 */
public final class GeoTable implements Serializable {

    private static final long serialVersionUID = 1L;

    /** A located place. */
    public record Place(String country, double latitude, double longitude, String label) implements Serializable {
    }

    private record Range(byte[] network, int prefix, Place place) implements Serializable {
    }

    private final List<Range> ranges;

    private GeoTable(List<Range> ranges) {
        ranges.sort(Comparator.comparingInt((Range r) -> -r.prefix()));
        this.ranges = List.copyOf(ranges);
    }

    public static GeoTable empty() {
        return new GeoTable(new ArrayList<>());
    }

    /** The table shipped with the pipeline ({@code geo/ip-ranges.csv} on the classpath, from the schemas module). */
    public static GeoTable bundled() {
        try (InputStream in = GeoTable.class.getClassLoader().getResourceAsStream("geo/ip-ranges.csv")) {
            if (in == null) {
                throw new IllegalStateException("geo/ip-ranges.csv is missing from the classpath");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "geo/ip-ranges.csv");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static GeoTable load(Path file) throws IOException {
        return parse(Files.readString(file), file.toString());
    }

    /** Parses the CSV; fails naming the source and line of a malformed row. */
    public static GeoTable parse(String csv, String source) {
        List<Range> ranges = new ArrayList<>();
        int n = 0;
        try (BufferedReader r = new BufferedReader(new java.io.StringReader(csv))) {
            for (String line; (line = r.readLine()) != null; ) {
                n++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(",", -1);
                try {
                    if (f.length < 4) {
                        throw new IllegalArgumentException("expected cidr,country,latitude,longitude[,label]");
                    }
                    String[] cidr = f[0].strip().split("/");
                    byte[] net = InetAddress.getByName(cidr[0]).getAddress();
                    int prefix = cidr.length > 1 ? Integer.parseInt(cidr[1]) : net.length * 8;
                    if (prefix < 0 || prefix > net.length * 8) {
                        throw new IllegalArgumentException("prefix length " + prefix + " out of range");
                    }
                    double lat = Double.parseDouble(f[2].strip());
                    double lon = Double.parseDouble(f[3].strip());
                    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
                        throw new IllegalArgumentException("coordinates out of range");
                    }
                    ranges.add(new Range(net, prefix, new Place(f[1].strip(), lat, lon,
                            f.length > 4 ? f[4].strip() : f[1].strip())));
                } catch (UnknownHostException | RuntimeException e) {
                    throw new IllegalArgumentException(source + " line " + n + ": " + e.getMessage() + ": " + line, e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new GeoTable(ranges);
    }

    /** The most specific range holding {@code ip} (a literal address; host names are not resolved). */
    public Optional<Place> locate(String ip) {
        if (ip == null || ip.isEmpty() || !(Character.isDigit(ip.charAt(0)) || ip.indexOf(':') >= 0)) {
            return Optional.empty();
        }
        byte[] addr;
        try {
            addr = InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        for (Range r : ranges) {
            if (r.network().length == addr.length && matches(addr, r.network(), r.prefix())) {
                return Optional.of(r.place());
            }
        }
        return Optional.empty();
    }

    private static boolean matches(byte[] addr, byte[] net, int prefix) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (addr[i] != net[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (addr[full] & mask) == (net[full] & mask);
    }

    public int size() {
        return ranges.size();
    }

    /** Great-circle distance in kilometres (haversine, mean Earth radius). */
    public static double distanceKm(double lat1, double lon1, double lat2, double lon2) {
        double p1 = Math.toRadians(lat1);
        double p2 = Math.toRadians(lat2);
        double dp = p2 - p1;
        double dl = Math.toRadians(lon2 - lon1);
        double a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
        return 2 * 6371.0088 * Math.asin(Math.min(1.0, Math.sqrt(a)));
    }
}
