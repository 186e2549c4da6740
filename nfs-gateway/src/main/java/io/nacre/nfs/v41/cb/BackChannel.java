package io.nacre.nfs.v41.cb;

import io.nacre.nfs.v41.xdr.CallbackSecParms4;
import io.nacre.nfs.v41.xdr.CbCompoundArgs;
import io.nacre.nfs.v41.xdr.CbSequenceArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.SessionId4;
import java.io.IOException;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.rpc.RpcAuth;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeNone;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeUnix;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcReply;
import org.dcache.oncrpc4j.rpc.RpcTransport;
import org.dcache.oncrpc4j.xdr.XdrVoid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's backchannel: server-to-client calls (CB_NULL, and CB_COMPOUND with CB_SEQUENCE first) sent
 * over a connection the client bound to the session, as RFC 8881 §2.10.3.1 has it. One slot is used, so
 * calls are serialized; each call waits at most the configured timeout.
 */
public final class BackChannel {

    private static final Logger LOG = LoggerFactory.getLogger(BackChannel.class);
    private static final byte[] NO_TAG = new byte[0];

    private final SessionId4 sessionId;
    private final Duration timeout;
    private final Semaphore slot = new Semaphore(1);
    private volatile RpcTransport transport;
    private volatile int program;
    private volatile List<CallbackSecParms4> secParms;
    private volatile boolean failed;
    private volatile boolean closed;
    private int seqid = 1; // guarded by slot

    public BackChannel(SessionId4 sessionId, int program, List<CallbackSecParms4> secParms, Duration timeout) {
        this.sessionId = sessionId;
        this.program = program;
        this.secParms = List.copyOf(secParms);
        this.timeout = timeout;
    }

    /** Uses {@code t}'s connection for callbacks from now on. */
    public void bind(RpcTransport t) {
        transport = t;
        failed = false;
    }

    /** BACKCHANNEL_CTL: a new program number and credentials. */
    public void update(int newProgram, List<CallbackSecParms4> newSecParms) {
        program = newProgram;
        secParms = List.copyOf(newSecParms);
    }

    /** True when a connection is bound for callbacks (whether or not it works). */
    public boolean bound() {
        return transport != null;
    }

    /** True when callbacks can be sent: a bound connection that is open, and no failed call since it was bound. */
    public boolean isUp() {
        RpcTransport t = transport;
        return t != null && t.isOpen() && !failed && !closed;
    }

    public void close() {
        closed = true;
    }

    /** CB_NULL: completes with true when the client answered. */
    public CompletableFuture<Boolean> probe() {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        RpcTransport t = transport;
        if (t == null || closed) {
            done.complete(false);
            return done;
        }
        try {
            new RpcCall(program, Nfs4.CB_VERSION, auth(), t).call(Nfs4.CB_PROC_NULL, XdrVoid.XDR_VOID,
                    handler(done, reply -> true), timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            failed = true;
            done.complete(false);
        }
        return done.thenApply(ok -> {
            failed = !ok;
            return ok;
        }).exceptionally(e -> {
            failed = true;
            LOG.debug("{}: CB_NULL failed: {}", sessionId, e.toString());
            return false;
        });
    }

    /**
     * Sends one callback operation (CB_RECALL, CB_LAYOUTRECALL...) after CB_SEQUENCE, waiting for the
     * slot first. Completes with the operation's result, or exceptionally when the client could not be
     * reached.
     */
    public CompletableFuture<OpRes> call(OpArgs op) {
        return CompletableFuture.supplyAsync(() -> callBlocking(op), r -> Thread.ofVirtual().start(r));
    }

    private OpRes callBlocking(OpArgs op) {
        try {
            if (!slot.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("backchannel of " + sessionId + " is busy");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        try {
            for (int attempt = 0; ; attempt++) {
                CompoundRes res = send(op);
                OpRes seq = res.results().isEmpty() ? null : res.results().get(0);
                if (seq == null) {
                    throw new IllegalStateException("empty CB_COMPOUND reply from " + sessionId);
                }
                if (seq.isOk()) {
                    seqid++;
                    LOG.debug("{}: callback {} -> {}", sessionId, op.opnum(), res);
                    return res.results().size() > 1 ? res.results().get(1) : new OpRes(op.opnum(), res.status(), null);
                }
                if (attempt == 0 && (seq.status() == Nfs4Status.NFS4ERR_SEQ_MISORDERED
                        || seq.status() == Nfs4Status.NFS4ERR_RETRY_UNCACHED_REP)) {
                    seqid++; // a call lost earlier left the client one step ahead or behind: move on
                    continue;
                }
                return new OpRes(op.opnum(), seq.status(), null);
            }
        } finally {
            slot.release();
        }
    }

    private CompoundRes send(OpArgs op) {
        RpcTransport t = transport;
        if (t == null || closed) {
            throw new IllegalStateException("no backchannel bound for " + sessionId);
        }
        CbCompoundArgs args = new CbCompoundArgs(NO_TAG, Nfs4.MINOR_VERSION, 0,
                List.of(new CbSequenceArgs(sessionId, seqid, 0, 0, false, List.of()), op));
        CompletableFuture<CompoundRes> done = new CompletableFuture<>();
        try {
            new RpcCall(program, Nfs4.CB_VERSION, auth(), t).call(Nfs4.CB_PROC_COMPOUND, args, handler(done, reply -> {
                CompoundRes res = CompoundRes.callback();
                reply.getReplyResult(res);
                return res;
            }), timeout.toMillis(), TimeUnit.MILLISECONDS);
            return done.join();
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw new IllegalStateException("callback to " + sessionId + " failed: " + e, e);
        }
    }

    private RpcAuth auth() {
        for (CallbackSecParms4 p : secParms) {
            if (p.flavor() == Nfs4.AUTH_SYS) {
                return new RpcAuthTypeUnix(p.uid(), p.gid(), p.gids(), p.stamp(), p.machineName());
            }
            if (p.flavor() == Nfs4.AUTH_NONE) {
                return new RpcAuthTypeNone();
            }
        }
        return new RpcAuthTypeNone();
    }

    /** Decodes a reply on the RPC layer's thread and completes {@code done}. */
    private interface ReplyDecoder<T> {
        T decode(RpcReply reply) throws IOException;
    }

    private static <T> CompletionHandler<RpcReply, RpcTransport> handler(CompletableFuture<T> done,
                                                                        ReplyDecoder<T> decoder) {
        return new CompletionHandler<>() {
            @Override
            public void completed(RpcReply reply, RpcTransport t) {
                try {
                    done.complete(decoder.decode(reply));
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            }

            @Override
            public void failed(Throwable e, RpcTransport t) {
                done.completeExceptionally(e);
            }
        };
    }
}
