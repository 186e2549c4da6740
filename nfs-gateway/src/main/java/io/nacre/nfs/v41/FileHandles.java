package io.nacre.nfs.v41;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import java.nio.ByteBuffer;

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
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(MAGIC).put(VERSION).put(KIND_FILE).put((byte) 0).putLong(fsid);
        fid.writeTo(b);
        return b.array();
    }

    /** The Fid of a handle: NFS4ERR_BADHANDLE if it is not one of ours, NFS4ERR_STALE if of another file system. */
    public Fid decode(byte[] fh) {
        if (fh.length != SIZE || fh[0] != MAGIC || fh[1] != VERSION || fh[2] != KIND_FILE) {
            throw new NfsException(Nfs4Status.NFS4ERR_BADHANDLE, "not a Nacre filehandle");
        }
        ByteBuffer b = ByteBuffer.wrap(fh, 4, SIZE - 4);
        if (b.getLong() != fsid) {
            throw new NfsException(Nfs4Status.NFS4ERR_STALE, "filehandle of another file system");
        }
        return Fid.readFrom(b);
    }
}
