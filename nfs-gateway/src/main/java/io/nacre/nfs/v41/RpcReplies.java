package io.nacre.nfs.v41;

import io.nacre.nfs.v41.xdr.XdrBytes;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import org.dcache.oncrpc4j.grizzly.GrizzlyRpcTransport;
import org.dcache.oncrpc4j.grizzly.StartTlsFilter;
import org.dcache.oncrpc4j.rpc.RpcAuthVerifier;
import org.dcache.oncrpc4j.rpc.RpcTransport;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.CompletionHandler;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.Processor;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.asyncqueue.WritableMessage;
import org.glassfish.grizzly.filterchain.Filter;
import org.glassfish.grizzly.filterchain.FilterChain;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.grizzly.ssl.SSLBaseFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepted RPC replies (RFC 5531 §9) made here: the record mark, the reply header, the verifier and the result
 * in one byte array, written to the connection as one Grizzly buffer. oncrpc4j's {@code RpcCall.reply} encodes
 * the same fields one call at a time into the request's Grizzly buffer, then sends it behind a second buffer for
 * the record mark through the connection's filter chain: about a sixth of a stat's time on the RPC selector.
 */
final class RpcReplies {

    private static final Logger LOG = LoggerFactory.getLogger(RpcReplies.class);

    /** RFC 5531 §11: a record of one fragment, its length in the low 31 bits. */
    static final int LAST_FRAGMENT = 0x8000_0000;
    private static final int REPLY = 1;
    private static final int MSG_ACCEPTED = 0;
    private static final int SUCCESS = 0;

    /**
     * The connection behind oncrpc4j's transport, which offers no getter for it; null (and every reply sent
     * through {@link RpcTransport#send}) if a version of oncrpc4j keeps it elsewhere.
     */
    private static final VarHandle CONNECTION = connectionField();

    private static final CompletionHandler<WriteResult<WritableMessage, SocketAddress>> FAILURES =
            new EmptyCompletionHandler<>() {
                @Override
                public void failed(Throwable t) {
                    LOG.debug("an RPC reply could not be sent: {}", t.toString());
                }
            };

    private static final java.nio.channels.CompletionHandler<Integer, InetSocketAddress> SEND_FAILURES =
            new java.nio.channels.CompletionHandler<>() {
                @Override
                public void completed(Integer written, InetSocketAddress to) {
                }

                @Override
                public void failed(Throwable t, InetSocketAddress to) {
                    LOG.debug("an RPC reply to {} could not be sent: {}", to, t.toString());
                }
            };

    /** The last filter chain found without TLS. */
    private static volatile Processor<?> plainChain;

    private RpcReplies() {
    }

    private static VarHandle connectionField() {
        try {
            return MethodHandles.privateLookupIn(GrizzlyRpcTransport.class, MethodHandles.lookup())
                    .findVarHandle(GrizzlyRpcTransport.class, "_connection", Connection.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("oncrpc4j's transport keeps its connection elsewhere ({}): RPC replies go through its send",
                    e.toString());
            return null;
        }
    }

    /** Whether replies on oncrpc4j's TCP transports are written straight to their connection. */
    static boolean writesToConnection() {
        return CONNECTION != null;
    }

    /**
     * The record of an accepted, successful reply to call {@code xid}: the record mark, then the reply message
     * with {@code verifier} and {@code result}.
     */
    static XdrBytes accepted(int xid, RpcAuthVerifier verifier, XdrEncodable result) {
        XdrBytes x = new XdrBytes(512);
        x.xdrEncodeInt(0); // the record mark, once the length is known
        x.xdrEncodeInt(xid);
        x.xdrEncodeInt(REPLY);
        x.xdrEncodeInt(MSG_ACCEPTED);
        x.xdrEncodeInt(verifier.getType());
        XdrIo.opaque(x, verifier.getBody());
        x.xdrEncodeInt(SUCCESS);
        result.encode(x);
        x.putInt(0, LAST_FRAGMENT | (x.size() - 4));
        return x;
    }

    /**
     * Sends a record made by {@link #accepted}: on oncrpc4j's TCP connections as it is, into the connection's
     * write queue (where oncrpc4j's own writes and the backchannel's calls go too, so the order holds); else
     * without its record mark through the transport, which adds one where the transport wants it. The write
     * queue is past the filter chain, so only a chain without TLS is written to that way.
     */
    static void send(RpcTransport transport, XdrBytes record) {
        if (CONNECTION != null && transport instanceof GrizzlyRpcTransport grizzly) {
            Connection<?> c = (Connection<?>) CONNECTION.get(grizzly);
            if (c.getTransport() instanceof TCPNIOTransport tcp && plain(c.getProcessor())) {
                Buffer b = Buffers.wrap(c.getMemoryManager(), record.array(), 0, record.size());
                tcp.getAsyncQueueIO().getWriter().write(socket(c), b, FAILURES);
                return;
            }
        }
        Xdr body = new Xdr(Arrays.copyOfRange(record.array(), 4, record.size()));
        transport.send(body, transport.getRemoteSocketAddress(), SEND_FAILURES);
    }

    /**
     * Whether a filter chain has no TLS filter (the one chain of a service, checked once: the transport's own
     * {@code isTLS()} streams over the chain on every call, under C1 about what the one-buffer write saves).
     */
    private static boolean plain(Processor<?> chain) {
        if (chain == plainChain) {
            return true;
        }
        if (!(chain instanceof FilterChain filters)) {
            return false;
        }
        for (Filter f : filters) {
            if (f instanceof SSLBaseFilter || f instanceof StartTlsFilter) {
                return false;
            }
        }
        plainChain = chain;
        return true;
    }

    /** A TCP connection's peer addresses are socket addresses; the transport's writer is typed by them. */
    @SuppressWarnings("unchecked")
    private static Connection<SocketAddress> socket(Connection<?> c) {
        return (Connection<SocketAddress>) c;
    }
}
