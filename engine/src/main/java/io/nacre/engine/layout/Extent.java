package io.nacre.engine.layout;

/** A byte range [start, end) of a file; {@link #EOF} as the end means "to the end of the file". */
public record Extent(long start, long end) {

    public static final long EOF = Long.MAX_VALUE;
    public static final Extent WHOLE = new Extent(0, EOF);

    public Extent {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("bad extent [" + start + ", " + end + ")");
        }
    }

    public boolean contains(long offset) {
        return offset >= start && offset < end;
    }

    public boolean overlaps(long from, long to) {
        return from < end && to > start;
    }

    public long length() {
        return end - start;
    }

    @Override
    public String toString() {
        return "[" + start + ", " + (end == EOF ? "EOF" : Long.toString(end)) + ")";
    }
}
