package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.SecinfoArgs;
import io.nacre.nfs.v41.xdr.SecinfoRes;
import java.util.List;

/** SECINFO and SECINFO_NO_NAME: AUTH_SYS (the flavor of every export); the current filehandle is consumed. */
final class Secinfo implements Operation {

    private static final SecinfoRes FLAVORS = new SecinfoRes(List.of(SecinfoRes.Flavor.of(Nfs4.AUTH_SYS)));

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        var dir = ctx.currentFh();
        if (args instanceof SecinfoArgs s) {
            ctx.server().md().lookup(ctx.caller(), dir, Names.component(s.name()));
        } else {
            ctx.requireExported();
        }
        ctx.clearCurrentFh(); // RFC 8881 §2.6.3.1.1.8: SECINFO consumes the current filehandle
        return OpRes.ok(args.opnum() == OpNum.SECINFO ? OpNum.SECINFO : OpNum.SECINFO_NO_NAME, FLAVORS);
    }
}
