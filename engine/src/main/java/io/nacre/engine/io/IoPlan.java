package io.nacre.engine.io;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.layout.Striping;
import io.nacre.engine.layout.Striping.ObjectIo;
import io.nacre.engine.layout.Striping.Piece;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The I/O one window of a file needs, worked out from its layout with no I/O of its own: one request per
 * OST object (or one data-on-MDT request), and the map between the window's bytes and those requests'
 * buffers, for gathering a write and scattering a read.
 *
 * <p>A window is the file range [offset, offset + length). Its bytes are numbered from 0; each
 * {@link Segment} says where a run of them lives: in target {@code target}'s buffer at
 * {@code targetOffset}, or nowhere (a hole that reads as zeros). A read plan has one list of segments
 * (the mirror it reads); a write plan has one per mirror, each covering the whole window.
 */
final class IoPlan {

    /** What a window's bytes are read from or written to. */
    sealed interface Target {
        int length();
    }

    /** One contiguous extent [objectOffset, objectOffset + length) of one OST object. */
    record ObjectTarget(ObjectRef object, int mirror, int componentIndex, int stripe, long objectOffset, int length)
            implements Target {
    }

    /** Data-on-MDT bytes at file offset [offset, offset + length). */
    record DomTarget(long offset, int length) implements Target {
    }

    /** Window bytes [at, at + length) live in target {@code target} from {@code targetOffset}; -1: a hole. */
    record Segment(int at, int length, int target, int targetOffset) {
        int end() {
            return at + length;
        }
    }

    private static final int HOLE = -1;
    private static final byte[] ZEROS = new byte[64 * 1024];

    private final long offset;
    private final int length;
    private final List<Target> targets;
    private final List<List<Segment>> mirrors;
    private final List<Component> released;
    /** For each target, its only segment when exactly one feeds it, else null. */
    private final Segment[] sole;

    private IoPlan(long offset, int length, List<Target> targets, List<List<Segment>> mirrors,
                   List<Component> released) {
        this.offset = offset;
        this.length = length;
        this.targets = List.copyOf(targets);
        this.mirrors = List.copyOf(mirrors);
        this.released = List.copyOf(released);
        this.sole = new Segment[targets.size()];
        int[] feeds = new int[targets.size()];
        for (List<Segment> segs : mirrors) {
            for (Segment s : segs) {
                if (s.target() != HOLE) {
                    feeds[s.target()]++;
                    sole[s.target()] = s;
                }
            }
        }
        for (int i = 0; i < sole.length; i++) {
            if (feeds[i] != 1) {
                sole[i] = null;
            }
        }
    }

    long offset() {
        return offset;
    }

    int length() {
        return length;
    }

    List<Target> targets() {
        return targets;
    }

    /** The segments of each mirror (one list for a read), in window order, covering [0, length). */
    List<List<Segment>> mirrors() {
        return mirrors;
    }

    /** The released (HSM) components the window touches: the data there is only in the archive. */
    List<Component> released() {
        return released;
    }

    // ---- planning -----------------------------------------------------------------------------

    /**
     * Plans a read of [offset, offset + length) from the first mirror that is in sync over the whole
     * window. Bytes with nowhere to come from (no layout, beyond the last component, a component not
     * instantiated, a released component) are holes.
     */
    static IoPlan forRead(Layout layout, long offset, int length) {
        checkRange(offset, length);
        List<Target> targets = new ArrayList<>();
        List<Segment> segs = new ArrayList<>();
        List<Component> released = new ArrayList<>();
        if (!layout.isEmpty() && length > 0) {
            int mirror = layout.readableMirror(offset, length);
            if (mirror < 0) {
                throw new NacreException(Status.IO, "every mirror of [" + offset + ", " + (offset + length)
                        + ") is stale");
            }
            planMirror(layout, mirror, offset, length, targets, segs, released, new HashMap<>());
        }
        return new IoPlan(offset, length, targets, List.of(fillHoles(segs, length)), released);
    }

    /**
     * Plans a write of [offset, offset + length) to every mirror. Every mirror must cover the window with
     * instantiated components (see {@link #needsInstantiation}): TOO_BIG beyond a mirror's last component.
     */
    static IoPlan forWrite(Layout layout, long offset, int length) {
        checkRange(offset, length);
        if (layout.isEmpty()) {
            throw new NacreException(Status.INVALID, "the file has no layout to write through");
        }
        List<Target> targets = new ArrayList<>();
        List<List<Segment>> mirrors = new ArrayList<>();
        List<Component> released = new ArrayList<>();
        Map<DomTarget, Integer> dom = new HashMap<>();
        for (int m : layout.mirrors()) {
            List<Segment> segs = new ArrayList<>();
            planMirror(layout, m, offset, length, targets, segs, released, dom);
            segs.sort(Comparator.comparingInt(Segment::at));
            int covered = 0;
            for (Segment s : segs) {
                if (s.at() != covered || (s.target() == HOLE && !releasedAt(released, offset + s.at()))) {
                    break;
                }
                covered = s.end();
            }
            if (covered != length) {
                long at = offset + covered;
                Component c = layout.componentAt(m, at);
                if (c == null) {
                    throw new NacreException(Status.TOO_BIG, "offset " + at + " is beyond the last component"
                            + " of mirror " + m + " of the layout");
                }
                throw new NacreException(Status.IO, "component " + c.extent() + " of mirror " + m
                        + " has no objects yet");
            }
            mirrors.add(segs);
        }
        return new IoPlan(offset, length, targets, mirrors, released);
    }

    private static boolean releasedAt(List<Component> released, long fileOffset) {
        return released.stream().anyMatch(c -> c.extent().contains(fileOffset));
    }

    private static void planMirror(Layout layout, int mirror, long offset, int length, List<Target> targets,
                                   List<Segment> segs, List<Component> released, Map<DomTarget, Integer> dom) {
        List<Piece> pieces = Striping.split(layout, mirror, offset, length);
        for (Piece p : pieces) {
            int at = (int) (p.fileOffset() - offset);
            int len = (int) p.length();
            Component c = p.component();
            if (c.isDataOnMdt()) {
                DomTarget t = new DomTarget(p.fileOffset(), len);
                Integer idx = dom.get(t);
                if (idx == null) {
                    idx = targets.size();
                    targets.add(t);
                    dom.put(t, idx);
                }
                segs.add(new Segment(at, len, idx, 0));
            } else if (c.isReleased()) {
                if (!released.contains(c)) {
                    released.add(c);
                }
                segs.add(new Segment(at, len, HOLE, 0));
            } else if (p.object() == null) {
                segs.add(new Segment(at, len, HOLE, 0));
            }
        }
        List<Piece> objectPieces = pieces.stream().filter(p -> p.object() != null).toList();
        for (ObjectIo io : Striping.byObject(objectPieces)) {
            int idx = targets.size();
            ObjectRef obj = io.pieces().get(0).object();
            targets.add(new ObjectTarget(obj, mirror, io.componentIndex(), io.stripe(), io.objectOffset(),
                    (int) io.length()));
            for (Piece p : io.pieces()) {
                segs.add(new Segment((int) (p.fileOffset() - offset), (int) p.length(), idx,
                        (int) (p.objectOffset() - io.objectOffset())));
            }
        }
    }

    /** Sorts the segments and makes every run of [0, length) they leave uncovered, or mark as holes, one hole. */
    private static List<Segment> fillHoles(List<Segment> segs, int length) {
        segs.sort(Comparator.comparingInt(Segment::at));
        List<Segment> out = new ArrayList<>(segs.size() + 1);
        int pos = 0;
        int holeFrom = -1;
        for (Segment s : segs) {
            if (s.at() > pos && holeFrom < 0) {
                holeFrom = pos;
            }
            if (s.target() == HOLE) {
                holeFrom = holeFrom < 0 ? s.at() : holeFrom;
            } else {
                if (holeFrom >= 0) {
                    out.add(new Segment(holeFrom, s.at() - holeFrom, HOLE, 0));
                    holeFrom = -1;
                }
                out.add(s);
            }
            pos = s.end();
        }
        if (holeFrom < 0 && pos < length) {
            holeFrom = pos;
        }
        if (holeFrom >= 0) {
            out.add(new Segment(holeFrom, length - holeFrom, HOLE, 0));
        }
        return out;
    }

    private static void checkRange(long offset, int length) {
        if (offset < 0 || length < 0 || offset > Long.MAX_VALUE - length) {
            throw new NacreException(Status.INVALID, "bad range: offset " + offset + ", length " + length);
        }
    }

    /** True when a RAID0 component of some mirror overlapping the range has no objects yet. */
    static boolean needsInstantiation(Layout layout, long offset, long length) {
        long end = offset > Long.MAX_VALUE - length ? Long.MAX_VALUE : offset + length;
        for (Component c : layout.components()) {
            Placement.Raid0 r = c.raid0();
            if (r != null && !r.instantiated() && c.extent().overlaps(offset, end)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where a window of about {@code target} bytes starting at {@code offset} should end so that windows
     * after the first cover whole stripe rows of the component at {@code offset} (or whole stripe units
     * when a row is larger than the target): every object then gets one full-sized request per window.
     * Never past the component's end, so that a window has one geometry; at least one byte.
     */
    static long windowEnd(Layout layout, long offset, long target) {
        if (target <= 0) {
            throw new IllegalArgumentException("window target must be > 0: " + target);
        }
        long limit = offset > Long.MAX_VALUE - target ? Long.MAX_VALUE : offset + target;
        Component c = null;
        for (int m : layout.mirrors()) {
            c = layout.componentAt(m, offset);
            if (c != null) {
                break;
            }
        }
        if (c == null) {
            return limit;
        }
        limit = Math.min(limit, c.end());
        Placement.Raid0 r = c.raid0();
        if (r == null) {
            return limit;
        }
        long row = (long) r.stripeSize() * r.stripeCount();
        long align = row <= target ? row : r.stripeSize() <= target ? r.stripeSize() : 1;
        long rel = limit - c.start();
        long aligned = limit - rel % align;
        return aligned > offset ? aligned : limit;
    }

    // ---- gather and scatter -------------------------------------------------------------------

    /** The only segment feeding target {@code i}, or null when several (or none) do. */
    Segment sole(int i) {
        return sole[i];
    }

    /**
     * The window bytes that fall in target {@code i} when only the first {@code valid} bytes of the window
     * are there (a stream's last, short window): a prefix of the target, since a target's bytes come in
     * window order.
     */
    int validLength(int i, int valid) {
        if (valid >= length) {
            return targets.get(i).length();
        }
        int n = 0;
        for (List<Segment> segs : mirrors) {
            for (Segment s : segs) {
                if (s.target() == i && s.at() < valid) {
                    n = Math.max(n, s.targetOffset() + Math.min(s.length(), valid - s.at()));
                }
            }
        }
        return n;
    }

    /** Bytes of target buffers a window needs (its memory cost). */
    long bufferBytes() {
        long n = 0;
        for (Target t : targets) {
            n += t.length();
        }
        return n;
    }

    /**
     * Buffers for a write of {@code window} (the window's bytes, from its position): a target fed by one
     * segment gets a slice of the window itself, the others a copy of their bytes gathered from it.
     */
    ByteBuffer[] gather(ByteBuffer window) {
        if (window.remaining() != length) {
            throw new IllegalArgumentException("window has " + window.remaining() + " bytes, plan " + length);
        }
        ByteBuffer[] bufs = new ByteBuffer[targets.size()];
        boolean[] aliased = new boolean[bufs.length];
        for (int i = 0; i < bufs.length; i++) {
            Segment s = sole[i];
            if (s != null) {
                bufs[i] = window.slice(window.position() + s.at(), s.length());
                aliased[i] = true;
            } else {
                bufs[i] = ByteBuffer.allocate(targets.get(i).length());
            }
        }
        copyIn(0, window.duplicate(), bufs, aliased);
        return bufs;
    }

    /** Fresh, zeroed buffers, one per target. */
    ByteBuffer[] allocate() {
        ByteBuffer[] bufs = new ByteBuffer[targets.size()];
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = ByteBuffer.allocate(targets.get(i).length());
        }
        return bufs;
    }

    /**
     * Buffers for a read into {@code out} (the window's bytes, from its position): a target fed by one
     * segment reads straight into its slice of out ({@code aliased[i]} is set), the others into fresh buffers.
     */
    ByteBuffer[] readBuffers(ByteBuffer out, boolean[] aliased) {
        ByteBuffer[] bufs = new ByteBuffer[targets.size()];
        for (int i = 0; i < bufs.length; i++) {
            Segment s = sole[i];
            if (s != null) {
                bufs[i] = out.slice(out.position() + s.at(), s.length());
                aliased[i] = true;
            } else {
                bufs[i] = ByteBuffer.allocate(targets.get(i).length());
            }
        }
        return bufs;
    }

    /**
     * Copies {@code src}'s remaining bytes, which are window bytes from {@code at}, into the target buffers
     * of every mirror (skipping aliased ones), advancing src.
     */
    void copyIn(int at, ByteBuffer src, ByteBuffer[] bufs, boolean[] aliased) {
        int n = src.remaining();
        checkWindowRange(at, n);
        int base = src.position();
        for (List<Segment> segs : mirrors) {
            for (int i = firstSegment(segs, at); i < segs.size() && segs.get(i).at() < at + n; i++) {
                Segment s = segs.get(i);
                if (s.target() == HOLE || (aliased != null && aliased[s.target()])) {
                    continue;
                }
                int from = Math.max(at, s.at());
                int to = Math.min(at + n, s.end());
                bufs[s.target()].put(s.targetOffset() + from - s.at(), src, base + from - at, to - from);
            }
        }
        src.position(base + n);
    }

    /**
     * Fills {@code dst}'s remaining space with window bytes from {@code at} taken from the target buffers of
     * the (read) plan's mirror: holes as zeros, aliased targets already in place. Advances dst.
     */
    void copyOut(int at, ByteBuffer dst, ByteBuffer[] bufs, boolean[] aliased) {
        int n = dst.remaining();
        checkWindowRange(at, n);
        int base = dst.position();
        List<Segment> segs = mirrors.get(0);
        for (int i = firstSegment(segs, at); i < segs.size() && segs.get(i).at() < at + n; i++) {
            Segment s = segs.get(i);
            int from = Math.max(at, s.at());
            int to = Math.min(at + n, s.end());
            if (s.target() == HOLE) {
                zero(dst, base + from - at, to - from);
            } else if (aliased == null || !aliased[s.target()]) {
                dst.put(base + from - at, bufs[s.target()], s.targetOffset() + from - s.at(), to - from);
            }
        }
        dst.position(base + n);
    }

    private void checkWindowRange(int at, int n) {
        if (at < 0 || n < 0 || at > length - n) {
            throw new IllegalArgumentException("[" + at + ", " + (at + n) + ") is not inside the window of "
                    + length + " bytes");
        }
    }

    /** The index of the first segment ending after {@code at} (segments are sorted and do not overlap). */
    private static int firstSegment(List<Segment> segs, int at) {
        int lo = 0;
        int hi = segs.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (segs.get(mid).end() <= at) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Writes {@code n} zeros into {@code b} at absolute index {@code at}. */
    static void zero(ByteBuffer b, int at, int n) {
        while (n > 0) {
            int k = Math.min(n, ZEROS.length);
            b.put(at, ZEROS, 0, k);
            at += k;
            n -= k;
        }
    }
}
