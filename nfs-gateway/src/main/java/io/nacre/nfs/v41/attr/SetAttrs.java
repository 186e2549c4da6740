package io.nacre.nfs.v41.attr;

import static io.nacre.nfs.v41.attr.AttrNum.*;
import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.meta.SetAttr;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.NfsTime4;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.io.IOException;
import org.dcache.oncrpc4j.xdr.Xdr;

/**
 * Attributes a client sets (SETATTR, CREATE, OPEN's createattrs): decoded from fattr4, with the
 * errors RFC 8881 §18.30 gives: NFS4ERR_ATTRNOTSUPP for an attribute this server does not support,
 * NFS4ERR_INVAL for a read-only one, NFS4ERR_BADXDR for values that do not decode, NFS4ERR_BADOWNER
 * for owners it cannot map. Fields not set are null; {@code mask} is what was asked (attrsset).
 */
public record SetAttrs(Integer mode, Integer uid, Integer gid, Long size, Long atime, Long mtime, int[] mask) {

    public static final SetAttrs NONE = new SetAttrs(null, null, null, null, null, null, new int[0]);

    public static SetAttrs decode(Fattr4 f, AttrEncoder supported, IdMapper ids) {
        int[] mask = f.mask();
        for (int attr : Bitmap.bits(mask)) {
            if (!supported.isSupported(attr)) {
                throw new NfsException(NFS4ERR_ATTRNOTSUPP, "attribute " + attr + " is not supported");
            }
            if (!Bitmap.isSet(AttrEncoder.SETTABLE, attr)) {
                throw new NfsException(NFS4ERR_INVAL, "attribute " + attr + " is read-only");
            }
        }
        Integer mode = null;
        Integer uid = null;
        Integer gid = null;
        Long size = null;
        Long atime = null;
        Long mtime = null;
        try (Xdr x = XdrIo.decoder(f.values())) {
            for (int attr : Bitmap.bits(mask)) {
                switch (attr) {
                    case SIZE -> {
                        size = x.xdrDecodeLong();
                        if (size < 0) {
                            throw new NfsException(NFS4ERR_FBIG, "size beyond 2^63");
                        }
                    }
                    case MODE -> mode = x.xdrDecodeInt() & 07777;
                    case OWNER -> uid = ids.uid(XdrIo.utf8(XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT)));
                    case OWNER_GROUP -> gid = ids.gid(XdrIo.utf8(XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT)));
                    case TIME_ACCESS_SET -> atime = settime(x);
                    case TIME_MODIFY_SET -> mtime = settime(x);
                    default -> throw new IllegalStateException("settable attribute " + attr + " not decoded");
                }
            }
        } catch (IOException e) {
            throw new NfsException(NFS4ERR_BADXDR, "attribute values: " + e.getMessage());
        }
        return new SetAttrs(mode, uid, gid, size, atime, mtime, mask);
    }

    private static long settime(Xdr x) throws IOException {
        int how = x.xdrDecodeInt();
        return switch (how) {
            case Nfs4.SET_TO_SERVER_TIME4 -> SetAttr.SERVER_TIME;
            case Nfs4.SET_TO_CLIENT_TIME4 -> {
                NfsTime4 t = NfsTime4.decode(x);
                if (!t.isValid()) {
                    throw new NfsException(NFS4ERR_INVAL, "nseconds out of range");
                }
                try {
                    yield t.toNanos();
                } catch (ArithmeticException e) {
                    throw new NfsException(NFS4ERR_INVAL, "time out of range");
                }
            }
            default -> throw new NfsException(NFS4ERR_BADXDR, "time_how4 " + how);
        };
    }

    /** Everything but the size, for the MDS's setattr. */
    public SetAttr withoutSize() {
        return new SetAttr(mode, uid, gid, null, atime, mtime, null);
    }

    public boolean onlySize() {
        return size != null && mode == null && uid == null && gid == null && atime == null && mtime == null;
    }
}
