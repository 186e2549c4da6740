package io.nacre.nfs.v41;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.xdr.Nfs4Status;

/**
 * The filehandle format: 28 bytes that survive restarts. A magic byte and a version, the kind of
 * handle (a file of the namespace; pNFS data-server handles will be another kind), the file system id
 * (a handle from another file system is stale), and the Fid. Fids are never reused, and their version
 * field is the generation: a handle of a deleted file stays stale forever.
 */
public final class FileHandles {

    public static final int SIZE = 28;
    private static final byte MAGIC = 'N';
    private static final byte VERSION = 1;
    /** A file of the namespace, served by the metadata server's NFS role. */
    public static final byte KIND_FILE = 1;

    private final long fsid;

    public FileHandles(long fsid) {
        this.fsid = fsid;
    }

    public byte[] encode(Fid fid) {
        // by hand, not through a ByteBuffer: every PUTFH and GETATTR of a stat comes here, on the RPC selector
        byte[] b = new byte[SIZE];
        b[0] = MAGIC;
        b[1] = VERSION;
        b[2] = KIND_FILE;
        putLong(b, 4, fsid);
        putLong(b, 12, fid.seq());
        putInt(b, 20, fid.oid());
        putInt(b, 24, fid.ver());
        return b;
    }

    /** The Fid of a handle: NFS4ERR_BADHANDLE if it is not one of ours, NFS4ERR_STALE if of another file system. */
    public Fid decode(byte[] fh) {
        if (fh.length != SIZE || fh[0] != MAGIC || fh[1] != VERSION || fh[2] != KIND_FILE) {
            throw new NfsException(Nfs4Status.NFS4ERR_BADHANDLE, "not a Nacre filehandle");
        }
        if (getLong(fh, 4) != fsid) {
            throw new NfsException(Nfs4Status.NFS4ERR_STALE, "filehandle of another file system");
        }
        return new Fid(getLong(fh, 12), getInt(fh, 20), getInt(fh, 24));
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        putInt(b, at + 4, (int) v);
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static long getLong(byte[] b, int at) {
        return (long) getInt(b, at) << 32 | (getInt(b, at + 4) & 0xffffffffL);
    }
}
