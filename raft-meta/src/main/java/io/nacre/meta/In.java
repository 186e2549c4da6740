package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads what {@link Out} wrote. Every read is bounds-checked: a truncated or garbled message is an
 * INVALID NacreException, never an index error deep inside the state machine.
 */
final class In {

    private final byte[] buf;
    private final int end;
    private int pos;

    In(byte[] buf) {
        this(buf, 0, buf.length);
    }

    In(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    private void need(int n) {
        if (n < 0 || end - pos < n) {
            throw new NacreException(Status.INVALID, "malformed metadata message: needs " + n + " more bytes, has "
                    + (end - pos));
        }
    }

    int u8() {
        need(1);
        return buf[pos++] & 0xff;
    }

    boolean bool() {
        int v = u8();
        if (v > 1) {
            throw new NacreException(Status.INVALID, "malformed metadata message: bad boolean " + v);
        }
        return v == 1;
    }

    int i32() {
        need(4);
        int v = Keys.getInt(buf, pos);
        pos += 4;
        return v;
    }

    long i64() {
        need(8);
        long v = Keys.getLong(buf, pos);
        pos += 8;
        return v;
    }

    /** Where the next read starts in the array given to the constructor. */
    int position() {
        return pos;
    }

    /** Steps over n bytes. */
    void skip(long n) {
        need(Math.clamp(n, -1, Integer.MAX_VALUE)); // a count beyond int is beyond any message too
        pos += (int) n;
    }

    /** Steps over what {@link #bytes()} (or {@link #str()}) would read. */
    void skipBytes() {
        int n = i32();
        if (n != -1) {
            skip(n);
        }
    }

    byte[] raw(int n) {
        need(n);
        byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return b;
    }

    byte[] bytes() {
        int n = i32();
        if (n == -1) {
            return null;
        }
        return raw(n);
    }

    String str() {
        byte[] b = bytes();
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    Long optLong() {
        return bool() ? i64() : null;
    }

    Integer optInt() {
        return bool() ? i32() : null;
    }

    /** A count of items to follow, checked against what the message can possibly hold. */
    int count() {
        int n = i32();
        if (n < 0 || n > end - pos) {
            throw new NacreException(Status.INVALID, "malformed metadata message: bad count " + n);
        }
        return n;
    }

    boolean atEnd() {
        return pos == end;
    }

    void expectEnd() {
        if (pos != end) {
            throw new NacreException(Status.INVALID, "malformed metadata message: " + (end - pos) + " trailing bytes");
        }
    }
}
