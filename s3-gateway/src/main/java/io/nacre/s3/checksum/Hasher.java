package io.nacre.s3.checksum;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/** A running digest of one of the algorithms S3 knows (the x-amz-checksum-* ones, and MD5 for ETags). */
public abstract sealed class Hasher {

    public abstract void update(ByteBuffer src);

    public abstract void update(byte[] b, int off, int len);

    /** The digest's bytes (CRCs big-endian, as S3 encodes them); the hasher is reset. */
    public abstract byte[] finish();

    public static Hasher md5() {
        return new Digest(messageDigest("MD5"));
    }

    public static Hasher sha1() {
        return new Digest(messageDigest("SHA-1"));
    }

    public static Hasher sha256() {
        return new Digest(messageDigest("SHA-256"));
    }

    public static Hasher crc32() {
        return new Crc(new CRC32(), 4);
    }

    public static Hasher crc32c() {
        return new Crc(new CRC32C(), 4);
    }

    public static Hasher crc64nvme() {
        return new Crc(new Crc64Nvme(), 8);
    }

    static MessageDigest messageDigest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + name, e);
        }
    }

    private static final class Digest extends Hasher {
        private final MessageDigest md;

        Digest(MessageDigest md) {
            this.md = md;
        }

        @Override
        public void update(ByteBuffer src) {
            md.update(src);
        }

        @Override
        public void update(byte[] b, int off, int len) {
            md.update(b, off, len);
        }

        @Override
        public byte[] finish() {
            return md.digest();
        }
    }

    private static final class Crc extends Hasher {
        private final Checksum crc;
        private final int bytes;

        Crc(Checksum crc, int bytes) {
            this.crc = crc;
            this.bytes = bytes;
        }

        @Override
        public void update(ByteBuffer src) {
            crc.update(src);
        }

        @Override
        public void update(byte[] b, int off, int len) {
            crc.update(b, off, len);
        }

        @Override
        public byte[] finish() {
            long v = crc.getValue();
            crc.reset();
            return toBytes(v, bytes);
        }
    }

    static byte[] toBytes(long v, int bytes) {
        byte[] out = new byte[bytes];
        for (int i = bytes - 1; i >= 0; i--) {
            out[i] = (byte) v;
            v >>>= 8;
        }
        return out;
    }

    static long fromBytes(byte[] b) {
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xff);
        }
        return v;
    }
}
