package io.nacre.nfs.v41.pnfs;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.XattrFlag;
import io.nacre.nfs.v41.FileHandles;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Data-server filehandles: 72 bytes the metadata server signs and data servers check, so that a client
 * reaches only the objects of files it was given a layout for. A magic byte, the format version, the
 * kind (data server), a flags byte ({@link #FLAG_READ_ONLY} for a read layout's handle; 0 in handles made before
 * it was), the file system id, the Fid (whose version is the file's generation), the OST object, the layout
 * generation, the grant, and an HMAC-SHA256 over all of it with the cluster secret, cut to 16 bytes. A handle
 * that fails the check is not one of ours: NFS4ERR_BADHANDLE (see {@link #decode}).
 */
public final class DsHandles {

    public static final int SIZE = 72;
    /** The filehandle kind of a data-server handle (namespace handles are {@link FileHandles#KIND_FILE}). */
    public static final byte KIND_DS = 2;
    private static final byte MAGIC = 'N';
    private static final byte VERSION = 1;
    private static final int MAC_BYTES = 16;
    /** In the flags byte: the handle came with a read layout, and writes through it are refused. */
    private static final byte FLAG_READ_ONLY = 1;
    private static final String ALGORITHM = "HmacSHA256";
    /** Where the cluster secret is kept: an extended attribute of the MDS's hidden directory (replicated). */
    static final String SECRET_XATTR = "trusted.nacre.pnfs.secret";

    private final long fsid;
    private final SecretKeySpec key;

    public DsHandles(long fsid, byte[] secret) {
        requireNonNull(secret, "secret");
        if (secret.length < 16) {
            throw new IllegalArgumentException("a cluster secret of at least 16 bytes is needed: " + secret.length);
        }
        this.fsid = fsid;
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    }

    /**
     * The cluster secret of a file system: read from the MDS, or made (32 random bytes) and stored there
     * the first time. Every node asks the same MDS, so every node signs and checks with the same key.
     */
    public static byte[] clusterSecret(MetadataService md) {
        Optional<byte[]> have = md.getXattr(Caller.ROOT, Fid.HIDDEN, SECRET_XATTR);
        if (have.isPresent()) {
            return have.get();
        }
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        try {
            md.setXattr(Caller.ROOT, Fid.HIDDEN, SECRET_XATTR, fresh, XattrFlag.CREATE);
            return fresh;
        } catch (NacreException e) {
            if (e.status() != Status.EXISTS) {
                throw e;
            }
            // another node made it first: use theirs
            return md.getXattr(Caller.ROOT, Fid.HIDDEN, SECRET_XATTR).orElseThrow(() -> e);
        }
    }

    public byte[] encode(DsHandle h) {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(MAGIC).put(VERSION).put(KIND_DS).put(h.readOnly() ? FLAG_READ_ONLY : 0).putLong(fsid);
        h.fid().writeTo(b);
        b.putInt(h.object().ost()).putLong(h.object().id()).putLong(h.layoutGeneration()).putLong(h.grant());
        b.put(mac(b.array(), SIZE - MAC_BYTES));
        return b.array();
    }

    /**
     * The object a handle names. A handle that is not one of ours, or whose signature does not match
     * (forged or altered), fails with NFS4ERR_BADHANDLE: RFC 8881 §15.1.2.1 defines it for a handle
     * that "failed internal consistency checks", which is what a bad signature is; NFS4ERR_ACCESS would
     * say the handle names a real object that the caller may not reach, and a forged handle names nothing.
     * A handle of another file system is NFS4ERR_STALE, as on the metadata server.
     */
    public DsHandle decode(byte[] fh) {
        if (fh.length != SIZE || fh[0] != MAGIC || fh[1] != VERSION || fh[2] != KIND_DS) {
            throw new NfsException(Nfs4Status.NFS4ERR_BADHANDLE, "not a Nacre data-server filehandle");
        }
        byte[] expect = mac(fh, SIZE - MAC_BYTES);
        if (!MessageDigest.isEqual(expect, Arrays.copyOfRange(fh, SIZE - MAC_BYTES, SIZE))) {
            throw new NfsException(Nfs4Status.NFS4ERR_BADHANDLE, "data-server filehandle with a bad signature");
        }
        ByteBuffer b = ByteBuffer.wrap(fh, 4, SIZE - 4 - MAC_BYTES);
        if (b.getLong() != fsid) {
            throw new NfsException(Nfs4Status.NFS4ERR_STALE, "data-server filehandle of another file system");
        }
        Fid fid = Fid.readFrom(b);
        int ost = b.getInt();
        long id = b.getLong();
        long generation = b.getLong();
        long grant = b.getLong();
        if (ost < 0 || id <= 0) {
            throw new NfsException(Nfs4Status.NFS4ERR_BADHANDLE, "data-server filehandle of no object");
        }
        return new DsHandle(fid, new ObjectRef(ost, id), generation, grant, (fh[3] & FLAG_READ_ONLY) != 0);
    }

    private byte[] mac(byte[] data, int length) {
        try {
            Mac m = Mac.getInstance(ALGORITHM);
            m.init(key);
            m.update(data, 0, length);
            return Arrays.copyOf(m.doFinal(), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }
}
