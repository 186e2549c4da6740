package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.NFS4ERR_ACCESS;

import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.Access;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.xdr.IoBuffers;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.ReadRes;
import java.nio.ByteBuffer;

/**
 * READ through FileIo (all stripes in parallel). Any open of the file may read (Linux reads through a
 * write-only open to fill partial pages); without open state the caller needs read permission. On a pNFS
 * metadata server the file reaches as far as GETATTR says: while a client holds a write layout, to the end
 * of what the data servers hold ({@link MetadataServerRole#glimpse}), so that a client reading through the
 * MDS sees the bytes another wrote to a data server before its LAYOUTCOMMIT.
 */
final class Read implements Operation {

    /** Bytes of a READ reply besides the data: RPC and compound headers, SEQUENCE, PUTFH, READ's own. */
    static final int REPLY_OVERHEAD = 512;

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ReadArgs a = (ReadArgs) args;
        Fid fid = ctx.currentFh();
        if (Io.state(ctx, fid, ctx.stateid(a.stateid())) == null
                && ctx.server().md().access(ctx.caller(), fid, Access.READ) != Access.READ) {
            throw new NfsException(NFS4ERR_ACCESS, "read without open state");
        }
        ctx.requireExported();
        int limit = Math.min(ctx.server().maxIo(), ctx.session().fore().maxResponseSize() - REPLY_OVERHEAD);
        int count = (int) Math.min(Integer.toUnsignedLong(a.count()), Math.max(0, limit));
        // a reused buffer (direct, room around the data for the reply: IoBuffers.takeForRead): FileIo fills every
        // byte it says it read (holes as zeros), and only those are sent; one whose read failed is not reused (a
        // remote read that timed out may still write into it)
        ByteBuffer buf = IoBuffers.takeForRead(count);
        int start = buf.position();
        FileIo.ReadResult r;
        try {
            // RFC 8881 §18.22.3: eof also when the data read ends exactly at the end of the file
            r = ctx.server().pnfs() instanceof MetadataServerRole role
                    ? ctx.server().io().readAt(fid, a.offset(), buf, () -> role.glimpsedSize(ctx.server(), fid))
                    : ctx.server().io().readAt(fid, a.offset(), buf);
        } catch (RuntimeException | Error e) {
            IoBuffers.forget(buf);
            throw e;
        }
        buf.limit(buf.position()).position(start);
        return OpRes.ok(OpNum.READ, new ReadRes(r.eof(), buf, true));
    }
}
