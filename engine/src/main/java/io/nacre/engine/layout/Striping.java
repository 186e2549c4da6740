package io.nacre.engine.layout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lustre's LOV striping math, in one pure place used by FileIo, pNFS file layouts and S3 alike.
 *
 * <p>Within a RAID0 component starting at {@code start}, file offset {@code off} lies in stripe unit
 * {@code u = (off - start) / stripeSize}; that unit is on stripe {@code u % stripeCount} at object
 * offset {@code (u / stripeCount) * stripeSize + (off - start) % stripeSize} (dense packing, counted
 * from the component's start, which is what an NFSv4.1 file layout's pattern offset expresses).
 */
public final class Striping {

    private Striping() {
    }

    /** Where one byte of a RAID0 component lives: the stripe (index into its objects) and the object offset. */
    public record Location(int stripe, long objectOffset) {
    }

    public static Location locate(long componentStart, int stripeSize, int stripeCount, long fileOffset) {
        checkGeometry(componentStart, stripeSize, stripeCount);
        if (fileOffset < componentStart) {
            throw new IllegalArgumentException("offset " + fileOffset + " before component start " + componentStart);
        }
        long rel = fileOffset - componentStart;
        long unit = rel / stripeSize;
        int stripe = (int) (unit % stripeCount);
        long objectOffset = (unit / stripeCount) * stripeSize + rel % stripeSize;
        return new Location(stripe, objectOffset);
    }

    /** The inverse of {@link #locate}: the file offset held at {@code objectOffset} of stripe {@code stripe}. */
    public static long fileOffset(long componentStart, int stripeSize, int stripeCount, int stripe, long objectOffset) {
        checkGeometry(componentStart, stripeSize, stripeCount);
        checkStripe(stripe, stripeCount);
        if (objectOffset < 0) {
            throw new IllegalArgumentException("negative object offset " + objectOffset);
        }
        // Exact arithmetic: an object offset whose file offset would pass Long.MAX_VALUE is an error, not a
        // wrapped (negative) file offset.
        long row = objectOffset / stripeSize;
        long unit = Math.addExact(Math.multiplyExact(row, (long) stripeCount), stripe);
        return Math.addExact(componentStart, Math.addExact(Math.multiplyExact(unit, (long) stripeSize),
                objectOffset % stripeSize));
    }

    /**
     * How many bytes stripe {@code stripe}'s object holds (its size, holes included) when the file's
     * data ends at {@code fileSize}: the object offset just past the last file byte it carries below
     * min(fileSize, componentEnd). Truncate punches objects to this.
     */
    public static long objectSize(long componentStart, long componentEnd, int stripeSize, int stripeCount,
                                  int stripe, long fileSize) {
        checkGeometry(componentStart, stripeSize, stripeCount);
        checkStripe(stripe, stripeCount);
        long end = Math.min(fileSize, componentEnd);
        if (end <= componentStart) {
            return 0;
        }
        long rel = end - componentStart;          // bytes of the component that hold data
        long fullUnits = rel / stripeSize;         // complete stripe units
        long partial = rel % stripeSize;           // bytes in the last, partial unit
        long fullRows = fullUnits / stripeCount;
        int unitsInLastRow = (int) (fullUnits % stripeCount);
        long size = fullRows * stripeSize;
        if (stripe < unitsInLastRow) {
            size += stripeSize;
        } else if (stripe == unitsInLastRow) {
            size += partial;
        }
        return size;
    }

    /**
     * The file size implied by one object's size: one past the highest file offset the object's last
     * byte maps to, or {@code componentStart} when the object is empty. The file size is the maximum
     * of this over all objects (what a glimpse computes).
     */
    public static long fileSizeFromObject(long componentStart, int stripeSize, int stripeCount, int stripe,
                                          long objectSize) {
        if (objectSize <= 0) {
            return componentStart;
        }
        return fileOffset(componentStart, stripeSize, stripeCount, stripe, objectSize - 1) + 1;
    }

    private static void checkGeometry(long componentStart, int stripeSize, int stripeCount) {
        if (componentStart < 0 || stripeSize <= 0 || stripeCount <= 0) {
            throw new IllegalArgumentException("bad RAID0 geometry: start " + componentStart + ", stripe size "
                    + stripeSize + ", stripe count " + stripeCount);
        }
    }

    private static void checkStripe(int stripe, int stripeCount) {
        if (stripe < 0 || stripe >= stripeCount) {
            throw new IllegalArgumentException("stripe " + stripe + " not in 0.." + (stripeCount - 1));
        }
    }

    /**
     * A piece of a file range that lies in one stripe unit of one component (or, for data-on-MDT and
     * released components, in the whole component): the file range, the component, and for RAID0 the
     * stripe and object offset. {@code stripe} is -1 for non-RAID0 components; {@code objectOffset} is
     * then the offset from the component's start.
     */
    public record Piece(long fileOffset, long length, int componentIndex, Component component, int stripe,
                        long objectOffset) {

        /** The OST object holding this piece, or null (not RAID0, or component not instantiated). */
        public ObjectRef object() {
            Placement.Raid0 r = component.raid0();
            return r == null || !r.instantiated() ? null : r.objects().get(stripe);
        }
    }

    /**
     * Splits [offset, offset + length) into pieces along the components of one mirror, in file order.
     * The part of the range beyond the mirror's last component is not returned.
     */
    public static List<Piece> split(Layout layout, int mirrorId, long offset, long length) {
        if (offset < 0 || length < 0 || offset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
        }
        List<Piece> out = new ArrayList<>();
        if (length == 0) {
            return out;
        }
        long end = offset + length;
        List<Component> comps = layout.components();
        for (int ci = 0; ci < comps.size(); ci++) {
            Component c = comps.get(ci);
            if (c.mirrorId() != mirrorId || !c.extent().overlaps(offset, end)) {
                continue;
            }
            long from = Math.max(offset, c.start());
            long to = Math.min(end, c.end());
            Placement.Raid0 r = c.raid0();
            if (r == null) {
                out.add(new Piece(from, to - from, ci, c, -1, from - c.start()));
                continue;
            }
            long pos = from;
            while (pos < to) {
                // What is left of the stripe unit, counted forward from pos: computing the unit's end as an
                // absolute offset would overflow in a component that extends to EOF.
                long leftInUnit = r.stripeSize() - (pos - c.start()) % r.stripeSize();
                long pieceEnd = pos + Math.min(to - pos, leftInUnit);
                Location loc = locate(c.start(), r.stripeSize(), r.stripeCount(), pos);
                out.add(new Piece(pos, pieceEnd - pos, ci, c, loc.stripe(), loc.objectOffset()));
                pos = pieceEnd;
            }
        }
        return out;
    }

    /**
     * The I/O to do on one object for a file range: one contiguous extent of the object
     * [objectOffset, objectOffset + length) and the pieces of the file it carries, in object order
     * (which is also file order).
     */
    public record ObjectIo(int componentIndex, int stripe, long objectOffset, long length, List<Piece> pieces) {
    }

    /**
     * Groups pieces of a RAID0 range into one extent per (component, stripe) where the object offsets
     * follow each other: a range covering several stripe rows becomes a single request per object.
     * Pieces of non-RAID0 components are not included.
     */
    public static List<ObjectIo> byObject(List<Piece> pieces) {
        List<ObjectIo> out = new ArrayList<>();
        // Open extents by (component, stripe); pieces come in file order, so each object's pieces come
        // in increasing object offset and only the last open extent of an object can grow.
        Map<Long, Integer> open = new HashMap<>();
        List<List<Piece>> lists = new ArrayList<>();
        for (Piece p : pieces) {
            if (p.stripe() < 0) {
                continue;
            }
            long key = ((long) p.componentIndex() << 32) | p.stripe();
            Integer idx = open.get(key);
            if (idx != null) {
                List<Piece> l = lists.get(idx);
                Piece last = l.get(l.size() - 1);
                if (last.objectOffset() + last.length() == p.objectOffset()) {
                    l.add(p);
                    continue;
                }
            }
            List<Piece> l = new ArrayList<>();
            l.add(p);
            open.put(key, lists.size());
            lists.add(l);
        }
        for (List<Piece> l : lists) {
            Piece first = l.get(0);
            Piece last = l.get(l.size() - 1);
            long len = last.objectOffset() + last.length() - first.objectOffset();
            out.add(new ObjectIo(first.componentIndex(), first.stripe(), first.objectOffset(), len, List.copyOf(l)));
        }
        return out;
    }
}
