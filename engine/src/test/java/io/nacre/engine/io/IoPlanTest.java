package io.nacre.engine.io;

import static io.nacre.engine.layout.RandomLayouts.K64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.IoPlan.DomTarget;
import io.nacre.engine.io.IoPlan.ObjectTarget;
import io.nacre.engine.io.IoPlan.Segment;
import io.nacre.engine.io.IoPlan.Target;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.layout.RandomLayouts;
import io.nacre.engine.layout.RandomLayouts.Shape;
import io.nacre.engine.layout.Seeds;
import io.nacre.engine.layout.Striping;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IoPlanTest {

    private static final Shape WRITABLE = new Shape(true, false, false, true, true);

    // ---- the plan's map of the window ---------------------------------------------------------

    @Test
    void readPlanSegmentsCoverTheWindowOnceAndEachTargetByteOnce() {
        Seeds.forEach(600, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Layout layout = g.layout(Shape.ANY);
            long[] r = g.range(layout, 1 << 20);
            if (layout.readableMirror(r[0], r[1]) < 0 && !layout.isEmpty() && r[1] > 0) {
                assertThatThrownBy(() -> IoPlan.forRead(layout, r[0], (int) r[1]))
                        .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.IO));
                return;
            }
            IoPlan plan = IoPlan.forRead(layout, r[0], (int) r[1]);
            assertThat(plan.mirrors()).hasSize(1);
            checkMap(layout, plan, plan.mirrors().get(0), true);
        });
    }

    @Test
    void writePlanCoversTheWindowInEveryMirror() {
        Seeds.forEach(600, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Layout layout = g.layout(WRITABLE);
            long[] r = g.range(layout, 1 << 20);
            long coveredTo = coveredTo(layout);
            if (r[1] > 0 && r[0] + r[1] > coveredTo) {
                assertThatThrownBy(() -> IoPlan.forWrite(layout, r[0], (int) r[1]))
                        .isInstanceOfSatisfying(NacreException.class,
                                e -> assertThat(e.status()).isEqualTo(Status.TOO_BIG));
                return;
            }
            IoPlan plan = IoPlan.forWrite(layout, r[0], (int) r[1]);
            assertThat(plan.mirrors()).hasSize(layout.mirrors().size());
            for (List<Segment> segs : plan.mirrors()) {
                checkMap(layout, plan, segs, false);
            }
            // Each object target is fed by the mirror it names, and only by it.
            for (int m = 0; m < plan.mirrors().size(); m++) {
                int mirror = layout.mirrors().get(m);
                for (Segment s : plan.mirrors().get(m)) {
                    if (plan.targets().get(s.target()) instanceof ObjectTarget o) {
                        assertThat(o.mirror()).isEqualTo(mirror);
                    }
                }
            }
        });
    }

    /** Where the shortest mirror of the layout ends: writes must stay below. */
    private static long coveredTo(Layout layout) {
        return layout.mirrors().stream()
                .mapToLong(m -> layout.mirror(m).get(layout.mirror(m).size() - 1).end()).min().orElseThrow();
    }

    /** Segments sorted, covering [0, length) without overlap; target bytes mapped where Striping says. */
    private static void checkMap(Layout layout, IoPlan plan, List<Segment> segs, boolean read) {
        int pos = 0;
        Map<Integer, boolean[]> seen = new HashMap<>();
        for (Segment s : segs) {
            assertThat(s.at()).isEqualTo(pos);
            assertThat(s.length()).isPositive();
            pos = s.end();
            long file = plan.offset() + s.at();
            if (s.target() < 0) {
                assertThat(read).as("a write plan has no holes").isTrue();
                continue;
            }
            Target t = plan.targets().get(s.target());
            assertThat(s.targetOffset() + s.length()).isLessThanOrEqualTo(t.length());
            boolean[] bytes = seen.computeIfAbsent(s.target(), k -> new boolean[t.length()]);
            for (int i = s.targetOffset(); i < s.targetOffset() + s.length(); i++) {
                if (bytes[i]) {
                    throw new AssertionError("byte " + i + " of target " + s.target() + " mapped twice");
                }
                bytes[i] = true;
            }
            switch (t) {
                case ObjectTarget o -> {
                    Component c = layout.components().get(o.componentIndex());
                    Placement.Raid0 r = c.raid0();
                    for (long b : new long[] {file, file + s.length() - 1}) {
                        Striping.Location loc = Striping.locate(c.start(), r.stripeSize(), r.stripeCount(), b);
                        assertThat(loc.stripe()).isEqualTo(o.stripe());
                        assertThat(r.objects().get(loc.stripe())).isEqualTo(o.object());
                        assertThat(o.objectOffset() + s.targetOffset() + (b - file)).isEqualTo(loc.objectOffset());
                    }
                }
                case DomTarget d -> assertThat(d.offset() + s.targetOffset()).isEqualTo(file);
            }
        }
        assertThat(pos).isEqualTo(plan.length());
        // Every byte of every target this mirror feeds is fed.
        seen.forEach((i, bytes) -> {
            for (int b = 0; b < bytes.length; b++) {
                if (!bytes[b]) {
                    throw new AssertionError("byte " + b + " of target " + i + " has nothing mapped to it");
                }
            }
        });
    }

    @Test
    void oneRequestPerObjectPerWindow() {
        Seeds.forEach(1_000, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Layout layout = g.layout(Shape.PLAIN);
            long[] r = g.range(layout, 8 << 20);
            IoPlan plan = IoPlan.forRead(layout, r[0], (int) r[1]);
            List<ObjectRef> objs = plan.targets().stream().map(t -> ((ObjectTarget) t).object()).toList();
            assertThat(objs).doesNotHaveDuplicates();
        });
    }

    @Test
    void holesReleasedAndUninstantiatedComponents() {
        RandomLayouts g = new RandomLayouts(21);
        Layout layout = new Layout(1, List.of(
                Component.of(new Extent(0, 2L * K64), new Placement.Raid0(2, K64, "", g.objects(2))),
                Component.of(new Extent(2L * K64, 4L * K64), new Placement.Raid0(2, K64, "", List.of())),
                Component.of(new Extent(4L * K64, 6L * K64), new Placement.Released(2))));
        IoPlan read = IoPlan.forRead(layout, 0, 8 * K64);
        assertThat(read.targets()).hasSize(2);
        assertThat(read.released()).extracting(Component::start).containsExactly(4L * K64);
        assertThat(read.mirrors().get(0)).extracting(Segment::target).containsExactly(0, 1, -1);
        assertThat(IoPlan.needsInstantiation(layout, 0, 2L * K64)).isFalse();
        assertThat(IoPlan.needsInstantiation(layout, 2L * K64 - 1, 2)).isTrue();
        assertThat(IoPlan.needsInstantiation(layout, 5L * K64, Long.MAX_VALUE)).isFalse();
        assertThatThrownBy(() -> IoPlan.forWrite(layout, K64, 2 * K64))
                .isInstanceOfSatisfying(NacreException.class, e -> {
                    assertThat(e.status()).isEqualTo(Status.IO);
                    assertThat(e.getMessage()).contains("no objects");
                });
        IoPlan toReleased = IoPlan.forWrite(layout, 4L * K64, K64);
        assertThat(toReleased.released()).hasSize(1);
        assertThatThrownBy(() -> IoPlan.forWrite(layout, 5L * K64, 2 * K64))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.TOO_BIG));
        assertThatThrownBy(() -> IoPlan.forWrite(Layout.NONE, 0, 1))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.INVALID));
        assertThat(IoPlan.forRead(Layout.NONE, 100, 10).mirrors().get(0)).containsExactly(new Segment(0, 10, -1, 0));
        assertThat(IoPlan.forRead(layout, 5, 0).targets()).isEmpty();
    }

    // ---- windows ------------------------------------------------------------------------------

    @Test
    void windowsEndOnStripeRowsWithinTheTargetAndTheComponent() {
        Seeds.forEach(5_000, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Random rnd = g.random();
            Layout layout = g.layout(Shape.ANY);
            long[] r = g.range(layout, 1);
            long offset = Math.min(r[0], Long.MAX_VALUE - 1);
            long target = K64 * (1L + rnd.nextInt(512));
            long end = IoPlan.windowEnd(layout, offset, target);
            assertThat(end).isGreaterThan(offset);
            assertThat(end - offset).isLessThanOrEqualTo(target);
            Component c = layout.componentAt(layout.mirrors().isEmpty() ? 0 : layout.mirrors().get(0), offset);
            if (c == null || c.raid0() == null) {
                return;
            }
            assertThat(end).isLessThanOrEqualTo(c.end());
            long row = (long) c.raid0().stripeSize() * c.raid0().stripeCount();
            long align = row <= target ? row : c.raid0().stripeSize() <= target ? c.raid0().stripeSize() : 1;
            boolean aligned = (end - c.start()) % align == 0;
            assertThat(aligned || end == c.end() || end - offset == target || end == Long.MAX_VALUE)
                    .as("window [%d, %d) of %s", offset, end, c).isTrue();
            // From an aligned start, whole rows: every object gets the same amount.
            if (aligned && end - offset >= align && (offset - c.start()) % align == 0 && end != c.end()) {
                assertThat((end - offset) % align).isZero();
            }
        });
    }

    // ---- gather, scatter, and a whole file through them ---------------------------------------

    /**
     * Objects and data-on-MDT bytes kept as a list of writes, later ones winning: just enough storage to
     * check that what gather sends where comes back through scatter in place.
     */
    private static final class Extents {
        private record Put(Object where, long offset, byte[] bytes) {
        }

        private final List<Put> puts = new ArrayList<>();

        void put(Object where, long offset, ByteBuffer src) {
            byte[] b = new byte[src.remaining()];
            src.get(b);
            puts.add(new Put(where, offset, b));
        }

        /** Reads [offset, offset + dst.remaining()); returns how far data goes (a short object). */
        int get(Object where, long offset, ByteBuffer dst) {
            int n = dst.remaining();
            IoPlan.zero(dst, dst.position(), n);      // holes read as zeros
            long size = 0;
            for (Put p : puts) {
                if (!p.where().equals(where)) {
                    continue;
                }
                size = Math.max(size, p.offset() + p.bytes().length);
                long from = Math.max(offset, p.offset());
                long to = Math.min(offset + n, p.offset() + p.bytes().length);
                if (from < to) {
                    dst.put(dst.position() + (int) (from - offset), p.bytes(), (int) (from - p.offset()), (int) (to - from));
                }
            }
            int got = (int) Math.max(0, Math.min(n, size - offset));
            dst.position(dst.position() + got);
            return got;
        }
    }

    private static void store(IoPlan plan, ByteBuffer[] bufs, int valid, Extents storage) {
        for (int i = 0; i < plan.targets().size(); i++) {
            int n = plan.validLength(i, valid);
            if (n == 0) {
                continue;
            }
            ByteBuffer b = bufs[i].duplicate().clear().limit(n);
            switch (plan.targets().get(i)) {
                case ObjectTarget o -> storage.put(o.object(), o.objectOffset(), b);
                case DomTarget d -> storage.put("dom", d.offset(), b);
            }
        }
    }

    private static void fetch(IoPlan plan, ByteBuffer[] bufs, boolean[] aliased, Extents storage) {
        for (int i = 0; i < plan.targets().size(); i++) {
            ByteBuffer b = bufs[i].duplicate().clear();
            int n = switch (plan.targets().get(i)) {
                case ObjectTarget o -> storage.get(o.object(), o.objectOffset(), b);
                case DomTarget d -> storage.get("dom", d.offset(), b);
            };
            if (aliased != null && aliased[i]) {
                IoPlan.zero(b, n, b.capacity() - n);
            }
        }
    }

    @Test
    void randomWritesAndReadsThroughThePlansMatchAReferenceFile() {
        Seeds.forEach(60, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Random rnd = g.random();
            Layout layout = g.layout(WRITABLE);
            // A region of the file around an interesting place, modelled by a byte array.
            long[] at = g.range(layout, 0);
            int size = 1 + rnd.nextInt(3 << 20);
            long base = Math.max(0, Math.min(at[0] - rnd.nextInt(size), Long.MAX_VALUE - size));
            long coveredTo = coveredTo(layout);
            if (base + size > coveredTo) {
                return;
            }
            byte[] reference = new byte[size];
            Extents storage = new Extents();
            int window = K64 * (1 + rnd.nextInt(64));
            for (int w = 0; w < 12; w++) {
                int off = rnd.nextInt(size);
                int len = rnd.nextInt(Math.min(size - off, 1 << 20) + 1);
                byte[] data = new byte[len];
                rnd.nextBytes(data);
                System.arraycopy(data, 0, reference, off, len);
                ByteBuffer src = ByteBuffer.wrap(data);
                long pos = base + off;
                while (src.hasRemaining()) {
                    int k = (int) Math.min(src.remaining(), IoPlan.windowEnd(layout, pos, window) - pos);
                    IoPlan plan = IoPlan.forWrite(layout, pos, k);
                    ByteBuffer[] bufs = plan.gather(src.slice(src.position(), k));
                    store(plan, bufs, k, storage);
                    src.position(src.position() + k);
                    pos += k;
                }
                // Read back a random range, directly and (for larger ones) window by window into one buffer.
                int roff = rnd.nextInt(size);
                int rlen = rnd.nextInt(size - roff + 1);
                ByteBuffer out = ByteBuffer.allocate(rlen + 7);
                out.position(3);
                Arrays.fill(out.array(), (byte) 0x5a);
                long rpos = base + roff;
                while (out.position() < 3 + rlen) {
                    int k = (int) Math.min(3 + rlen - out.position(), IoPlan.windowEnd(layout, rpos, window) - rpos);
                    IoPlan plan = IoPlan.forRead(layout, rpos, k);
                    ByteBuffer slice = out.slice(out.position(), k);
                    boolean[] aliased = new boolean[plan.targets().size()];
                    ByteBuffer[] bufs = plan.readBuffers(slice, aliased);
                    fetch(plan, bufs, aliased, storage);
                    plan.copyOut(0, slice.duplicate(), bufs, aliased);
                    out.position(out.position() + k);
                    rpos += k;
                }
                byte[] got = Arrays.copyOfRange(out.array(), 3, 3 + rlen);
                byte[] want = Arrays.copyOfRange(reference, roff, roff + rlen);
                if (!Arrays.equals(got, want)) {
                    int i = Arrays.mismatch(got, want);
                    throw new AssertionError("read of [" + (base + roff) + ", +" + rlen + ") differs at +" + i
                            + " after write " + w + " in " + layout);
                }
                assertThat(out.get(0)).as("bytes before the window untouched").isEqualTo((byte) 0x5a);
                assertThat(out.get(3 + rlen)).as("bytes after the window untouched").isEqualTo((byte) 0x5a);
            }
        });
    }

    @Test
    void aStreamCopiesInPiecesAndStoresOnlyTheValidPrefixOfItsLastWindow() {
        Seeds.forEach(200, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Random rnd = g.random();
            Layout layout = g.layout(WRITABLE);
            long offset = rnd.nextBoolean() ? 0 : (long) rnd.nextInt(64) * K64 + rnd.nextInt(K64);
            long end = IoPlan.windowEnd(layout, offset, (long) K64 * (1 + rnd.nextInt(64)));
            long coveredTo = coveredTo(layout);
            if (end > coveredTo) {
                return;
            }
            IoPlan plan = IoPlan.forWrite(layout, offset, (int) (end - offset));
            int valid = rnd.nextInt(plan.length() + 1);
            byte[] data = new byte[valid];
            rnd.nextBytes(data);
            ByteBuffer[] bufs = plan.allocate();
            // Bytes arrive in small, odd-sized pieces, as from a network stream.
            int pos = 0;
            while (pos < valid) {
                int k = Math.min(valid - pos, 1 + rnd.nextInt(100_000));
                ByteBuffer piece = ByteBuffer.wrap(data, pos, k);
                plan.copyIn(pos, piece, bufs, null);
                assertThat(piece.hasRemaining()).isFalse();
                pos += k;
            }
            Extents storage = new Extents();
            store(plan, bufs, valid, storage);
            // Nothing beyond the valid bytes was stored: each put's last byte is a file byte below the end.
            for (Extents.Put put : storage.puts) {
                long last = put.offset() + put.bytes().length - 1;
                long fileByte = last;
                if (put.where() instanceof ObjectRef obj) {
                    Component c = layout.components().stream()
                            .filter(x -> x.raid0() != null && x.raid0().objects().contains(obj)).findFirst().orElseThrow();
                    Placement.Raid0 r = c.raid0();
                    fileByte = Striping.fileOffset(c.start(), r.stripeSize(), r.stripeCount(),
                            r.objects().indexOf(obj), last);
                }
                assertThat(fileByte).isLessThan(offset + valid);
            }
            // Every mirror holds every valid byte.
            for (int m : layout.mirrors()) {
                Layout only = new Layout(1, layout.mirror(m).stream().map(c -> c.withStale(false)).toList());
                IoPlan read = IoPlan.forRead(only, offset, valid);
                ByteBuffer out = ByteBuffer.allocate(valid);
                ByteBuffer[] rb = read.allocate();
                fetch(read, rb, null, storage);
                read.copyOut(0, out, rb, null);
                assertThat(out.array()).as("mirror %d", m).isEqualTo(data);
            }
        });
    }

    @Test
    void copyOutsideTheWindowIsRefused() {
        Layout layout = new RandomLayouts(3).plain(0, K64, 2);
        IoPlan plan = IoPlan.forWrite(layout, 0, 100);
        ByteBuffer[] bufs = plan.allocate();
        assertThatThrownBy(() -> plan.copyIn(50, ByteBuffer.allocate(51), bufs, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> plan.gather(ByteBuffer.allocate(99))).isInstanceOf(IllegalArgumentException.class);
        assertThat(plan.bufferBytes()).isEqualTo(100);
    }
}
