package io.nacre.nfs.v41;

import io.nacre.nfs.v41.xdr.CompoundArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.glassfish.grizzly.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NFS program, version 4: NULL and COMPOUND, for the calls {@link RpcFilter} read. A call arrives on the
 * RPC selector thread that read it; a COMPOUND runs there as far as its operations cannot block, and moves to
 * one of the {@code workers} at the first that may (see {@link CompoundProcessor#process(CompoundArgs,
 * RequestInfo, java.util.concurrent.Executor, java.util.function.Consumer)}), so a COMPOUND blocked on the core
 * holds no selector. Replies go to the connection the call came on ({@link RpcReplies}).
 */
final class Nfs4Program {

    private static final Logger LOG = LoggerFactory.getLogger(Nfs4Program.class);
    private static final XdrEncodable VOID = x -> { };

    private final CompoundProcessor processor;
    private final ExecutorService workers;

    Nfs4Program(CompoundProcessor processor, ExecutorService workers) {
        this.processor = processor;
        this.workers = workers;
    }

    /** Call {@code xid} of procedure {@code proc} on {@code c}, its arguments next in {@code args}. */
    void call(Connection<?> c, int xid, int proc, RequestInfo request, Xdr args) {
        switch (proc) {
            case Nfs4.PROC_NULL -> RpcReplies.send(c, RpcReplies.accepted(xid, VOID));
            case Nfs4.PROC_COMPOUND -> compound(c, xid, request, args);
            default -> RpcReplies.send(c, RpcReplies.acceptedError(xid, RpcReplies.PROC_UNAVAIL));
        }
    }

    private void compound(Connection<?> c, int xid, RequestInfo request, Xdr xdr) {
        CompoundArgs args = new CompoundArgs();
        try {
            args.xdrDecode(xdr);
        } catch (IOException | RuntimeException e) {
            LOG.debug("garbage COMPOUND from {}: {}", request.remote(), e.toString());
            RpcReplies.send(c, RpcReplies.acceptedError(xid, RpcReplies.GARBAGE_ARGS));
            return;
        }
        // a WRITE's data are views of the record's buffer: kept until the compound is done with them
        RecordReader.Kept kept = writes(args) ? RecordReader.keep(xdr) : null;
        // On a worker, a failure that escapes the compound is answered SYSTEM_ERR, as oncrpc4j did on its threads.
        Executor offload = task -> workers.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                if (kept != null) {
                    kept.forget();
                }
                LOG.error("COMPOUND from {} failed", request.remote(), e);
                RpcReplies.send(c, RpcReplies.acceptedError(xid, RpcReplies.SYSTEM_ERR));
            }
        });
        if (kept == null) {
            processor.process(args, request, offload, reply -> send(c, xid, reply));
            return;
        }
        try {
            processor.process(args, request, offload, reply -> {
                giveBack(kept, reply);
                send(c, xid, reply);
            });
        } catch (RuntimeException | Error e) {
            kept.forget();
            throw e;
        }
    }

    private static boolean writes(CompoundArgs args) {
        List<OpArgs> ops = args.ops();
        for (int i = 0; i < ops.size(); i++) { // by index: no iterator per compound (C1 does not inline its calls)
            if (ops.get(i).opnum() == OpNum.WRITE) {
                return true;
            }
        }
        return false;
    }

    /**
     * A kept record's buffer goes back once the compound replied: reused when every WRITE in it returned normally
     * (or never ran), so that nothing reads its data any more; else given up (a write that failed, a remote one
     * that timed out, may still read it), as is the buffer of a reply that is not the compound's own result (a
     * cached one).
     */
    private static void giveBack(RecordReader.Kept kept, XdrEncodable reply) {
        if (reply instanceof CompoundRes res) {
            List<OpRes> results = res.results();
            for (int i = 0; i < results.size(); i++) {
                OpRes r = results.get(i);
                if (r.opnum() == OpNum.WRITE && !r.isOk()) {
                    kept.forget();
                    return;
                }
            }
            kept.giveBack();
        } else {
            kept.forget();
        }
    }

    /**
     * Replies as one array ({@link RpcReplies#accepted}), but for a reply carrying a READ's data, written from
     * where the data lies instead of copied (a megabyte a READ): with one READ whose data is in a direct READ
     * buffer, the reply is put together around it in that buffer ({@link RpcReplies#sendAround}); otherwise the
     * data is referred to from oncrpc4j's {@code Xdr} ({@link RpcReplies#sendReferring}).
     */
    private static void send(Connection<?> c, int xid, XdrEncodable reply) {
        int reads = readsWithData(reply);
        if (reads == 0) {
            RpcReplies.send(c, RpcReplies.accepted(xid, reply));
        } else if (reads > 1 || !RpcReplies.sendAround(c, xid, reply)) {
            RpcReplies.sendReferring(c, xid, reply);
        }
    }

    private static int readsWithData(XdrEncodable reply) {
        int n = 0;
        if (reply instanceof CompoundRes res) {
            for (OpRes r : res.results()) {
                if (r.opnum() == OpNum.READ && r.isOk()) {
                    n++;
                }
            }
        }
        return n;
    }
}
