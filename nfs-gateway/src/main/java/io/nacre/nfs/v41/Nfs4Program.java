package io.nacre.nfs.v41;

import io.nacre.nfs.v41.xdr.CompoundArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import java.io.IOException;
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
 * The NFS program, version 4, on oncrpc4j: NULL and COMPOUND. Each call runs on its own virtual thread
 * (the RPC service's executor), so a COMPOUND blocked on the core holds no RPC thread.
 */
public final class Nfs4Program implements RpcDispatchable {

    private static final Logger LOG = LoggerFactory.getLogger(Nfs4Program.class);

    private final CompoundProcessor processor;

    public Nfs4Program(CompoundProcessor processor) {
        this.processor = processor;
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
        XdrEncodable reply = processor.process(args, request);
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
    }
}
