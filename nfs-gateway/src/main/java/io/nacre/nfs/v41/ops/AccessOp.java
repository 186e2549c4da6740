package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4.*;

import io.nacre.engine.meta.Access;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.AccessArgs;
import io.nacre.nfs.v41.xdr.AccessRes;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/**
 * ACCESS: which of the asked rights the caller has, by the MDS's POSIX rule on the file's attributes (those
 * the compound already holds, see {@link CompoundContext#access}); nothing that writes on a read-only export.
 */
final class AccessOp implements Operation {

    private static final int ALL = ACCESS4_READ | ACCESS4_LOOKUP | ACCESS4_MODIFY | ACCESS4_EXTEND | ACCESS4_DELETE
            | ACCESS4_EXECUTE;
    private static final int WRITES = ACCESS4_MODIFY | ACCESS4_EXTEND | ACCESS4_DELETE;

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        int asked = ((AccessArgs) args).access() & ALL;
        int mask = 0;
        if ((asked & ACCESS4_READ) != 0) {
            mask |= Access.READ;
        }
        if ((asked & (ACCESS4_LOOKUP | ACCESS4_EXECUTE)) != 0) {
            mask |= Access.EXECUTE;
        }
        if ((asked & WRITES) != 0) {
            mask |= Access.WRITE;
        }
        int granted = ctx.access(ctx.currentFh(), mask);
        int access = 0;
        if ((granted & Access.READ) != 0) {
            access |= asked & ACCESS4_READ;
        }
        if ((granted & Access.EXECUTE) != 0) {
            access |= asked & (ACCESS4_LOOKUP | ACCESS4_EXECUTE);
        }
        if ((granted & Access.WRITE) != 0 && !ctx.readOnly()) {
            access |= asked & WRITES;
        }
        return OpRes.ok(OpNum.ACCESS, new AccessRes(asked, access));
    }
}
