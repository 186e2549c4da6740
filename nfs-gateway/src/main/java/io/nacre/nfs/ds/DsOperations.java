package io.nacre.nfs.ds;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.FsStat;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStat;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.attr.AttrEncoder;
import io.nacre.nfs.v41.attr.FsInfo;
import io.nacre.nfs.v41.ops.Operation;
import io.nacre.nfs.v41.ops.Operations;
import io.nacre.nfs.v41.pnfs.DsHandle;
import io.nacre.nfs.v41.xdr.CommitRes;
import io.nacre.nfs.v41.xdr.DestroyClientidArgs;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.GetattrRes;
import io.nacre.nfs.v41.xdr.IoBuffers;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.nfs.v41.xdr.WriteArgs;
import io.nacre.nfs.v41.xdr.WriteRes;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The operations of a pNFS data server (RFC 8881 §13.6): the session operations as on any NFSv4.1
 * server, and PUTFH, READ, WRITE, COMMIT and GETATTR on the objects data-server filehandles name.
 * Everything else is NFS4ERR_NOTSUPP. Stateids are not checked here: data servers and the MDS are
 * loosely coupled (RFC 8881 §13.9), and the signed filehandle is what grants access.
 */
final class DsOperations {

    /** Bytes of a READ reply besides the data, as on the MDS. */
    private static final int REPLY_OVERHEAD = 512;

    private static final Map<Integer, Operation> TABLE = Map.ofEntries(
            session(OpNum.EXCHANGE_ID), session(OpNum.CREATE_SESSION), session(OpNum.DESTROY_SESSION),
            session(OpNum.BIND_CONN_TO_SESSION), session(OpNum.BACKCHANNEL_CTL), session(OpNum.SEQUENCE),
            session(OpNum.RECLAIM_COMPLETE), session(OpNum.TEST_STATEID), session(OpNum.FREE_STATEID),
            // no files are held open here, so nothing is released with the client
            Map.entry(OpNum.DESTROY_CLIENTID, (ctx, args) -> {
                ctx.server().state().destroyClientid(((DestroyClientidArgs) args).clientid());
                return OpRes.ok(OpNum.DESTROY_CLIENTID);
            }),
            Map.entry(OpNum.PUTFH, (ctx, args) -> {
                ctx.requireExported();
                ctx.currentObject(DataServerRole.of(ctx).object(((PutfhArgs) args).fh()));
                return OpRes.ok(OpNum.PUTFH);
            }),
            Map.entry(OpNum.READ, DsOperations::read),
            Map.entry(OpNum.WRITE, DsOperations::write),
            Map.entry(OpNum.COMMIT, (ctx, args) -> {
                DsHandle h = ctx.currentObject();
                DataServerRole role = DataServerRole.of(ctx);
                CommitRes res = new CommitRes(role.objects().sync(h.object()));
                role.commits.increment();
                return OpRes.ok(OpNum.COMMIT, res);
            }),
            Map.entry(OpNum.GETATTR, DsOperations::getattr));

    private DsOperations() {
    }

    private static Map.Entry<Integer, Operation> session(int opnum) {
        return Map.entry(opnum, Operations.get(opnum));
    }

    /** The operation, or null (NFS4ERR_NOTSUPP). */
    static Operation get(int opnum) {
        return TABLE.get(opnum);
    }

    /**
     * READ of an object. Past the object's end it answers zeros, the full count and eof false: a data
     * server does not know the file's size (the MDS does, and the client has it), and with dense
     * striping a short read with eof misleads clients, which compare the object offset of the reply
     * with the file offset of the request (Linux then drops the bytes of the other stripes). The
     * bytes of a stripe past the object's end are a hole of the file, so zeros are what it holds.
     */
    private static OpRes read(io.nacre.nfs.v41.CompoundContext ctx, io.nacre.nfs.v41.xdr.OpArgs args) {
        ReadArgs a = (ReadArgs) args;
        DsHandle h = ctx.currentObject();
        if (a.offset() < 0) {
            throw new NfsException(NFS4ERR_INVAL, "READ at " + Long.toUnsignedString(a.offset()));
        }
        int limit = Math.min(ctx.server().maxIo(), ctx.session().fore().maxResponseSize() - REPLY_OVERHEAD);
        int count = (int) Math.min(Integer.toUnsignedLong(a.count()), Math.max(0, limit));
        // a reused buffer, as the MDS's READ: its bytes are not zeroed, so what the object did not fill is zeroed here
        ByteBuffer buf = IoBuffers.takeForRead(count);
        int start = buf.position();
        try {
            if (count > 0) {
                DataServerRole.of(ctx).objects().read(h.object(), a.offset(), buf);
            }
        } catch (RuntimeException | Error e) {
            IoBuffers.forget(buf);
            throw e;
        }
        int end = start + count;
        IoBuffers.putZeros(buf, end - buf.position());
        buf.position(start);
        DataServerRole.of(ctx).reads.increment();
        DataServerRole.of(ctx).readBytes.add(count);
        return OpRes.ok(OpNum.READ, new ReadRes(false, buf, true));
    }

    /**
     * WRITE to an object (stable ones answered DATA_SYNC4, see below). The verifier is the OST's instance number:
     * it changes when the OST restarts, which is exactly when unstable writes may have been lost and the client
     * must send them again.
     */
    private static OpRes write(io.nacre.nfs.v41.CompoundContext ctx, io.nacre.nfs.v41.xdr.OpArgs args) {
        WriteArgs a = (WriteArgs) args;
        ctx.requireWritable();
        DsHandle h = ctx.currentObject();
        if (h.readOnly()) {
            // the metadata server handed this handle out with a read layout: whoever holds it was not given
            // the right to write the file (an open for reading, a mode without write)
            throw new NfsException(NFS4ERR_ACCESS, "a WRITE through the handle of a read layout of " + h.fid());
        }
        int count = a.count();
        if (a.offset() < 0 || FsInfo.MAX_FILE_SIZE - a.offset() < count) {
            throw new NfsException(NFS4ERR_FBIG, "write beyond the largest object");
        }
        boolean stable = a.stable() != Nfs4.UNSTABLE4;
        Durability durability = stable ? Durability.STABLE : Durability.UNSTABLE;
        long verifier = DataServerRole.of(ctx).objects().write(h.object(), a.offset(), a.data(), durability);
        DataServerRole.of(ctx).writes.increment();
        DataServerRole.of(ctx).writeBytes.add(count);
        // A stable write is DATA_SYNC4, never FILE_SYNC4: the bytes are durable, but the file's size and mtime
        // live on the MDS, and only LAYOUTCOMMIT takes them there. Linux sends no LAYOUTCOMMIT after a
        // FILE_SYNC4 write to a data server, so the MDS would keep the old size (RFC 8881 §18.32.3, §12.5.4).
        return OpRes.ok(OpNum.WRITE, new WriteRes(count, stable ? Nfs4.DATA_SYNC4 : Nfs4.UNSTABLE4, verifier));
    }

    /**
     * GETATTR of an object: a regular file whose size and space are the object's. Only the MDS knows the
     * file's attributes (§13.6: a data server's are not authoritative).
     */
    private static OpRes getattr(io.nacre.nfs.v41.CompoundContext ctx, io.nacre.nfs.v41.xdr.OpArgs args) {
        DsHandle h = ctx.currentObject();
        ObjectStat stat = DataServerRole.of(ctx).objects().stat(h.object());
        Fid fid = h.fid();
        Attr attr = new Attr(fid, FileType.REGULAR, 0, 1, 0, 0, stat.size(), stat.bytesUsed(), 0, 0, 0, 0, 0, 0,
                stat.size(), 0, HsmState.NONE);
        FsStat none = new FsStat(0, 0, 0, 0, 0);
        AttrEncoder.Target t = new AttrEncoder.Target(attr, () -> DataServerRole.of(ctx).handles().encode(h),
                () -> none, false, stat::bytesUsed);
        return OpRes.ok(OpNum.GETATTR, new GetattrRes(ctx.server().attrs().encode(((GetattrArgs) args).mask(), t)));
    }
}
