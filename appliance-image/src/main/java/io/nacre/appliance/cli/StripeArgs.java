package io.nacre.appliance.cli;

import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.LayoutTemplate.Entry;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses setstripe's arguments as lfs does: {@code -c COUNT -S SIZE -p POOL} for one component, or a
 * progressive layout as a series of {@code -E END} each followed by its own options
 * ({@code -E 1M -L mdt -E 64M -c 1 -E -1 -c 4 -S 4M}). The last argument is the path.
 */
public final class StripeArgs {

    /** The template and the path it is for. */
    public record Parsed(LayoutTemplate template, String path) {
    }

    private StripeArgs() {
    }

    public static Parsed parse(List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("setstripe needs options and a PATH");
        }
        String path = args.get(args.size() - 1);
        if (path.startsWith("-")) {
            throw new IllegalArgumentException("setstripe: the last argument must be the PATH, got " + path);
        }
        List<Builder> comps = new ArrayList<>();
        Builder cur = new Builder();
        boolean sawEnd = false;
        for (int i = 0; i < args.size() - 1; i++) {
            String a = args.get(i);
            String opt = a;
            String val = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                opt = a.substring(0, eq);
                val = a.substring(eq + 1);
            }
            switch (opt) {
                case "-E", "--component-end" -> {
                    if (sawEnd) {
                        comps.add(cur);
                        cur = new Builder();
                    } else if (cur.touched) {
                        throw new IllegalArgumentException("setstripe: with -E, options follow the -E they apply to");
                    }
                    sawEnd = true;
                    String v = val != null ? val : value(args, ++i, opt);
                    cur.end = v.equals("-1") || v.equalsIgnoreCase("eof") ? Extent.EOF : Sizes.parse(v);
                }
                case "-c", "--stripe-count" -> {
                    cur.count = parseCount(val != null ? val : value(args, ++i, opt));
                    cur.touched = true;
                }
                case "-S", "--stripe-size" -> {
                    long s = Sizes.parse(val != null ? val : value(args, ++i, opt));
                    if (s > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("setstripe: stripe size too large: " + s);
                    }
                    cur.size = (int) s;
                    cur.touched = true;
                }
                case "-p", "--pool" -> {
                    cur.pool = val != null ? val : value(args, ++i, opt);
                    cur.touched = true;
                }
                case "-L", "--layout" -> {
                    String v = val != null ? val : value(args, ++i, opt);
                    if (v.equals("mdt")) {
                        cur.dom = true;
                    } else if (!v.equals("raid0")) {
                        throw new IllegalArgumentException("setstripe: -L takes mdt or raid0, got " + v);
                    }
                    cur.touched = true;
                }
                default -> throw new IllegalArgumentException("setstripe: unknown option " + a
                        + " (known: -c COUNT, -S SIZE, -p POOL, -E END, -L mdt)");
            }
        }
        comps.add(cur);
        if (!sawEnd) {
            cur.end = Extent.EOF;
        }
        List<Entry> entries = new ArrayList<>();
        for (Builder b : comps) {
            entries.add(b.build());
        }
        try {
            return new Parsed(new LayoutTemplate(entries), path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("setstripe: " + e.getMessage());
        }
    }

    private static String value(List<String> args, int i, String opt) {
        if (i >= args.size() - 1) {
            throw new IllegalArgumentException("setstripe: " + opt + " needs a value, and the PATH comes last");
        }
        return args.get(i);
    }

    private static int parseCount(String v) {
        try {
            int c = Integer.parseInt(v.strip());
            if (c < -1) {
                throw new IllegalArgumentException("setstripe: stripe count must be -1 (all OSTs), 0 (inherit) or positive: " + v);
            }
            return c;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("setstripe: stripe count is not a number: " + v);
        }
    }

    private static final class Builder {
        long end;
        int count = LayoutTemplate.INHERIT;
        int size = LayoutTemplate.INHERIT;
        String pool = "";
        boolean dom;
        boolean touched;

        Entry build() {
            try {
                if (dom) {
                    return Entry.dataOnMdt(end);
                }
                return Entry.raid0(end, count, size, pool);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("setstripe: " + e.getMessage());
            }
        }
    }
}
