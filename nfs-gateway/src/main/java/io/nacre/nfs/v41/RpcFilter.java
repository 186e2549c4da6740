package io.nacre.nfs.v41;

import io.nacre.nfs.v41.xdr.Nfs4;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.CompletionHandler;
import org.dcache.oncrpc4j.grizzly.GrizzlyRpcTransport;
import org.dcache.oncrpc4j.rpc.OncRpcAcceptedException;
import org.dcache.oncrpc4j.rpc.OncRpcRejectedException;
import org.dcache.oncrpc4j.rpc.ReplyQueue;
import org.dcache.oncrpc4j.rpc.RpcReply;
import org.dcache.oncrpc4j.rpc.RpcTransport;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RPC layer of the NFS port, after record marking ({@link RecordReader}): a call's header and credential are read here (RFC 5531
 * §8-9; AUTH_SYS into its uid, gid and groups, nothing else built) and the NFS program gets the call, or the
 * client gets the reply the header asks for (RPC_MISMATCH, AUTH_ERROR, PROG_UNAVAIL, PROG_MISMATCH); replies to
 * the server's own calls (the backchannel's, sent through oncrpc4j's {@code RpcCall}) go to the waiting caller
 * through oncrpc4j's {@link ReplyQueue}.
 */
final class RpcFilter extends BaseFilter {

    private static final Logger LOG = LoggerFactory.getLogger(RpcFilter.class);

    private static final int CALL = 0;
    private static final int REPLY = 1;
    private static final int RPC_VERSION = 2;
    /** RFC 5531 §8.2: opaque_auth bodies are at most 400 bytes. */
    private static final int MAX_AUTH_BYTES = 400;
    /** RFC 5531 appendix A: authsys_parms' machine name and groups. */
    private static final int MAX_MACHINE_NAME = 255;
    private static final int MAX_GROUPS = 16;
    private static final int[] NO_GROUPS = new int[0];

    private final Nfs4Program program;
    private final ReplyQueue replies;

    RpcFilter(Nfs4Program program, ReplyQueue replies) {
        this.program = program;
        this.replies = replies;
    }

    @Override
    public NextAction handleRead(FilterChainContext ctx) throws IOException {
        received(ctx.getConnection(), ctx.getMessage());
        return ctx.getStopAction();
    }

    /** One RPC message (a record) read from {@code c}, on the thread that read it ({@link RecordReader}). */
    void received(Connection<?> c, Xdr xdr) {
        xdr.beginDecoding();
        int xid;
        int type;
        try {
            xid = xdr.xdrDecodeInt();
            type = xdr.xdrDecodeInt();
        } catch (IOException e) {
            LOG.debug("an RPC message too short from {}", c.getPeerAddress());
            return;
        }
        if (type == CALL) {
            call(c, xid, xdr);
        } else if (type == REPLY) {
            reply(c, xid, xdr);
        } else {
            LOG.debug("an RPC message of type {} from {}", type, c.getPeerAddress());
        }
    }

    /** RFC 5531 §9: rpcvers, prog, vers, proc, the credential and the verifier, then the procedure's arguments. */
    private void call(Connection<?> c, int xid, Xdr xdr) {
        int prog;
        int vers;
        int proc;
        try {
            if (xdr.xdrDecodeInt() != RPC_VERSION) {
                RpcReplies.send(c, RpcReplies.rpcMismatch(xid));
                return;
            }
            prog = xdr.xdrDecodeInt();
            vers = xdr.xdrDecodeInt();
            proc = xdr.xdrDecodeInt();
        } catch (IOException e) {
            LOG.debug("a short RPC call header from {}", c.getPeerAddress());
            return;
        }
        Credential cred;
        try {
            cred = credential(xdr);
            skipVerifier(xdr);
        } catch (IOException e) {
            LOG.debug("a malformed RPC credential from {}: {}", c.getPeerAddress(), e.getMessage());
            RpcReplies.send(c, RpcReplies.authError(xid, RpcReplies.AUTH_BADCRED));
            return;
        }
        if (cred == null) {
            RpcReplies.send(c, RpcReplies.authError(xid, RpcReplies.AUTH_TOOWEAK));
        } else if (prog != Nfs4.PROGRAM) {
            RpcReplies.send(c, RpcReplies.acceptedError(xid, RpcReplies.PROG_UNAVAIL));
        } else if (vers != Nfs4.VERSION) {
            RpcReplies.send(c, RpcReplies.programMismatch(xid, Nfs4.VERSION, Nfs4.VERSION));
        } else {
            RpcTransport transport = new GrizzlyRpcTransport(inet(c), replies);
            try {
                program.call(c, xid, proc, new RequestInfo(transport.getRemoteSocketAddress(), transport,
                        cred.flavor, cred.uid, cred.gid, cred.gids), xdr);
            } catch (RuntimeException e) {
                // a bug on the selector's part of the call: told to the client, the connection goes on
                LOG.error("RPC call {} from {} failed", xid, c.getPeerAddress(), e);
                RpcReplies.send(c, RpcReplies.acceptedError(xid, RpcReplies.SYSTEM_ERR));
            }
        }
    }

    /** A credential taken: AUTH_NONE or AUTH_SYS; null for any other flavor. */
    private record Credential(int flavor, int uid, int gid, int[] gids) {
        static final Credential NONE = new Credential(Nfs4.AUTH_NONE, -1, -1, NO_GROUPS);
    }

    /**
     * The credential (RFC 5531 §8.2, authsys_parms of appendix A), or null for a flavor not taken; an
     * {@link IOException} when it is malformed: a body past its limits or the message, an AUTH_SYS body whose
     * fields are past their limits or do not fill it exactly.
     */
    private static Credential credential(Xdr xdr) throws IOException {
        int flavor = xdr.xdrDecodeInt();
        int length = xdr.xdrDecodeInt();
        Buffer b = xdr.asBuffer();
        if (length < 0 || length > MAX_AUTH_BYTES || padded(length) > b.remaining()) {
            throw new IOException("credential body of " + Integer.toUnsignedString(length) + " bytes");
        }
        if (flavor != Nfs4.AUTH_SYS) {
            b.position(b.position() + padded(length));
            return flavor == Nfs4.AUTH_NONE ? Credential.NONE : null;
        }
        int end = b.position() + length;
        if (length < 20) {
            throw new IOException("AUTH_SYS body of " + length + " bytes");
        }
        xdr.xdrDecodeInt(); // stamp
        int name = xdr.xdrDecodeInt();
        if (name < 0 || name > MAX_MACHINE_NAME || end - b.position() < padded(name) + 12) {
            throw new IOException("AUTH_SYS machine name of " + Integer.toUnsignedString(name) + " bytes");
        }
        b.position(b.position() + padded(name));
        int uid = xdr.xdrDecodeInt();
        int gid = xdr.xdrDecodeInt();
        int count = xdr.xdrDecodeInt();
        if (count < 0 || count > MAX_GROUPS || end - b.position() != 4 * count) {
            throw new IOException("AUTH_SYS groups: " + Integer.toUnsignedString(count) + " in "
                    + (end - b.position()) + " bytes");
        }
        int[] gids = count == 0 ? NO_GROUPS : new int[count];
        for (int i = 0; i < count; i++) {
            gids[i] = xdr.xdrDecodeInt();
        }
        return new Credential(Nfs4.AUTH_SYS, uid, gid, gids);
    }

    /** The verifier of a call: AUTH_NONE's or AUTH_SYS's carries nothing to check; only its bounds are. */
    private static void skipVerifier(Xdr xdr) throws IOException {
        xdr.xdrDecodeInt();
        int length = xdr.xdrDecodeInt();
        Buffer b = xdr.asBuffer();
        if (length < 0 || length > MAX_AUTH_BYTES || padded(length) > b.remaining()) {
            throw new IOException("verifier body of " + Integer.toUnsignedString(length) + " bytes");
        }
        b.position(b.position() + padded(length));
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }

    /**
     * A reply to a call this server made on the connection (a CB_COMPOUND or CB_NULL of the backchannel) goes to
     * its caller, as oncrpc4j's own filter did: failed when the client rejected it or did not accept it.
     */
    private void reply(Connection<?> c, int xid, Xdr xdr) {
        CompletionHandler<RpcReply, RpcTransport> caller = replies.get(xid);
        if (caller == null) {
            LOG.debug("an RPC reply to no call (xid {}) from {}", xid, c.getPeerAddress());
            return;
        }
        RecordReader.Kept kept = RecordReader.keep(xdr);
        if (kept != null) {
            kept.forget(); // the caller may decode the reply later, on its own thread: never reused
        }
        RpcTransport transport = new GrizzlyRpcTransport(inet(c), replies);
        RpcReply reply;
        try {
            reply = new RpcReply(xid, xdr, transport);
        } catch (IOException e) {
            caller.failed(e, transport);
            return;
        }
        if (!reply.isAccepted()) {
            caller.failed(new OncRpcRejectedException(reply.getRejectStatus()), transport);
        } else if (reply.getAcceptStatus() != RpcReplies.SUCCESS) {
            caller.failed(new OncRpcAcceptedException(reply.getAcceptStatus()), transport);
        } else {
            caller.completed(reply, transport);
        }
    }

    /** The connections of a TCP transport are addressed by socket addresses. */
    @SuppressWarnings("unchecked")
    private static Connection<InetSocketAddress> inet(Connection<?> c) {
        return (Connection<InetSocketAddress>) c;
    }
}
