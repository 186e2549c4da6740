package io.nacre.nfs.v41.pnfs;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.ops.Operation;
import io.nacre.nfs.v41.xdr.LayoutReturnArgs;
import io.nacre.nfs.v41.xdr.LayoutReturnRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.Stateid4;

/**
 * LAYOUTRETURN (RFC 8881 §18.44): a range of one file's layout, or every layout of the client (ALL, and
 * FSID: a server has one file system). A recall is done once nothing of the file is held: the operation
 * that started it goes on when it comes back.
 * The end of a write layout first records what its objects hold ({@link MetadataServerRole#settle}).
 */
public final class LayoutReturn implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        LayoutReturnArgs a = (LayoutReturnArgs) args;
        MetadataServerRole role = MetadataServerRole.of(ctx);
        if (a.layoutType() != Nfs4.LAYOUT4_NFSV4_1_FILES) {
            throw new NfsException(NFS4ERR_UNKNOWN_LAYOUTTYPE, "layout type " + a.layoutType());
        }
        if (a.iomode() != Nfs4.LAYOUTIOMODE4_READ && a.iomode() != Nfs4.LAYOUTIOMODE4_RW
                && a.iomode() != Nfs4.LAYOUTIOMODE4_ANY) {
            throw new NfsException(NFS4ERR_BADIOMODE, "LAYOUTRETURN iomode " + a.iomode());
        }
        if (a.returnType() != Nfs4.LAYOUTRECALL4_FILE) { // LAYOUTRETURN4_FILE has the same value
            role.layouts().returnAll(ctx.client(), fid -> role.settle(ctx.server(), fid));
            return OpRes.ok(OpNum.LAYOUTRETURN, new LayoutReturnRes(null));
        }
        if (a.length() == 0) {
            throw new NfsException(NFS4ERR_INVAL, "LAYOUTRETURN of no bytes");
        }
        Stateid4 left = role.layouts().returnRange(ctx.client(), ctx.currentFh(), ctx.stateid(a.stateid()),
                a.iomode(), a.offset(), a.length(), fid -> role.settle(ctx.server(), fid));
        if (left != null) {
            ctx.currentStateid(left);
        }
        return OpRes.ok(OpNum.LAYOUTRETURN, new LayoutReturnRes(left));
    }
}
