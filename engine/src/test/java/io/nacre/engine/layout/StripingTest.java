package io.nacre.engine.layout;

import static io.nacre.engine.layout.RandomLayouts.K64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.layout.Striping.Location;
import io.nacre.engine.layout.Striping.ObjectIo;
import io.nacre.engine.layout.Striping.Piece;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StripingTest {

    // ---- locate / fileOffset ----------------------------------------------------------------------

    @Test
    void locateAndFileOffsetAreInverse() {
        Seeds.forEach(20_000, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Random r = g.random();
            int size = g.stripeSize();
            int count = g.stripeCount();
            long start = r.nextInt(4) == 0 ? (Long.MAX_VALUE / K64 - r.nextInt(1000)) * K64 : (long) K64 * r.nextInt(10_000);
            long span = Long.MAX_VALUE - start;
            long off = start + (r.nextInt(3) == 0 ? span - 1 - r.nextLong(Math.min(span, 1L << 30)) : r.nextLong(Math.min(span, 1L << 40)));
            Location loc = Striping.locate(start, size, count, off);
            assertThat(loc.stripe()).isBetween(0, count - 1);
            assertThat(loc.objectOffset()).isBetween(0L, off - start);
            assertThat(Striping.fileOffset(start, size, count, loc.stripe(), loc.objectOffset())).isEqualTo(off);

            int stripe = r.nextInt(count);
            long objOff = r.nextLong(1L << 40);
            long back = Striping.fileOffset(0, size, count, stripe, objOff);
            assertThat(Striping.locate(0, size, count, back)).isEqualTo(new Location(stripe, objOff));
        });
    }

    @Test
    void locateFollowsDensePackingByHand() {
        // 3 stripes of 64 KiB from 1 MiB: unit u is on stripe u % 3 at row u / 3.
        long start = 1 << 20;
        assertThat(Striping.locate(start, K64, 3, start)).isEqualTo(new Location(0, 0));
        assertThat(Striping.locate(start, K64, 3, start + K64 - 1)).isEqualTo(new Location(0, K64 - 1));
        assertThat(Striping.locate(start, K64, 3, start + K64)).isEqualTo(new Location(1, 0));
        assertThat(Striping.locate(start, K64, 3, start + 3L * K64)).isEqualTo(new Location(0, K64));
        assertThat(Striping.locate(start, K64, 3, start + 5L * K64 + 7)).isEqualTo(new Location(2, K64 + 7));
    }

    @Test
    void fileOffsetRefusesObjectOffsetsBeyondTheLargestFile() {
        assertThatThrownBy(() -> Striping.fileOffset(0, K64, 16, 15, Long.MAX_VALUE / 2))
                .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Striping.fileOffset(0, K64, 4, 4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Striping.fileOffset(0, K64, 4, 0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Striping.locate(K64, K64, 4, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void locateAtTheLastByteOfTheLargestFile() {
        long start = (Long.MAX_VALUE / K64 - 3) * K64;
        for (int count : new int[] {1, 2, 7, 16}) {
            Location loc = Striping.locate(start, K64, count, Long.MAX_VALUE - 1);
            assertThat(Striping.fileOffset(start, K64, count, loc.stripe(), loc.objectOffset()))
                    .isEqualTo(Long.MAX_VALUE - 1);
        }
    }

    // ---- split and byObject -----------------------------------------------------------------------

    @Test
    void splitPiecesRejoinExactlyToTheRangeInOrder() {
        Seeds.forEach(5_000, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Layout layout = g.layout(RandomLayouts.Shape.ANY);
            long[] rl = g.range(layout, 8 << 20);
            for (int m : layout.mirrors()) {
                checkSplit(layout, m, rl[0], rl[1]);
            }
        });
    }

    private static void checkSplit(Layout layout, int mirror, long offset, long length) {
        List<Piece> pieces = Striping.split(layout, mirror, offset, length);
        long covered = coveredEnd(layout, mirror, offset + length);
        long pos = offset;
        for (Piece p : pieces) {
            assertThat(p.fileOffset()).as("pieces follow each other").isEqualTo(pos);
            assertThat(p.length()).as("no empty piece").isPositive();
            Component c = layout.components().get(p.componentIndex());
            assertThat(c).isSameAs(p.component());
            assertThat(c.mirrorId()).isEqualTo(mirror);
            assertThat(p.fileOffset()).isGreaterThanOrEqualTo(c.start());
            assertThat(p.fileOffset() + p.length()).isLessThanOrEqualTo(c.end());
            Placement.Raid0 r = c.raid0();
            if (r == null) {
                assertThat(p.stripe()).isEqualTo(-1);
                assertThat(p.objectOffset()).isEqualTo(p.fileOffset() - c.start());
            } else {
                // Within one stripe unit: the first and the last byte are on the same stripe, one object
                // offset per byte.
                Location first = Striping.locate(c.start(), r.stripeSize(), r.stripeCount(), p.fileOffset());
                Location last = Striping.locate(c.start(), r.stripeSize(), r.stripeCount(),
                        p.fileOffset() + p.length() - 1);
                assertThat(first).isEqualTo(new Location(p.stripe(), p.objectOffset()));
                assertThat(last).isEqualTo(new Location(p.stripe(), p.objectOffset() + p.length() - 1));
                assertThat(p.length()).isLessThanOrEqualTo(r.stripeSize());
                assertThat(p.object()).isEqualTo(r.instantiated() ? r.objects().get(p.stripe()) : null);
            }
            pos += p.length();
        }
        assertThat(pos).as("the pieces end where the range or the mirror's components end")
                .isEqualTo(Math.max(offset, Math.min(offset + length, covered)));
    }

    /** Where the mirror's contiguous components from 0 end, capped at limit. */
    private static long coveredEnd(Layout layout, int mirror, long limit) {
        long end = 0;
        for (Component c : layout.mirror(mirror)) {
            end = c.end();
        }
        return Math.min(end, limit);
    }

    @Test
    void everyByteMapsToExactlyOneObjectOffsetAndNoTwoBytesCollide() {
        Seeds.forEach(50, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Layout layout = g.layout(RandomLayouts.Shape.PLAIN);
            long[] rl = g.range(layout, 2 << 20);
            List<Piece> pieces = Striping.split(layout, 0, rl[0], rl[1]);
            // Every byte, brute force: (object id, object offset) packed into a long, then sorted.
            long total = pieces.stream().mapToLong(Piece::length).sum();
            long[] keys = new long[(int) total];
            int k = 0;
            for (Piece p : pieces) {
                Placement.Raid0 r = p.component().raid0();
                for (long b = p.fileOffset(); b < p.fileOffset() + p.length(); b++) {
                    Location loc = Striping.locate(p.component().start(), r.stripeSize(), r.stripeCount(), b);
                    ObjectRef obj = r.objects().get(loc.stripe());
                    if (loc.objectOffset() >= 1L << 40) {
                        throw new AssertionError("object offset out of range: " + loc);
                    }
                    keys[k++] = (obj.id() << 40) | loc.objectOffset();
                }
            }
            Arrays.sort(keys);
            for (int i = 1; i < keys.length; i++) {
                if (keys[i] == keys[i - 1]) {
                    throw new AssertionError("two bytes map to object " + (keys[i] >>> 40) + " offset "
                            + (keys[i] & ((1L << 40) - 1)));
                }
            }
        });
    }

    @Test
    void distinctRangesOfOneComponentNeverShareObjectBytes() {
        // Two disjoint ranges map to disjoint object extents (what lets writers of different ranges
        // go in parallel without clobbering each other).
        Seeds.forEach(2_000, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Random r = g.random();
            int size = g.stripeSize();
            int count = g.stripeCount();
            Layout layout = g.plain(0, size, count);
            long a = r.nextLong(1L << 36);
            long alen = 1 + r.nextInt(4 << 20);
            long b = a + alen + r.nextInt(2 * size);
            long blen = 1 + r.nextInt(4 << 20);
            Map<Integer, List<long[]>> extents = new HashMap<>();
            for (ObjectIo io : Striping.byObject(Striping.split(layout, 0, a, alen))) {
                extents.computeIfAbsent(io.stripe(), s -> new java.util.ArrayList<>())
                        .add(new long[] {io.objectOffset(), io.objectOffset() + io.length()});
            }
            for (ObjectIo io : Striping.byObject(Striping.split(layout, 0, b, blen))) {
                for (long[] e : extents.getOrDefault(io.stripe(), List.of())) {
                    assertThat(io.objectOffset() >= e[1] || io.objectOffset() + io.length() <= e[0])
                            .as("stripe %d: [%d, %d) overlaps [%d, %d)", io.stripe(), io.objectOffset(),
                                    io.objectOffset() + io.length(), e[0], e[1])
                            .isTrue();
                }
            }
        });
    }

    @Test
    void byObjectExtentsCoverExactlyThePiecesContiguousInObjectSpace() {
        Seeds.forEach(5_000, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Layout layout = g.layout(RandomLayouts.Shape.ANY);
            long[] rl = g.range(layout, 16 << 20);
            int mirror = layout.mirrors().isEmpty() ? 0 : layout.mirrors().get(0);
            List<Piece> pieces = Striping.split(layout, mirror, rl[0], rl[1]);
            List<ObjectIo> ios = Striping.byObject(pieces);

            List<Piece> raid0 = pieces.stream().filter(p -> p.stripe() >= 0).toList();
            List<Piece> grouped = ios.stream().flatMap(io -> io.pieces().stream()).toList();
            assertThat(grouped).as("every RAID0 piece in exactly one extent").containsExactlyInAnyOrderElementsOf(raid0);

            Map<Long, Integer> perObject = new HashMap<>();
            for (ObjectIo io : ios) {
                long pos = io.objectOffset();
                long fileEnd = -1;
                for (Piece p : io.pieces()) {
                    assertThat(p.componentIndex()).isEqualTo(io.componentIndex());
                    assertThat(p.stripe()).isEqualTo(io.stripe());
                    assertThat(p.objectOffset()).as("contiguous in object space").isEqualTo(pos);
                    assertThat(p.fileOffset()).as("object order is file order").isGreaterThan(fileEnd);
                    fileEnd = p.fileOffset();
                    pos += p.length();
                }
                assertThat(pos - io.objectOffset()).isEqualTo(io.length());
                perObject.merge(((long) io.componentIndex() << 32) | io.stripe(), 1, Integer::sum);
            }
            // A contiguous range touches each object in one contiguous extent: one request per object.
            assertThat(perObject.values()).allMatch(n -> n == 1);
        });
    }

    @Test
    void aRangeOverManyRowsIsOneRequestPerObject() {
        RandomLayouts g = new RandomLayouts(1);
        Layout layout = g.plain(0, K64, 4);
        // From the middle of stripe 1's first unit over 10 rows and a bit.
        long off = K64 + 100;
        long len = 40L * K64;
        List<ObjectIo> ios = Striping.byObject(Striping.split(layout, 0, off, len));
        assertThat(ios).hasSize(4);
        assertThat(ios).extracting(ObjectIo::stripe).containsExactlyInAnyOrder(0, 1, 2, 3);
        ObjectIo s1 = ios.stream().filter(io -> io.stripe() == 1).findFirst().orElseThrow();
        assertThat(s1.objectOffset()).isEqualTo(100);
        assertThat(ios.stream().mapToLong(ObjectIo::length).sum()).isEqualTo(len);
    }

    // ---- objectSize / fileSizeFromObject --------------------------------------------------------

    @Test
    void objectSizesAgreeWithAByteWalk() {
        Seeds.forEach(150, seed -> {
            RandomLayouts g = new RandomLayouts(seed);
            Random r = g.random();
            int size = K64 * (1 + r.nextInt(2));
            int count = g.stripeCount();
            long row = (long) count * size;
            long start = (long) K64 * r.nextInt(4);
            long end = r.nextBoolean() ? Extent.EOF : start + (long) K64 * (1 + r.nextInt(3 * count * 2));
            long fileSize = r.nextInt(4) == 0 ? r.nextLong(start + 1) : start + r.nextLong(5 * row / 2);
            long[] walked = new long[count];
            long[] lastFileByte = new long[count];
            Arrays.fill(lastFileByte, -1);
            // The byte walk goes per stripe unit (every byte of a unit is on one stripe, consecutively).
            for (long b = start; b < Math.min(fileSize, end); b++) {
                Location loc = Striping.locate(start, size, count, b);
                walked[loc.stripe()] = Math.max(walked[loc.stripe()], loc.objectOffset() + 1);
                lastFileByte[loc.stripe()] = b;
            }
            long implied = start;
            for (int s = 0; s < count; s++) {
                long os = Striping.objectSize(start, end, size, count, s, fileSize);
                assertThat(os).as("stripe %d of %d", s, count).isEqualTo(walked[s]);
                long fs = Striping.fileSizeFromObject(start, size, count, s, os);
                assertThat(fs).isEqualTo(lastFileByte[s] < 0 ? start : lastFileByte[s] + 1);
                implied = Math.max(implied, fs);
            }
            assertThat(implied).as("the glimpse of all objects gives the size within the component")
                    .isEqualTo(Math.max(start, Math.min(fileSize, end)));
        });
    }

    @Test
    void objectSizeOfAComponentNearTheLargestFile() {
        long start = (Long.MAX_VALUE / K64 - 7) * K64;
        long size = Long.MAX_VALUE;
        long sum = 0;
        for (int s = 0; s < 3; s++) {
            long os = Striping.objectSize(start, Extent.EOF, K64, 3, s, size);
            sum += os;
            assertThat(Striping.fileSizeFromObject(start, K64, 3, s, os)).isLessThanOrEqualTo(size);
        }
        assertThat(sum).as("dense packing: the objects hold the component's bytes, no more")
                .isEqualTo(size - start);
    }

    // ---- edge cases -------------------------------------------------------------------------------

    @Test
    void emptyRangeHasNoPiecesEvenInsideANonStripedComponent() {
        Layout dom = new Layout(1, List.of(
                Component.of(new Extent(0, K64), new Placement.DataOnMdt()),
                Component.of(new Extent(K64, Extent.EOF), new Placement.Raid0(2, K64, "", new RandomLayouts(2).objects(2)))));
        assertThat(Striping.split(dom, 0, 100, 0)).isEmpty();
        assertThat(Striping.split(dom, 0, K64 + 5, 0)).isEmpty();
        assertThat(Striping.byObject(List.of())).isEmpty();
    }

    @Test
    void rangeEndingExactlyAtAComponentBoundaryStaysInThatComponent() {
        RandomLayouts g = new RandomLayouts(3);
        Layout pfl = new Layout(1, List.of(
                Component.of(new Extent(0, 4L * K64), new Placement.Raid0(2, K64, "", g.objects(2))),
                Component.of(new Extent(4L * K64, Extent.EOF), new Placement.Raid0(3, 2 * K64, "", g.objects(3)))));
        List<Piece> pieces = Striping.split(pfl, 0, K64, 3L * K64);
        assertThat(pieces).extracting(Piece::componentIndex).containsOnly(0);
        assertThat(pieces).extracting(Piece::stripe).containsExactly(1, 0, 1);
        List<Piece> next = Striping.split(pfl, 0, 4L * K64, 1);
        assertThat(next).singleElement().satisfies(p -> {
            assertThat(p.componentIndex()).isEqualTo(1);
            assertThat(p.stripe()).isZero();
            assertThat(p.objectOffset()).isZero();
        });
    }

    @Test
    void rangeAtStripeBoundariesSplitsOnThem() {
        Layout layout = new RandomLayouts(4).plain(0, K64, 4);
        List<Piece> pieces = Striping.split(layout, 0, K64 - 1, 2L * K64 + 2);
        assertThat(pieces).extracting(Piece::length).containsExactly(1L, (long) K64, (long) K64, 1L);
        assertThat(pieces).extracting(Piece::stripe).containsExactly(0, 1, 2, 3);
    }

    @Test
    void rangesNearLongMaxValueAreSplitWithoutOverflow() {
        long start = (Long.MAX_VALUE / K64 - 2) * K64;
        Layout layout = new RandomLayouts(5).plain(start, K64, 3);
        long len = 5L * K64;
        long off = Long.MAX_VALUE - len;
        List<Piece> pieces = Striping.split(layout, 0, off, len);
        assertThat(pieces.stream().mapToLong(Piece::length).sum()).isEqualTo(len);
        Piece last = pieces.get(pieces.size() - 1);
        assertThat(last.fileOffset() + last.length()).isEqualTo(Long.MAX_VALUE);
        assertThat(Striping.split(layout, 0, Long.MAX_VALUE - 1, 1)).hasSize(1);
        assertThatThrownBy(() -> Striping.split(layout, 0, Long.MAX_VALUE, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Striping.split(layout, 0, -1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rangesBeyondTheLastComponentAreLeftOut() {
        RandomLayouts g = new RandomLayouts(6);
        Layout shortLayout = new Layout(1, List.of(
                Component.of(new Extent(0, 2L * K64), new Placement.Raid0(1, K64, "", g.objects(1)))));
        assertThat(Striping.split(shortLayout, 0, K64, 4L * K64)).extracting(Piece::length).containsExactly((long) K64);
        assertThat(Striping.split(shortLayout, 0, 3L * K64, K64)).isEmpty();
        assertThat(Striping.split(Layout.NONE, 0, 0, 100)).isEmpty();
    }

    @Test
    void eofComponentsAndNonStripedPiecesCarryTheirComponentOffset() {
        RandomLayouts g = new RandomLayouts(7);
        Layout layout = new Layout(1, List.of(
                Component.of(new Extent(0, 2L * K64), new Placement.DataOnMdt()),
                Component.of(new Extent(2L * K64, 8L * K64), new Placement.Released(1)),
                Component.of(new Extent(8L * K64, Extent.EOF), new Placement.Raid0(2, K64, "", List.of()))));
        List<Piece> pieces = Striping.split(layout, 0, K64, 9L * K64);
        assertThat(pieces).hasSize(4);
        assertThat(pieces.get(0)).satisfies(p -> {
            assertThat(p.stripe()).isEqualTo(-1);
            assertThat(p.objectOffset()).isEqualTo(K64);
            assertThat(p.length()).isEqualTo(K64);
        });
        assertThat(pieces.get(1).objectOffset()).isZero();
        assertThat(pieces.get(1).length()).isEqualTo(6L * K64);
        assertThat(pieces.get(2).object()).as("uninstantiated: no object yet").isNull();
        assertThat(Striping.byObject(pieces)).hasSize(2);
    }
}
