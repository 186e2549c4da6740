package io.nacre.engine.layout;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded random layouts for property tests: PFL components with boundaries on 64 KiB multiples, stripe
 * counts 1..16, stripe sizes multiples of 64 KiB, optional data-on-MDT first component, uninstantiated
 * and released components, extra mirrors, and layouts placed near Long.MAX_VALUE. A failing case is
 * reproduced from its seed: {@code new RandomLayouts(seed)}.
 */
public final class RandomLayouts {

    public static final int K64 = Placement.STRIPE_ALIGN;

    /** The base seed of a test run: -Dnacre.seed=N to replay one, else a fixed value. */
    public static long baseSeed() {
        return Long.getLong("nacre.seed", 0x5eed_1a7e_2025L);
    }

    private final Random rnd;
    private long nextObjectId = 1;

    public RandomLayouts(long seed) {
        this.rnd = new Random(seed);
    }

    public Random random() {
        return rnd;
    }

    /** What kinds of component the generator may produce. */
    public record Shape(boolean dom, boolean released, boolean uninstantiated, boolean mirrors, boolean huge) {
        /** Instantiated RAID0 only, one mirror. */
        public static final Shape PLAIN = new Shape(false, false, false, false, false);
        public static final Shape ANY = new Shape(true, true, true, true, true);
    }

    public int stripeSize() {
        // Mostly small stripes (many units per range), sometimes 1 MiB or a few MiB.
        return switch (rnd.nextInt(4)) {
            case 0, 1 -> K64 * (1 + rnd.nextInt(4));
            case 2 -> 1 << 20;
            default -> K64 * (1 + rnd.nextInt(64));
        };
    }

    public int stripeCount() {
        return 1 + rnd.nextInt(16);
    }

    public Layout layout(Shape shape) {
        List<Component> comps = new ArrayList<>(mirror(0, shape));
        if (shape.mirrors() && rnd.nextInt(3) == 0) {
            List<Component> second = mirror(1, shape);
            // A mirror is stale now and then (FLR: not to be read until resynced).
            if (rnd.nextBoolean()) {
                int i = rnd.nextInt(second.size());
                second.set(i, second.get(i).withStale(true));
            }
            comps.addAll(second);
        }
        return new Layout(1 + rnd.nextInt(100), comps);
    }

    /** Component boundaries of one mirror: 1..5 components, 64 KiB multiples, the last at EOF or not. */
    private List<Component> mirror(int mirrorId, Shape shape) {
        int n = 1 + rnd.nextInt(5);
        long start = 0;
        List<Component> out = new ArrayList<>();
        boolean huge = shape.huge() && rnd.nextInt(6) == 0;
        for (int i = 0; i < n; i++) {
            long end;
            boolean last = i == n - 1;
            if (last && rnd.nextInt(3) != 0) {
                end = Extent.EOF;
            } else if (huge && i == n - 2) {
                // A component reaching close to Long.MAX_VALUE, so the next one starts there.
                end = (Long.MAX_VALUE / K64 - 1 - rnd.nextInt(64)) * K64;
            } else {
                end = start + (long) K64 * (1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 512));
            }
            if (end <= start) {
                end = Extent.EOF;
                last = true;
            }
            Extent ext = new Extent(start, end);
            Placement p;
            if (i == 0 && shape.dom() && rnd.nextInt(4) == 0 && end != Extent.EOF) {
                p = new Placement.DataOnMdt();
            } else if (shape.released() && rnd.nextInt(8) == 0) {
                p = new Placement.Released(1 + rnd.nextInt(3));
            } else {
                int count = stripeCount();
                Placement.Raid0 r = new Placement.Raid0(count, stripeSize(), "", List.of());
                if (!shape.uninstantiated() || rnd.nextInt(5) != 0) {
                    r = r.withObjects(objects(count));
                }
                p = r;
            }
            out.add(new Component(ext, mirrorId, false, p));
            start = end;
            if (last || end == Extent.EOF) {
                break;
            }
        }
        return out;
    }

    public List<ObjectRef> objects(int count) {
        List<ObjectRef> objs = new ArrayList<>(count);
        for (int s = 0; s < count; s++) {
            objs.add(new ObjectRef(rnd.nextInt(8), nextObjectId++));
        }
        return objs;
    }

    /** A single-component RAID0 layout [start, EOF) with the given geometry, instantiated. */
    public Layout plain(long start, int stripeSize, int stripeCount) {
        if (start == 0) {
            return new Layout(1, List.of(Component.of(Extent.WHOLE,
                    new Placement.Raid0(stripeCount, stripeSize, "", objects(stripeCount)))));
        }
        // Layouts start at 0: a small first component puts the interesting one at start.
        return new Layout(1, List.of(
                Component.of(new Extent(0, start), new Placement.Raid0(1, K64, "", objects(1))),
                Component.of(new Extent(start, Extent.EOF),
                        new Placement.Raid0(stripeCount, stripeSize, "", objects(stripeCount)))));
    }

    /**
     * A random range [offset, offset + length) around the interesting places of a layout: component
     * boundaries, stripe unit boundaries, offset 0, and far out; lengths from 0 to a few MiB.
     */
    public long[] range(Layout layout, int maxLength) {
        List<Long> marks = new ArrayList<>();
        marks.add(0L);
        for (Component c : layout.components()) {
            marks.add(c.start());
            if (c.end() != Extent.EOF) {
                marks.add(c.end());
            }
            if (c.raid0() != null) {
                long row = (long) c.raid0().stripeSize() * c.raid0().stripeCount();
                marks.add(c.start() + c.raid0().stripeSize());
                if (c.end() - c.start() > row) {
                    marks.add(c.start() + row);
                }
            }
        }
        long base = marks.get(rnd.nextInt(marks.size()));
        int length = switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 1 + rnd.nextInt(16);
            default -> rnd.nextInt(maxLength + 1);
        };
        long offset;
        switch (rnd.nextInt(4)) {
            case 0 -> offset = base;
            case 1 -> offset = base - length;           // ends exactly at the mark
            case 2 -> offset = base - 1 - rnd.nextInt(K64);
            default -> offset = base > Long.MAX_VALUE - 4 * K64 ? base : base + rnd.nextInt(4 * K64);
        }
        offset = Math.max(0, offset);
        if (offset > Long.MAX_VALUE - length) {
            offset = Long.MAX_VALUE - length;
        }
        return new long[] {offset, length};
    }
}
