package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.NFS4ERR_OPENMODE;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.attr.SetAttrs;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.SetattrArgs;
import io.nacre.nfs.v41.xdr.SetattrRes;

/**
 * SETATTR. A size change truncates through FileIo (which punches the objects) and needs an open for
 * writing when a stateid is given; the other attributes go to the MDS, which applies POSIX's rules. On a
 * pNFS metadata server, layouts are recalled first, once for the whole operation: all of them before a
 * truncate, the write layouts before an explicit mtime. Answered NFS4ERR_DELAY while they are out, it has
 * changed nothing (the client sends it again).
 */
final class Setattr implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        SetattrArgs a = (SetattrArgs) args;
        ctx.requireWritable();
        Fid fid = ctx.currentFh();
        SetAttrs attrs = SetAttrs.decode(a.attrs(), ctx.server().attrs(), ctx.server().ids());
        if (attrs.size() != null) {
            var st = Io.state(ctx, fid, ctx.stateid(a.stateid()));
            if (st != null && !Io.openOf(st).canWrite()) {
                throw new NfsException(NFS4ERR_OPENMODE, "truncate through an open for reading");
            }
        }
        boolean others = !attrs.onlySize() && !io.nacre.nfs.v41.attr.Bitmap.isEmpty(attrs.mask());
        // RFC 8881 §12.5.5: layouts are recalled before the bytes they map change; an explicit mtime is the last
        // word on what was written before it: writers commit theirs first
        try (var recall = attrs.size() != null ? MetadataServerRole.recall(ctx, fid, "truncate")
                : others && attrs.mtime() != null ? MetadataServerRole.recallWriters(ctx, fid, "setattr of mtime")
                : MetadataServerRole.Recall.NONE) {
            if (attrs.size() != null) {
                ctx.server().io().truncate(ctx.caller(), fid, attrs.size());
            }
            if (others) {
                ctx.server().md().setattr(ctx.caller(), fid, attrs.withoutSize());
            }
        }
        return OpRes.ok(OpNum.SETATTR, new SetattrRes(attrs.mask()));
    }
}
