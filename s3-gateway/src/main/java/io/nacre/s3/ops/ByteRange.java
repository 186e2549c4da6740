package io.nacre.s3.ops;

import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;

/**
 * A single byte range of a GET (RFC 9110 §14): "bytes=first-last", "bytes=first-", "bytes=-suffix".
 * Like S3, a syntactically invalid or multi-range header is ignored (the whole object is sent); a
 * valid range that starts at or beyond the end is InvalidRange (416).
 */
record ByteRange(long first, long last) {

    long length() {
        return last - first + 1;
    }

    /** The range to serve of an object of {@code size} bytes; null for the whole object. */
    static ByteRange parse(String header, long size) {
        if (header == null) {
            return null;
        }
        String h = header.strip();
        if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
            return null;
        }
        String spec = h.substring(6).strip();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).strip();
        String b = spec.substring(dash + 1).strip();
        try {
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return null;
                }
                long suffix = Long.parseLong(b);
                if (suffix < 0) {
                    return null;
                }
                if (suffix == 0 || size == 0) {
                    throw unsatisfiable(size);
                }
                return new ByteRange(Math.max(0, size - suffix), size - 1);
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
            if (first < 0 || last < first) {
                return null;
            }
            if (first >= size) {
                throw unsatisfiable(size);
            }
            return new ByteRange(first, Math.min(last, size - 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static S3Exception unsatisfiable(long size) {
        return new S3Exception(S3Error.INVALID_RANGE, "The requested range is not satisfiable")
                .with("RangeRequested", "bytes").with("ActualObjectSize", Long.toString(size));
    }
}
