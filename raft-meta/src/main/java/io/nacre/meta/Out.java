package io.nacre.meta;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable big-endian byte writer for log entries, requests and replies (the inverse of {@link In}). */
final class Out {

    private byte[] buf;
    private int pos;

    Out() {
        this(128);
    }

    Out(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    Out u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    Out bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    Out i32(int v) {
        ensure(4);
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    Out i64(long v) {
        ensure(8);
        for (int s = 56; s >= 0; s -= 8) {
            buf[pos++] = (byte) (v >>> s);
        }
        return this;
    }

    Out raw(byte[] b) {
        return raw(b, 0, b.length);
    }

    Out raw(byte[] b, int offset, int length) {
        ensure(length);
        System.arraycopy(b, offset, buf, pos, length);
        pos += length;
        return this;
    }

    /** A byte array with its length; null is written as length -1. */
    Out bytes(byte[] b) {
        if (b == null) {
            return i32(-1);
        }
        i32(b.length);
        return raw(b);
    }

    /** A string as UTF-8 with its length; null is written as length -1. */
    Out str(String s) {
        return bytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    /** An optional long: a presence flag, then the value. */
    Out optLong(Long v) {
        bool(v != null);
        return v == null ? this : i64(v);
    }

    Out optInt(Integer v) {
        bool(v != null);
        return v == null ? this : i32(v);
    }

    int size() {
        return pos;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }
}
