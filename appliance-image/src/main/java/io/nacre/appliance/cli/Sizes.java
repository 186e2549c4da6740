package io.nacre.appliance.cli;

import java.util.Locale;

/** Sizes as lfs and df take and print them: 1048576, 1M, 64K, 4G, 1T (binary units). */
public final class Sizes {

    private Sizes() {
    }

    /** Parses a size with an optional K/M/G/T/P suffix (powers of 1024); -1 and "eof" mean EOF where allowed. */
    public static long parse(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty size");
        }
        if (s.endsWith("B") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1); // "64KB" -> "64K"
        }
        int shift = switch (s.charAt(s.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            case 'P' -> 50;
            default -> 0;
        };
        String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        long v;
        try {
            v = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (use a number with an optional K, M, G, T suffix)");
        }
        if (v < 0) {
            throw new IllegalArgumentException("size must not be negative: " + text);
        }
        if (shift > 0 && v > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("size too large: " + text);
        }
        return v << shift;
    }

    /** A short human form: 1.5G, 64K, 512. */
    public static String human(long bytes) {
        String units = "KMGTPE";
        if (bytes < 1024) {
            return Long.toString(bytes);
        }
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length() - 1) {
            v /= 1024;
            u++;
        }
        return (v >= 10 || v == Math.rint(v) ? "%.0f" : "%.1f").formatted(v) + units.charAt(u);
    }
}
