package io.nacre.meta;

import io.nacre.engine.Fid;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * LMDB key encodings. Everything is big-endian so that LMDB's byte order is the numeric order: a
 * directory's entries are the key range starting with its Fid, in byte order of the names (what S3
 * listing needs), and its cookie index is the range (dir, cookie) in cookie order (what readdir needs).
 */
final class Keys {

    private Keys() {
    }

    static byte[] fid(Fid f) {
        byte[] k = new byte[Fid.BYTES];
        putFid(k, 0, f);
        return k;
    }

    static Fid fid(byte[] k, int offset) {
        return new Fid(getLong(k, offset), getInt(k, offset + 8), getInt(k, offset + 12));
    }

    /** (dir, name): a directory entry. */
    static byte[] dentry(Fid dir, String name) {
        return dentry(dir, name.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] dentry(Fid dir, byte[] name) {
        byte[] k = Arrays.copyOf(fid(dir), Fid.BYTES + name.length);
        System.arraycopy(name, 0, k, Fid.BYTES, name.length);
        return k;
    }

    /** The name part of a dentry (or xattr) key. */
    static String nameOf(byte[] key) {
        return new String(key, Fid.BYTES, key.length - Fid.BYTES, StandardCharsets.UTF_8);
    }

    /** (dir, cookie): the cookie index of a directory entry. */
    static byte[] cookie(Fid dir, long cookie) {
        byte[] k = Arrays.copyOf(fid(dir), Fid.BYTES + 8);
        putLong(k, Fid.BYTES, cookie);
        return k;
    }

    static long cookieOf(byte[] key) {
        return getLong(key, Fid.BYTES);
    }

    /** (fid, name): an extended attribute. */
    static byte[] xattr(Fid fid, String name) {
        return dentry(fid, name);
    }

    /** True when {@code key} starts with the 16 bytes of {@code fid}. */
    static boolean hasPrefix(byte[] key, byte[] fidKey) {
        return key.length >= Fid.BYTES && Arrays.equals(key, 0, Fid.BYTES, fidKey, 0, Fid.BYTES);
    }

    static byte[] u64(long v) {
        byte[] k = new byte[8];
        putLong(k, 0, v);
        return k;
    }

    static long u64(byte[] k) {
        return getLong(k, 0);
    }

    static byte[] u32(int v) {
        byte[] k = new byte[4];
        putInt(k, 0, v);
        return k;
    }

    static int u32(byte[] k) {
        return getInt(k, 0);
    }

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] k) {
        return new String(k, StandardCharsets.UTF_8);
    }

    private static void putFid(byte[] k, int off, Fid f) {
        putLong(k, off, f.seq());
        putInt(k, off + 8, f.oid());
        putInt(k, off + 12, f.ver());
    }

    // Written out rather than loops: C1, the guest's JIT, does not unroll them, and every read decodes keys.

    static void putLong(byte[] k, int off, long v) {
        putInt(k, off, (int) (v >>> 32));
        putInt(k, off + 4, (int) v);
    }

    static long getLong(byte[] k, int off) {
        return ((long) getInt(k, off) << 32) | (getInt(k, off + 4) & 0xffffffffL);
    }

    static void putInt(byte[] k, int off, int v) {
        k[off] = (byte) (v >>> 24);
        k[off + 1] = (byte) (v >>> 16);
        k[off + 2] = (byte) (v >>> 8);
        k[off + 3] = (byte) v;
    }

    static int getInt(byte[] k, int off) {
        return ((k[off] & 0xff) << 24) | ((k[off + 1] & 0xff) << 16) | ((k[off + 2] & 0xff) << 8) | (k[off + 3] & 0xff);
    }
}
