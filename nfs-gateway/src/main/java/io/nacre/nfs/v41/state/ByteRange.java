package io.nacre.nfs.v41.state;

/**
 * A byte range [start, end) of a file in unsigned 64-bit arithmetic. NFS's "length all ones" (to the
 * end of the file and beyond) becomes end = 2^64 - 1, the largest offset; nothing lies past it.
 */
record ByteRange(long start, long end) {

    static final long MAX = -1L;

    ByteRange {
        if (Long.compareUnsigned(start, end) >= 0) {
            throw new IllegalArgumentException("empty range [" + Long.toUnsignedString(start) + ", "
                    + Long.toUnsignedString(end) + ")");
        }
    }

    /**
     * The range of an NFS (offset, length) pair, or null when it is invalid: length 0, or offset +
     * length beyond 2^64 (RFC 8881 §18.10.3: NFS4ERR_INVAL).
     */
    static ByteRange of(long offset, long length) {
        if (length == 0) {
            return null;
        }
        if (length == MAX) {
            return offset == MAX ? null : new ByteRange(offset, MAX);
        }
        long end = offset + length;
        if (Long.compareUnsigned(end, offset) <= 0) {
            return null;
        }
        return new ByteRange(offset, end);
    }

    /** The NFS length of this range (all ones when it runs to the end). */
    long nfsLength() {
        return end == MAX ? MAX : end - start;
    }

    boolean overlaps(ByteRange o) {
        return Long.compareUnsigned(start, o.end) < 0 && Long.compareUnsigned(o.start, end) < 0;
    }

    /** Overlapping or adjacent: the two can merge into one range. */
    boolean touches(ByteRange o) {
        return Long.compareUnsigned(start, o.end) <= 0 && Long.compareUnsigned(o.start, end) <= 0;
    }

    boolean contains(ByteRange o) {
        return Long.compareUnsigned(start, o.start) <= 0 && Long.compareUnsigned(o.end, end) <= 0;
    }

    @Override
    public String toString() {
        return "[" + Long.toUnsignedString(start) + ", " + (end == MAX ? "EOF" : Long.toUnsignedString(end)) + ")";
    }
}
