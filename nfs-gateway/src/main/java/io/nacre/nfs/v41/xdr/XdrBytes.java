package io.nacre.nfs.v41.xdr;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * XDR encoded into a growing byte array, for values that are encoded apart from the reply (attribute values,
 * the reply cache, layouts): the same bytes as oncrpc4j's {@code Xdr}, without its Grizzly buffer (a volatile
 * field and a bounds-checked buffer call per word, a buffer from the memory manager per value, a copy out
 * through a duplicate), which under C1 were a good part of a GETATTR's encoding on the RPC selector.
 */
public final class XdrBytes implements XdrEncodingStream {

    private byte[] buf;
    private int pos;
    /** Whether one opaque's bytes may be left out and referred to instead ({@link #referring}). */
    private final boolean refers;
    /** The bytes referred to, or null; they belong at {@link #referredAt} in the encoding. */
    private ByteBuffer referred;
    private int referredAt = -1;

    public XdrBytes(int capacity) {
        this(capacity, false);
    }

    private XdrBytes(int capacity, boolean refers) {
        this.buf = new byte[Math.max(capacity, 16)];
        this.refers = refers;
    }

    /**
     * An encoding that leaves out the bytes of the first opaque encoded with {@link #xdrEncodeReferred} (a READ's
     * data): the array holds everything else, and the caller puts those bytes in at {@link #referredAt()}. The
     * encoding is {@link #size()} plus their length long.
     */
    public static XdrBytes referring(int capacity) {
        return new XdrBytes(capacity, true);
    }

    /** Whether this encoding leaves out an opaque's bytes when asked ({@link #referring}). */
    public boolean refers() {
        return refers;
    }

    /**
     * A variable-length opaque ({@code src}'s remaining bytes): its length and padding written here, its bytes
     * left out and referred to, the first time; encoded in full after that, or when this encoding does not refer.
     */
    public void xdrEncodeReferred(ByteBuffer src) {
        if (!refers || referred != null) {
            xdrEncodeByteBuffer(src);
            return;
        }
        int len = src.remaining();
        xdrEncodeInt(len);
        referredAt = pos;
        referred = src;
        int pad = ((len + 3) & ~3) - len;
        ensure(pad);
        pos += pad; // zeros: the array starts zeroed and is only ever grown
    }

    /** The bytes left out ({@link #xdrEncodeReferred}), or null. */
    public ByteBuffer referred() {
        return referred;
    }

    /** Where in the encoding the bytes left out belong (before the array's byte there), or -1. */
    public int referredAt() {
        return referredAt;
    }

    /** The bytes written so far, in an array of their own. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }

    /** How many bytes were written. */
    public int size() {
        return pos;
    }

    /** The array written into, valid up to {@link #size()} (no copy: for handing the bytes on as they are). */
    public byte[] array() {
        return buf;
    }

    /** Writes {@code v} over the word at {@code offset}, already written (a length known only at the end). */
    public void putInt(int offset, int v) {
        if (offset < 0 || offset > pos - 4) {
            throw new IndexOutOfBoundsException("word at " + offset + " of " + pos + " bytes written");
        }
        buf[offset] = (byte) (v >>> 24);
        buf[offset + 1] = (byte) (v >>> 16);
        buf[offset + 2] = (byte) (v >>> 8);
        buf[offset + 3] = (byte) v;
    }

    private void ensure(int n) {
        if (buf.length - pos < n) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    @Override
    public void beginEncoding() {
        Arrays.fill(buf, 0, pos, (byte) 0); // padding is left as zeros, not written
        pos = 0;
        referred = null;
        referredAt = -1;
    }

    @Override
    public void endEncoding() {
    }

    @Override
    public void xdrEncodeInt(int v) {
        ensure(4);
        byte[] b = buf;
        int p = pos;
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
        pos = p + 4;
    }

    @Override
    public void xdrEncodeLong(long v) {
        ensure(8);
        byte[] b = buf;
        int p = pos;
        int hi = (int) (v >>> 32);
        int lo = (int) v;
        b[p] = (byte) (hi >>> 24);
        b[p + 1] = (byte) (hi >>> 16);
        b[p + 2] = (byte) (hi >>> 8);
        b[p + 3] = (byte) hi;
        b[p + 4] = (byte) (lo >>> 24);
        b[p + 5] = (byte) (lo >>> 16);
        b[p + 6] = (byte) (lo >>> 8);
        b[p + 7] = (byte) lo;
        pos = p + 8;
    }

    @Override
    public void xdrEncodeBoolean(boolean v) {
        xdrEncodeInt(v ? 1 : 0);
    }

    @Override
    public void xdrEncodeIntVector(int[] values) {
        xdrEncodeInt(values.length);
        for (int v : values) {
            xdrEncodeInt(v);
        }
    }

    @Override
    public void xdrEncodeIntFixedVector(int[] values, int length) {
        checkLength(values.length, length);
        for (int v : values) {
            xdrEncodeInt(v);
        }
    }

    @Override
    public void xdrEncodeLongVector(long[] values) {
        xdrEncodeInt(values.length);
        for (long v : values) {
            xdrEncodeLong(v);
        }
    }

    @Override
    public void xdrEncodeLongFixedVector(long[] values, int length) {
        checkLength(values.length, length);
        for (long v : values) {
            xdrEncodeLong(v);
        }
    }

    @Override
    public void xdrEncodeDynamicOpaque(byte[] opaque) {
        xdrEncodeInt(opaque.length);
        xdrEncodeOpaque(opaque, 0, opaque.length);
    }

    @Override
    public void xdrEncodeOpaque(byte[] bytes, int len) {
        xdrEncodeOpaque(bytes, 0, len);
    }

    /** The bytes, then zeros up to a multiple of four (the array starts zeroed and is only ever grown). */
    @Override
    public void xdrEncodeOpaque(byte[] bytes, int offset, int len) {
        int padded = (len + 3) & ~3;
        ensure(padded);
        System.arraycopy(bytes, offset, buf, pos, len);
        pos += padded;
    }

    /** UTF-8 as oncrpc4j writes it; an ASCII string (a numeric owner) without the intermediate byte array. */
    @Override
    public void xdrEncodeString(String s) {
        String v = s == null ? "" : s;
        int n = v.length();
        for (int i = 0; i < n; i++) {
            if (v.charAt(i) >= 0x80) {
                xdrEncodeDynamicOpaque(v.getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        xdrEncodeInt(n);
        int padded = (n + 3) & ~3;
        ensure(padded);
        byte[] b = buf;
        int p = pos;
        for (int i = 0; i < n; i++) {
            b[p + i] = (byte) v.charAt(i);
        }
        pos = p + padded;
    }

    /**
     * The string of {@code v}'s decimal digits, as unsigned ({@code Integer.toUnsignedString}): a numeric owner
     * written without making the string (one per owner and group of every GETATTR reply).
     */
    public void xdrEncodeUnsignedDecimal(int v) {
        long u = Integer.toUnsignedLong(v);
        int n = 1;
        for (long t = u; t >= 10; t /= 10) {
            n++;
        }
        xdrEncodeInt(n);
        int padded = (n + 3) & ~3;
        ensure(padded);
        byte[] b = buf;
        int p = pos;
        for (int i = n - 1; i >= 0; i--) {
            b[p + i] = (byte) ('0' + (int) (u % 10));
            u /= 10;
        }
        pos = p + padded;
    }

    @Override
    public void xdrEncodeByteBuffer(ByteBuffer src) {
        int len = src.remaining();
        xdrEncodeInt(len);
        int padded = (len + 3) & ~3;
        ensure(padded);
        src.get(buf, pos, len);
        pos += padded;
    }

    @Override
    public void xdrEncodeFloat(float v) {
        xdrEncodeInt(Float.floatToIntBits(v));
    }

    @Override
    public void xdrEncodeDouble(double v) {
        xdrEncodeLong(Double.doubleToLongBits(v));
    }

    @Override
    public void xdrEncodeFloatVector(float[] values) {
        xdrEncodeInt(values.length);
        for (float v : values) {
            xdrEncodeFloat(v);
        }
    }

    @Override
    public void xdrEncodeFloatFixedVector(float[] values, int length) {
        checkLength(values.length, length);
        for (float v : values) {
            xdrEncodeFloat(v);
        }
    }

    @Override
    public void xdrEncodeDoubleVector(double[] values) {
        xdrEncodeInt(values.length);
        for (double v : values) {
            xdrEncodeDouble(v);
        }
    }

    @Override
    public void xdrEncodeDoubleFixedVector(double[] values, int length) {
        checkLength(values.length, length);
        for (double v : values) {
            xdrEncodeDouble(v);
        }
    }

    /** A byte per XDR word, sign-extended, as oncrpc4j writes it. */
    @Override
    public void xdrEncodeByteVector(byte[] values) {
        xdrEncodeInt(values.length);
        for (byte v : values) {
            xdrEncodeInt(v);
        }
    }

    @Override
    public void xdrEncodeByteFixedVector(byte[] values, int length) {
        checkLength(values.length, length);
        for (byte v : values) {
            xdrEncodeInt(v);
        }
    }

    @Override
    public void xdrEncodeByte(byte v) {
        xdrEncodeInt(v);
    }

    @Override
    public void xdrEncodeShort(short v) {
        xdrEncodeInt(v);
    }

    @Override
    public void xdrEncodeShortVector(short[] values) {
        xdrEncodeInt(values.length);
        for (short v : values) {
            xdrEncodeInt(v);
        }
    }

    @Override
    public void xdrEncodeShortFixedVector(short[] values, int length) {
        checkLength(values.length, length);
        for (short v : values) {
            xdrEncodeInt(v);
        }
    }

    private static void checkLength(int actual, int expected) {
        if (actual != expected) {
            throw new IllegalArgumentException("array size does not match protocol specification");
        }
    }
}
