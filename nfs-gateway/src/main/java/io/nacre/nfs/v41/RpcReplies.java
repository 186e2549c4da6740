package io.nacre.nfs.v41;

import io.nacre.nfs.v41.xdr.IoBuffers;
import io.nacre.nfs.v41.xdr.XdrBytes;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.CompletionHandler;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.IOEvent;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.asyncqueue.AsyncWriteQueueRecord;
import org.glassfish.grizzly.asyncqueue.TaskQueue;
import org.glassfish.grizzly.asyncqueue.WritableMessage;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.nio.transport.TCPNIOConnection;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RPC replies (RFC 5531 §9) as records (§11: the record mark first), written to the connection the call came
 * on. A reply is one byte array: the record mark, the reply header, the verifier (always AUTH_NONE: the server
 * takes AUTH_NONE and AUTH_SYS only) and the result, written through the connection's write queue, where the
 * backchannel's calls and replies written through oncrpc4j's transport go too, so no two records interleave on
 * a connection (straight to the socket when nothing waits in that queue: {@link #send}).
 */
final class RpcReplies {

    private static final Logger LOG = LoggerFactory.getLogger(RpcReplies.class);

    /** RFC 5531 §11: a record of one fragment, its length in the low 31 bits. */
    static final int LAST_FRAGMENT = 0x8000_0000;
    private static final int REPLY = 1;
    private static final int MSG_ACCEPTED = 0;
    private static final int MSG_DENIED = 1;
    private static final int AUTH_NONE = 0;

    /** accept_stat (RFC 5531 §9). */
    static final int SUCCESS = 0;
    static final int PROG_UNAVAIL = 1;
    static final int PROG_MISMATCH = 2;
    static final int PROC_UNAVAIL = 3;
    static final int GARBAGE_ARGS = 4;
    static final int SYSTEM_ERR = 5;

    /** reject_stat. */
    private static final int RPC_MISMATCH = 0;
    private static final int AUTH_ERROR = 1;

    /** auth_stat. */
    static final int AUTH_BADCRED = 1;
    static final int AUTH_TOOWEAK = 5;

    private static final CompletionHandler<WriteResult<WritableMessage, SocketAddress>> FAILURES =
            new EmptyCompletionHandler<>() {
                @Override
                public void failed(Throwable t) {
                    LOG.debug("an RPC reply could not be sent: {}", t.toString());
                }
            };

    private RpcReplies() {
    }

    /**
     * The record of an accepted, successful reply to call {@code xid}: the record mark, then the reply message
     * with {@code result}.
     */
    static XdrBytes accepted(int xid, XdrEncodable result) {
        XdrBytes x = acceptedHeader(xid, SUCCESS);
        result.encode(x);
        return marked(x);
    }

    /** An accepted reply that failed: PROG_UNAVAIL, PROC_UNAVAIL, GARBAGE_ARGS or SYSTEM_ERR. */
    static XdrBytes acceptedError(int xid, int acceptStat) {
        return marked(acceptedHeader(xid, acceptStat));
    }

    /** PROG_MISMATCH: the program is here in versions {@code low} to {@code high}. */
    static XdrBytes programMismatch(int xid, int low, int high) {
        XdrBytes x = acceptedHeader(xid, PROG_MISMATCH);
        x.xdrEncodeInt(low);
        x.xdrEncodeInt(high);
        return marked(x);
    }

    /** MSG_DENIED, RPC_MISMATCH: this server speaks RPC version 2 only. */
    static XdrBytes rpcMismatch(int xid) {
        XdrBytes x = deniedHeader(xid, RPC_MISMATCH);
        x.xdrEncodeInt(2);
        x.xdrEncodeInt(2);
        return marked(x);
    }

    /** MSG_DENIED, AUTH_ERROR with {@code authStat}. */
    static XdrBytes authError(int xid, int authStat) {
        XdrBytes x = deniedHeader(xid, AUTH_ERROR);
        x.xdrEncodeInt(authStat);
        return marked(x);
    }

    private static XdrBytes acceptedHeader(int xid, int acceptStat) {
        XdrBytes x = new XdrBytes(512);
        acceptedHeader(x, xid, acceptStat);
        return x;
    }

    /** A room for the record mark (written once the length is known), then an accepted reply's header. */
    private static void acceptedHeader(XdrEncodingStream x, int xid, int acceptStat) {
        x.xdrEncodeInt(0);
        x.xdrEncodeInt(xid);
        x.xdrEncodeInt(REPLY);
        x.xdrEncodeInt(MSG_ACCEPTED);
        x.xdrEncodeInt(AUTH_NONE);
        x.xdrEncodeInt(0); // the verifier's empty body
        x.xdrEncodeInt(acceptStat);
    }

    private static XdrBytes deniedHeader(int xid, int rejectStat) {
        XdrBytes x = new XdrBytes(32);
        x.xdrEncodeInt(0);
        x.xdrEncodeInt(xid);
        x.xdrEncodeInt(REPLY);
        x.xdrEncodeInt(MSG_DENIED);
        x.xdrEncodeInt(rejectStat);
        return x;
    }

    private static XdrBytes marked(XdrBytes x) {
        x.putInt(0, LAST_FRAGMENT | (x.size() - 4));
        return x;
    }

    /** Writes a record made here into {@code c}'s write queue (straight to its socket when nothing is queued). */
    static void send(Connection<?> c, XdrBytes record) {
        if (!(c instanceof TCPNIOConnection t) || !writeNow(t, record.array(), record.size())) {
            write(c, Buffers.wrap(c.getMemoryManager(), record.array(), 0, record.size()));
        }
    }

    /**
     * Writes {@code bytes[0, n)} to the connection's socket on this thread when no write is queued or under way
     * on it, as Grizzly's queue writer does then itself, without its record, result, completion and buffer per
     * reply; else queues them behind that write, as the writer does. The bytes are reserved in the connection's
     * write queue as the writer reserves them, so a write from another thread meanwhile (a reply completed
     * elsewhere, the backchannel's call) waits in the queue behind them, and is written once they are; what the
     * socket does not take now waits as the queue's current record, for the selector to write when it has room. A
     * failed write closes the connection, as the writer's does. False, with nothing reserved, when the connection
     * is closed (the writer then fails the write as it does).
     */
    private static boolean writeNow(TCPNIOConnection c, byte[] bytes, int n) {
        TaskQueue<AsyncWriteQueueRecord> queue = c.getAsyncWriteQueue();
        if (!c.isOpen()) {
            return false;
        }
        if (queue.reserveSpace(n) != n) {
            queue.offer(record(c, bytes, 0, n)); // another write is under way: after it
            return true;
        }
        try {
            int written = ((SocketChannel) c.getChannel()).write(ByteBuffer.wrap(bytes, 0, n));
            if (written == n) {
                if (queue.releaseSpaceAndNotify(n) != 0) {
                    c.simulateIOEvent(IOEvent.WRITE); // queued from other threads meanwhile: to go now
                }
            } else {
                queue.releaseSpaceAndNotify(written);
                queue.setCurrentElement(record(c, bytes, written, n - written));
                c.enableIOEvent(IOEvent.WRITE);
            }
        } catch (IOException e) {
            LOG.debug("an RPC reply could not be sent: {}", e.toString());
            c.closeSilently();
        }
        return true;
    }

    /** A write queue's record of {@code bytes[from, from + n)}, as Grizzly's writer makes one. */
    private static AsyncWriteQueueRecord record(TCPNIOConnection c, byte[] bytes, int from, int n) {
        return AsyncWriteQueueRecord.create(c, Buffers.wrap(c.getMemoryManager(), bytes, from, n), FAILURES, null,
                null, false);
    }

    /**
     * Writes an accepted, successful reply whose result carries data it refers to rather than holds (a READ's),
     * so the data is written from where it lies; its buffer goes back when Grizzly disposes the written reply.
     */
    static void sendReferring(Connection<?> c, int xid, XdrEncodable result) {
        write(c, referring(xid, result));
    }

    /**
     * Writes an accepted, successful reply whose one READ's data lies in a direct READ buffer with room around it
     * ({@link IoBuffers#takeForRead}): the rest of the reply is encoded apart ({@link XdrBytes#referring}) and
     * copied into that room, before and after the data, and the whole record goes out as one direct buffer: one
     * write, no copy of the data on the way (Grizzly copies heap buffers into a direct one of its own first). The
     * buffer goes back when Grizzly disposes the written reply. False, with nothing sent or given back, when the
     * result refers to no such data or the rest does not fit the room.
     */
    static boolean sendAround(Connection<?> c, int xid, XdrEncodable result) {
        ByteBuffer record = around(xid, result);
        if (record == null) {
            return false;
        }
        write(c, IoBuffers.lentToGrizzly(record, record.duplicate().clear()));
        return true;
    }

    /**
     * The record of {@link #accepted} put together around the READ data it refers to, in that data's buffer (see
     * {@link #sendAround}), from its position to its limit; null when there is no such data or no room.
     */
    static ByteBuffer around(int xid, XdrEncodable result) {
        XdrBytes x = XdrBytes.referring(512);
        acceptedHeader(x, xid, SUCCESS);
        result.encode(x);
        ByteBuffer data = x.referred();
        if (data == null || !IoBuffers.isReadBuffer(data)) {
            return null;
        }
        int head = x.referredAt();
        int tail = x.size() - head;
        int start = data.position();
        int end = data.limit();
        if (start < head || data.capacity() - end < tail) {
            return null;
        }
        x.putInt(0, LAST_FRAGMENT | (x.size() + data.remaining() - 4));
        ByteBuffer whole = data.duplicate().clear();
        whole.put(start - head, x.array(), 0, head);
        whole.put(end, x.array(), head, tail);
        return whole.position(start - head).limit(end + tail);
    }

    /**
     * The record of {@link #accepted} in oncrpc4j's {@code Xdr}, into which {@code ReadRes} encodes its data as a
     * reference (a composite Grizzly buffer) instead of a copy.
     */
    static Buffer referring(int xid, XdrEncodable result) {
        Xdr x = new Xdr(Xdr.INITIAL_XDR_SIZE);
        x.beginEncoding();
        acceptedHeader(x, xid, SUCCESS);
        result.encode(x);
        x.endEncoding();
        Buffer b = x.asBuffer();
        b.putInt(b.position(), LAST_FRAGMENT | (b.remaining() - 4));
        return b;
    }

    /**
     * Into the write queue of the connection's transport, past the filter chain (which has nothing to do on a
     * write: {@link RpcServer}'s has no TLS): where the filter chain's writes end too.
     */
    private static void write(Connection<?> c, Buffer b) {
        ((TCPNIOTransport) c.getTransport()).getAsyncQueueIO().getWriter().write(socket(c), b, FAILURES);
    }

    /** A TCP connection's peer addresses are socket addresses; the transport's writer is typed by them. */
    @SuppressWarnings("unchecked")
    private static Connection<SocketAddress> socket(Connection<?> c) {
        return (Connection<SocketAddress>) c;
    }
}
