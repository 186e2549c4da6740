package io.nacre.nfs.v41;

import io.nacre.nfs.v41.xdr.CompoundArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import org.dcache.oncrpc4j.rpc.RpcAuth;
import org.dcache.oncrpc4j.rpc.RpcAuthError;
import org.dcache.oncrpc4j.rpc.RpcAuthStat;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeUnix;
import org.dcache.oncrpc4j.rpc.RpcAuthType;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.dcache.oncrpc4j.rpc.RpcRejectStatus;
import org.dcache.oncrpc4j.xdr.XdrAble;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;
import org.dcache.oncrpc4j.xdr.XdrVoid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NFS program, version 4, on oncrpc4j: NULL and COMPOUND. A call arrives on the RPC selector thread
 * that read it; a COMPOUND runs there as far as its operations cannot block, and moves to one of the
 * {@code workers} at the first that may (see {@link CompoundProcessor#process(CompoundArgs, RequestInfo,
 * java.util.concurrent.Executor, java.util.function.Consumer)}), so a COMPOUND blocked on the core holds
 * no selector.
 */
public final class Nfs4Program implements RpcDispatchable {

    private static final Logger LOG = LoggerFactory.getLogger(Nfs4Program.class);

    private final CompoundProcessor processor;
    private final ExecutorService workers;

    public Nfs4Program(CompoundProcessor processor, ExecutorService workers) {
        this.processor = processor;
        this.workers = workers;
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) throws IOException {
        switch (call.getProcedure()) {
            case Nfs4.PROC_NULL -> {
                call.retrieveCall(XdrVoid.XDR_VOID);
                call.reply(XdrVoid.XDR_VOID);
            }
            case Nfs4.PROC_COMPOUND -> compound(call);
            default -> call.failProcedureUnavailable();
        }
    }

    private void compound(RpcCall call) throws IOException {
        RpcAuth cred = call.getCredential();
        RequestInfo request;
        if (cred instanceof RpcAuthTypeUnix unix) {
            request = new RequestInfo(call.getTransport().getRemoteSocketAddress(), call.getTransport(), Nfs4.AUTH_SYS,
                    unix.uid(), unix.gid(), unix.gids());
        } else if (cred.type() == RpcAuthType.NONE) {
            request = new RequestInfo(call.getTransport().getRemoteSocketAddress(), call.getTransport(),
                    Nfs4.AUTH_NONE, -1, -1, new int[0]);
        } else {
            call.reject(RpcRejectStatus.AUTH_ERROR, new RpcAuthError(RpcAuthStat.AUTH_TOOWEAK));
            return;
        }
        CompoundArgs args = new CompoundArgs();
        try {
            call.retrieveCall(args);
        } catch (IOException e) {
            LOG.debug("garbage COMPOUND from {}: {}", request.remote(), e.toString());
            call.failRpcGarbage();
            return;
        }
        // On a worker, a failure that escapes the compound gets the answer oncrpc4j gives on its own threads.
        Executor offload = task -> workers.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("COMPOUND from {} failed", request.remote(), e);
                call.failRpcSystem();
            }
        });
        processor.process(args, request, offload, reply -> send(call, reply));
    }

    /**
     * Replies through {@link RpcReplies} (the whole record in one array), but for a reply carrying a READ's data,
     * which oncrpc4j's {@code Xdr} sends from where it lies instead of copying it (a megabyte a READ).
     */
    private static void send(RpcCall call, XdrEncodable reply) {
        if (carriesReadData(reply)) {
            call.reply(new XdrAble() {
                @Override
                public void xdrDecode(XdrDecodingStream x) {
                    throw new UnsupportedOperationException("a reply is only encoded");
                }

                @Override
                public void xdrEncode(XdrEncodingStream x) {
                    reply.encode(x);
                }
            });
            return;
        }
        RpcReplies.send(call.getTransport(), RpcReplies.accepted(call.getXid(), call.getCredential().getVerifier(),
                reply));
    }

    private static boolean carriesReadData(XdrEncodable reply) {
        if (reply instanceof CompoundRes res) {
            for (OpRes r : res.results()) {
                if (r.opnum() == OpNum.READ && r.isOk()) {
                    return true;
                }
            }
        }
        return false;
    }
}
