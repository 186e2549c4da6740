package io.nacre.engine.layout;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@code setstripe} records: the shape of layouts to give new files (on a directory: its default;
 * on the file system: the default of defaults), before any object is allocated. One entry per
 * component, in order; each ends where the next begins, the last at {@link Extent#EOF} (PFL).
 */
public record LayoutTemplate(List<Entry> entries) {

    /** Stripe count meaning "every OST of the pool" (lfs setstripe -c -1). */
    public static final int ALL_OSTS = -1;
    /** Stripe count or size meaning "inherit it from the next default up" (lfs setstripe -c 0 / -S 0). */
    public static final int INHERIT = 0;

    /** Lustre's file-system defaults: one stripe of 1 MiB. */
    public static final LayoutTemplate DEFAULT = of(1, 1 << 20, "");

    /**
     * One component's shape: the end of its extent, its stripe count and size, its OST pool ("" for
     * any OST), or data-on-MDT (then count and pool do not apply; the size is the DoM limit).
     */
    public record Entry(long end, int stripeCount, int stripeSize, String pool, boolean dataOnMdt) {
        public Entry {
            pool = pool == null ? "" : pool;
            if (end <= 0) {
                throw new IllegalArgumentException("component end must be > 0: " + end);
            }
            if (stripeCount != ALL_OSTS && (stripeCount < 0 || stripeCount > Placement.MAX_STRIPE_COUNT)) {
                throw new IllegalArgumentException("stripe count must be -1 (all), 0 (inherit) or 1.."
                        + Placement.MAX_STRIPE_COUNT + ": " + stripeCount);
            }
            if (stripeSize != INHERIT) {
                Placement.checkStripeSize(stripeSize);
            }
            if (dataOnMdt && end == Extent.EOF) {
                throw new IllegalArgumentException("a data-on-MDT component needs an end (-E SIZE -L mdt)");
            }
        }

        public static Entry raid0(long end, int stripeCount, int stripeSize, String pool) {
            return new Entry(end, stripeCount, stripeSize, pool, false);
        }

        public static Entry dataOnMdt(long end) {
            return new Entry(end, 0, INHERIT, "", true);
        }
    }

    public LayoutTemplate {
        entries = List.copyOf(Objects.requireNonNull(entries, "entries"));
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a layout template has at least one component");
        }
        long prev = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.end() <= prev) {
                throw new IllegalArgumentException("component ends must increase: " + e.end() + " after " + prev);
            }
            if (e.dataOnMdt() && i != 0) {
                throw new IllegalArgumentException("data-on-MDT can only be the first component");
            }
            if (i == entries.size() - 1 && e.end() != Extent.EOF) {
                throw new IllegalArgumentException("the last component must extend to EOF (-E -1)");
            }
            if (i < entries.size() - 1 && e.end() % Placement.STRIPE_ALIGN != 0) {
                throw new IllegalArgumentException("component ends must be multiples of 64 KiB: " + e.end());
            }
            prev = e.end();
        }
    }

    public static LayoutTemplate of(int stripeCount, int stripeSize, String pool) {
        return new LayoutTemplate(List.of(Entry.raid0(Extent.EOF, stripeCount, stripeSize, pool)));
    }

    public boolean isComposite() {
        return entries.size() > 1;
    }

    /**
     * Fills INHERIT counts and sizes, and empty pools, of this template from {@code base} (lfs semantics:
     * -c 0 and -S 0 take the value of the default one level up). Each entry inherits from the base entry
     * covering the same part of the file (the one holding the entry's first byte); a data-on-MDT base
     * entry has no stripes to give, so the base's next entry is used. What base leaves at INHERIT
     * becomes Lustre's default (one stripe of 1 MiB).
     */
    public LayoutTemplate inheritFrom(LayoutTemplate base) {
        Objects.requireNonNull(base, "base");
        List<Entry> out = new ArrayList<>(entries.size());
        long start = 0;
        for (Entry e : entries) {
            Entry b = base.striped(start);
            int count = e.stripeCount();
            if (count == INHERIT && !e.dataOnMdt()) {
                count = b.stripeCount() == INHERIT ? 1 : b.stripeCount();
            }
            int size = e.stripeSize();
            if (size == INHERIT) {
                size = b.stripeSize() == INHERIT ? DEFAULT.entries().get(0).stripeSize() : b.stripeSize();
            }
            String pool = e.pool().isEmpty() && !e.dataOnMdt() ? b.pool() : e.pool();
            out.add(new Entry(e.end(), count, size, pool, e.dataOnMdt()));
            start = e.end();
        }
        return new LayoutTemplate(out);
    }

    /** The entry holding file offset {@code offset}, or the next striped one if that is data-on-MDT. */
    private Entry striped(long offset) {
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (offset < e.end()) {
                // Only the first entry may be data-on-MDT and a template has a striped last entry.
                return e.dataOnMdt() ? entries.get(i + 1) : e;
            }
        }
        return entries.get(entries.size() - 1);
    }
}
