package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * Bounded XDR primitives. Every variable-length item is checked against its protocol limit before
 * anything is allocated, so a hostile length field costs a BADXDR reply, never memory.
 */
public final class XdrIo {

    /** Most words a bitmap4 may have; the highest attribute we know (82) fits in 3. */
    public static final int MAX_BITMAP_WORDS = 8;

    private XdrIo() {
    }

    /** An array length, at most {@code max}. */
    public static int count(XdrDecodingStream x, int max) throws IOException {
        int n = x.xdrDecodeInt();
        if (n < 0 || n > max) {
            throw new BadXdrException("array length " + Integer.toUnsignedString(n) + " exceeds " + max);
        }
        return n;
    }

    /** A variable-length opaque of at most {@code max} bytes. */
    public static byte[] opaque(XdrDecodingStream x, int max) throws IOException {
        int n = count(x, max);
        return n == 0 ? new byte[0] : x.xdrDecodeOpaque(n);
    }

    public static void opaque(XdrEncodingStream x, byte[] b) {
        x.xdrEncodeDynamicOpaque(b);
    }

    /** Bytes as UTF-8, malformed sequences replaced: for diagnostic strings only, never for names. */
    public static String utf8(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    public static long verifier(XdrDecodingStream x) throws IOException {
        return x.xdrDecodeLong();
    }

    public static int[] bitmap(XdrDecodingStream x) throws IOException {
        int n = count(x, MAX_BITMAP_WORDS);
        int[] words = new int[n];
        for (int i = 0; i < n; i++) {
            words[i] = x.xdrDecodeInt();
        }
        return words;
    }

    public static void bitmap(XdrEncodingStream x, int[] words) {
        x.xdrEncodeInt(words.length);
        for (int w : words) {
            x.xdrEncodeInt(w);
        }
    }

    /** Encodes a value into a fresh byte array (used for attribute values and the reply cache). */
    public static byte[] toBytes(XdrEncodable value) {
        XdrBytes x = new XdrBytes(512);
        value.encode(x);
        return x.toByteArray();
    }

    /** A decoding stream over bytes. */
    public static Xdr decoder(byte[] bytes) {
        Xdr xdr = new Xdr(bytes);
        xdr.beginDecoding();
        return xdr;
    }
}
