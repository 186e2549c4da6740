package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.VerifyArgs;
import java.util.Arrays;

/** VERIFY and NVERIFY: the client's attribute values against the current ones, compared in their encoded form. */
final class Verify implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        VerifyArgs a = (VerifyArgs) args;
        int[] mask = a.attrs().mask();
        if (Bitmap.isSet(mask, AttrNum.RDATTR_ERROR)) {
            throw new NfsException(NFS4ERR_INVAL, "rdattr_error cannot be verified");
        }
        for (int attr : Bitmap.bits(mask)) {
            if (!ctx.server().attrs().isSupported(attr)) {
                throw new NfsException(NFS4ERR_ATTRNOTSUPP, "attribute " + attr);
            }
        }
        Fattr4 ours = ctx.server().attrs().encode(mask, ctx.target(ctx.attr(ctx.currentFh())));
        boolean same = Arrays.equals(ours.values(), a.attrs().values());
        if (a.opnum() == OpNum.VERIFY && !same) {
            throw new NfsException(NFS4ERR_NOT_SAME, "attributes differ");
        }
        if (a.opnum() == OpNum.NVERIFY && same) {
            throw new NfsException(NFS4ERR_SAME, "attributes are the same");
        }
        return OpRes.ok(a.opnum());
    }
}
