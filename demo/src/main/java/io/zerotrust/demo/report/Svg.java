package io.zerotrust.demo.report;

import java.util.List;
import java.util.Locale;

/**
 * Small self-contained SVG charts for the run's HTML page (no script, nothing fetched): lines or dots over the
 * run's seconds, with labelled vertical markers.
 */
final class Svg {

    /** One series: x in seconds since the run began, y in the chart's unit. */
    record Series(String name, String color, List<double[]> points, boolean dots) {
    }

    /** A labelled vertical line at {@code x} seconds. */
    record Marker(double x, String label) {
    }

    private static final int W = 960;
    private static final int H = 260;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 40;

    private Svg() {
    }

    static String chart(String title, String unit, List<Series> series, List<Marker> markers) {
        double xMax = 1;
        double yMax = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                xMax = Math.max(xMax, p[0]);
                yMax = Math.max(yMax, p[1]);
            }
        }
        for (Marker m : markers) {
            xMax = Math.max(xMax, m.x());
        }
        yMax = niceCeiling(yMax);
        double pw = W - LEFT - RIGHT;
        double ph = H - TOP - BOTTOM;
        double fx = pw / xMax;
        double fy = ph / yMax;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                + "width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", W, H, W, H));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"13\" font-weight=\"bold\">%s</text>%n",
                LEFT, esc(title)));
        for (int i = 0; i <= 4; i++) {
            double y = TOP + ph - i * ph / 4;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT, y, W - RIGHT, y, LEFT - 6,
                    y + 4, number(yMax * i / 4)));
        }
        double step = xMax > 1200 ? 300 : xMax > 400 ? 60 : xMax > 100 ? 30 : 10;
        for (double x = 0; x <= xMax; x += step) {
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    LEFT + x * fx, H - BOTTOM + 16, x >= 60 ? String.format(Locale.ROOT, "%d:%02d", (int) x / 60,
                            (int) x % 60) : (int) x + "s"));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", 4, TOP - 6, esc(unit)));
        for (Marker m : markers) {
            double x = LEFT + m.x() * fx;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c33\" "
                            + "stroke-dasharray=\"3,3\"/><text x=\"%.1f\" y=\"%d\" fill=\"#c33\" "
                            + "transform=\"rotate(-90 %.1f %d)\" text-anchor=\"end\">%s</text>%n",
                    x, TOP, x, TOP + (int) ph, x + 10, TOP + 2, x + 10, TOP + 2, esc(m.label())));
        }
        int lx = LEFT;
        for (Series s : series) {
            if (s.dots()) {
                for (double[] p : s.points()) {
                    b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>",
                            LEFT + p[0] * fx, TOP + ph - p[1] * fy, s.color()));
                }
            } else if (!s.points().isEmpty()) {
                b.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(s.color())
                        .append("\" points=\"");
                for (double[] p : s.points()) {
                    b.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + p[0] * fx, TOP + ph - p[1] * fy));
                }
                b.append("\"/>");
            }
            b.append(String.format(Locale.ROOT, "%n<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", lx, H - 14, s.color(), lx + 14, H - 5, esc(s.name())));
            lx += 24 + 7 * s.name().length();
        }
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                + "stroke=\"#999\"/>%n</svg>%n", LEFT, TOP, pw, ph));
        return b.toString();
    }

    /** The smallest 2, 4 or 10 times a power of ten at or above {@code v}, at least 4 (four even grid steps). */
    static double niceCeiling(double v) {
        if (v <= 4) {
            return 4;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 4, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String number(double v) {
        if (v >= 10_000) {
            return String.format(Locale.ROOT, "%.0fk", v / 1000);
        }
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
