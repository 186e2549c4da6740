package io.nacre.nfs.v41;

import io.nacre.nfs.v41.xdr.IoBuffers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.filterchain.TransportFilter;
import org.glassfish.grizzly.memory.ByteBufferWrapper;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.grizzly.utils.NullaryFunction;

/**
 * The NFS port's reads and record marking (RFC 5531 §11), in place of Grizzly's read (into its thread's direct
 * buffer, then copied into a fresh heap array per socket read) and oncrpc4j's parser (which joins a record's
 * arrays into a composite buffer, so that a WRITE's data were gathered once more on the worker). A connection
 * reads into its own small direct buffer; a record that fits it is copied out into an array of its size. A larger
 * record gets a buffer of its own, and the socket is read straight into it: for a large WRITE's, a pooled direct
 * one ({@link IoBuffers#takeForRecord}) when it fits and one is there, so no copy and no fresh megabyte per WRITE. Each record goes to
 * {@link RpcFilter} on this (the selector's) thread; its pooled buffer comes back when that returns, unless the
 * call kept it ({@link #keep}: a WRITE's data are views of it), whose keeper then gives it back.
 * Writes, events and closing stay Grizzly's ({@link TransportFilter}).
 */
final class RecordReader extends TransportFilter {

    /** A connection's own read buffer; a record larger than this is read into a buffer of its own. */
    static final int CONNECTION_BUFFER = 16 * 1024;
    /** A lone fragment larger than this is read into a pooled direct buffer when one is there (a megabyte each). */
    static final int POOLED_RECORD = 64 * 1024;
    /** The largest record taken; a connection announcing more is closed (WRITE takes 16 MiB at most). */
    static final int MAX_RECORD = 64 * 1024 * 1024;
    /** A heap record grows from this as its bytes arrive (a record mark alone allocates no more). */
    private static final int FIRST_HEAP_CAPACITY = 1024 * 1024;

    private static final Attribute<Assembly> ASSEMBLY = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(
            RecordReader.class.getName() + ".assembly", (NullaryFunction<Assembly>) Assembly::new);

    private final RpcFilter rpc;

    RecordReader(RpcFilter rpc) {
        this.rpc = rpc;
    }

    @Override
    public NextAction handleRead(FilterChainContext ctx) throws IOException {
        Connection<?> c = ctx.getConnection();
        Assembly a = ASSEMBLY.get(c);
        if (a.rec != null && a.fragLeft > 0 && !a.in.hasRemaining()) {
            // the rest of a fragment: read straight into its record, no further than the fragment's end
            a.room(Math.min(a.fragLeft, CONNECTION_BUFFER));
            int limit = a.rec.limit();
            a.rec.limit(a.rec.position() + Math.min(a.fragLeft, a.rec.remaining()));
            int n = read(c, a.rec);
            a.rec.limit(limit);
            a.fragLeft -= n;
        } else {
            a.in.compact();
            read(c, a.in);
            a.in.flip();
        }
        parse(c, a);
        return ctx.getStopAction();
    }

    /** Reads what the socket has into {@code into}'s remaining bytes; on the end of the stream it closes and throws. */
    private static int read(Connection<?> c, ByteBuffer into) throws IOException {
        int before = into.position();
        ((TCPNIOTransport) c.getTransport()).read(c, new ByteBufferWrapper(into));
        return into.position() - before;
    }

    /** Takes record marks and bytes from the connection's buffer, and hands on every record completed. */
    private void parse(Connection<?> c, Assembly a) throws IOException {
        while (true) {
            if (a.rec != null && a.fragLeft == 0 && a.last) {
                deliver(c, a);
            } else if (a.rec == null || a.fragLeft == 0) {
                if (a.in.remaining() < 4) {
                    return;
                }
                int mark = a.in.getInt();
                int length = mark & 0x7fff_ffff;
                if (length > MAX_RECORD - a.announced) {
                    throw new IOException("an RPC record of more than " + MAX_RECORD + " bytes from "
                            + c.getPeerAddress());
                }
                a.announced += length;
                a.fragLeft = length;
                a.last = mark < 0;
                if (a.rec == null) {
                    a.begin(length);
                }
            } else {
                if (!a.in.hasRemaining()) {
                    return;
                }
                int n = Math.min(a.fragLeft, a.in.remaining());
                a.room(n);
                a.rec.put(a.rec.position(), a.in, a.in.position(), n).position(a.rec.position() + n);
                a.in.position(a.in.position() + n);
                a.fragLeft -= n;
            }
        }
    }

    /** The completed record to {@link RpcFilter}; its pooled buffer back after, unless the call kept it. */
    private void deliver(Connection<?> c, Assembly a) {
        ByteBuffer whole = a.pooled ? a.rec : null;
        Request r = new Request(new ByteBufferWrapper(a.rec.flip()), c, whole);
        a.rec = null;
        a.pooled = false;
        a.announced = 0;
        boolean returned = false;
        try {
            rpc.received(c, r);
            returned = true;
        } finally {
            ByteBuffer left = r.lent;
            if (left != null) {
                if (returned) {
                    IoBuffers.give(left);
                } else {
                    IoBuffers.forget(left);
                }
            }
        }
    }

    @Override
    public NextAction handleClose(FilterChainContext ctx) throws IOException {
        Assembly a = ASSEMBLY.peek(ctx.getConnection());
        if (a != null && a.pooled) {
            // the selector may be reading into it right now: never reused, the GC's
            a.pooled = false;
            IoBuffers.forget(a.rec);
        }
        return super.handleClose(ctx);
    }

    /**
     * Takes over the pooled buffer behind {@code call}'s record, if it has one: it is not given back when the call
     * returns to this reader, and the one who kept it gives it back ({@link Kept#giveBack}) once nothing reads it.
     */
    static Kept keep(Xdr call) {
        if (call instanceof Request r && r.lent != null) {
            Kept k = new Kept(r.lent);
            r.lent = null;
            return k;
        }
        return null;
    }

    /** A record's pooled buffer taken over by its call (see {@link #keep}); given back or forgotten once. */
    static final class Kept {
        private final AtomicReference<ByteBuffer> buffer;

        private Kept(ByteBuffer buffer) {
            this.buffer = new AtomicReference<>(buffer);
        }

        /** Gives the buffer back for reuse: nothing reads it any more. */
        void giveBack() {
            ByteBuffer b = buffer.getAndSet(null);
            if (b != null) {
                IoBuffers.give(b);
            }
        }

        /** Gives it up: something may still read it (a write that failed); the GC frees it. */
        void forget() {
            ByteBuffer b = buffer.getAndSet(null);
            if (b != null) {
                IoBuffers.forget(b);
            }
        }
    }

    /** A record as oncrpc4j's {@code Xdr}, with the pooled buffer it lies in (null: not pooled, or kept). */
    private static final class Request extends Xdr {
        private ByteBuffer lent;

        Request(ByteBufferWrapper record, Connection<?> c, ByteBuffer lent) {
            super(record, c.getMemoryManager());
            this.lent = lent;
        }
    }

    /** A connection's reading: its buffer, and the record being put together. */
    private static final class Assembly {
        /** Read but not yet parsed, from position to limit. */
        final ByteBuffer in = ByteBuffer.allocateDirect(CONNECTION_BUFFER).flip();
        /** The record so far (its bytes up to its position); null between records. */
        ByteBuffer rec;
        /** Whether {@link #rec} is a pooled buffer. */
        boolean pooled;
        /** Bytes of the current fragment not yet in {@link #rec}. */
        int fragLeft;
        /** Whether the current fragment is the record's last. */
        boolean last;
        /** The bytes the record's fragments announced so far. */
        int announced;

        /**
         * A record whose first fragment has {@code length} bytes: a lone fragment larger than
         * {@link #POOLED_RECORD} gets a pooled buffer when one is there, anything else an array that grows.
         */
        void begin(int length) {
            if (last && length > POOLED_RECORD) {
                rec = IoBuffers.takeForRecord(length);
                pooled = rec != null;
            }
            if (rec == null) {
                rec = ByteBuffer.allocate(Math.min(length, FIRST_HEAP_CAPACITY));
            }
        }

        /** Room in {@link #rec} for {@code n} more bytes (a heap record grows; a pooled one has its size). */
        void room(int n) {
            if (rec.remaining() >= n) {
                return;
            }
            int capacity = (int) Math.min(Math.max(2L * rec.capacity(), (long) rec.position() + n), MAX_RECORD);
            ByteBuffer grown = ByteBuffer.allocate(capacity);
            grown.put(rec.flip());
            rec = grown;
        }
    }
}
