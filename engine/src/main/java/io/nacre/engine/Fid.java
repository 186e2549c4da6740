package io.nacre.engine;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * A file identifier: 64-bit sequence, 32-bit object id, 32-bit version, as Lustre's FID. Stable for the
 * life of a file and never reused; NFS filehandles and HSM archive keys derive from it.
 */
public record Fid(long seq, int oid, int ver) implements Comparable<Fid> {

    /** Sequence reserved for the file system's own objects (root, hidden directory). */
    public static final long RESERVED_SEQ = 0x200000007L;
    /** First sequence handed to ordinary files. */
    public static final long FIRST_NORMAL_SEQ = 0x200000400L;

    /** The root of the namespace. */
    public static final Fid ROOT = new Fid(RESERVED_SEQ, 1, 0);
    /**
     * A directory not reachable from the root, reachable only by Fid: gateways keep staged uploads and
     * unlinked-but-open files there, so that nothing half-made is ever visible in the namespace.
     */
    public static final Fid HIDDEN = new Fid(RESERVED_SEQ, 2, 0);

    /**
     * Where the MDS keeps files whose last name went while a gateway had them open (Lustre's PENDING directory):
     * each under its Fid in hex, with no link, until its last open mark goes. Reachable only by Fid, and only the
     * MDS changes what it holds.
     */
    public static final Fid PENDING = new Fid(RESERVED_SEQ, 3, 0);

    public static final int BYTES = 16;

    public boolean isReserved() {
        return seq == RESERVED_SEQ;
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(BYTES).putLong(seq).putInt(oid).putInt(ver).array();
    }

    public void writeTo(ByteBuffer dst) {
        dst.putLong(seq).putInt(oid).putInt(ver);
    }

    public static Fid readFrom(ByteBuffer src) {
        return new Fid(src.getLong(), src.getInt(), src.getInt());
    }

    public static Fid fromBytes(byte[] b) {
        if (b.length != BYTES) {
            throw new NacreException(Status.INVALID, "a Fid is 16 bytes, got " + b.length);
        }
        return readFrom(ByteBuffer.wrap(b));
    }

    /** 32 lower-case hex digits; the form used in archive keys and object names. */
    public String toHex() {
        return HexFormat.of().formatHex(toBytes());
    }

    public static Fid fromHex(String hex) {
        try {
            return fromBytes(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new NacreException(Status.INVALID, "not a Fid in hex: " + hex);
        }
    }

    /** Lustre's printed form, {@code [0x200000400:0x1:0x0]}. */
    @Override
    public String toString() {
        return "[0x%x:0x%x:0x%x]".formatted(seq, Integer.toUnsignedLong(oid), Integer.toUnsignedLong(ver));
    }

    /** Parses Lustre's printed form, with or without the brackets. */
    public static Fid parse(String text) {
        String s = text.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        String[] parts = s.split(":", -1);
        if (parts.length != 3) {
            throw new NacreException(Status.INVALID, "not a Fid: " + text);
        }
        try {
            long oid = parseHex(parts[1]);
            long ver = parseHex(parts[2]);
            if (oid >>> 32 != 0 || ver >>> 32 != 0) {
                throw new NacreException(Status.INVALID, "not a Fid (object id and version are 32 bits): " + text);
            }
            return new Fid(parseHex(parts[0]), (int) oid, (int) ver);
        } catch (NumberFormatException e) {
            throw new NacreException(Status.INVALID, "not a Fid: " + text);
        }
    }

    private static long parseHex(String s) {
        String t = s.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) {
            t = t.substring(2);
        }
        // parseUnsignedLong takes a leading '+'; a Fid's hex digits do not.
        if (t.startsWith("+")) {
            throw new NumberFormatException(s);
        }
        return Long.parseUnsignedLong(t, 16);
    }

    // equals and hashCode written out (the same values as the record's own): those go through method handles
    // that C1, the compiler a TCG guest runs, calls without inlining, and Fids key hash maps on every request.
    @Override
    public boolean equals(Object o) {
        return o instanceof Fid f && f.seq == seq && f.oid == oid && f.ver == ver;
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(seq) * 31 + oid) * 31 + ver;
    }

    @Override
    public int compareTo(Fid o) {
        int c = Long.compareUnsigned(seq, o.seq);
        if (c != 0) {
            return c;
        }
        c = Integer.compareUnsigned(oid, o.oid);
        return c != 0 ? c : Integer.compareUnsigned(ver, o.ver);
    }
}
