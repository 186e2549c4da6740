package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.ResponseHeaders;
import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.store.Durability;
import io.nacre.s3.body.PayloadVerifier;
import io.nacre.s3.checksum.Hasher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Moving object data between HTTP bodies and files, streaming with bounded memory both ways. */
final class Bodies {

    private static final Logger LOG = LoggerFactory.getLogger(Bodies.class);

    /** Bytes per write of a PUT body to a file; a body shorter than this is read whole first. */
    static final int CHUNK = 1 << 20;
    /** HTTP chunks a GET may have written but not yet sent. */
    static final int IN_FLIGHT = 4;

    private Bodies() {
    }

    /**
     * Writes a request body into a (staged) file, durably, and verifies it; the file is not to be
     * published unless this returns. A body of more than one chunk has its MD5 (the ETag, the most
     * expensive digest) computed on another thread while the next chunk is read and written.
     */
    static PayloadVerifier.Digests write(FileIo io, Fid fid, PayloadVerifier body, Executor executor) throws IOException {
        Small small = readSmall(body);
        if (small != null) {
            write(io, fid, small);
            return small.digests();
        }
        body.md5ComputedOutside();
        Hasher md5 = Hasher.md5();
        byte[][] bufs = {new byte[CHUNK], new byte[CHUNK]};
        List<CompletableFuture<Void>> hashing = new ArrayList<>(List.of(CompletableFuture.completedFuture(null),
                CompletableFuture.completedFuture(null)));
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        try (FileIo.Writer w = io.openWriter(fid, 0, Durability.STABLE)) {
            for (int i = 0; ; i ^= 1) {
                hashing.get(i).join(); // the hasher is done with this buffer
                byte[] buf = bufs[i];
                int len = fill(body, buf);
                if (len > 0) {
                    chain = chain.thenRunAsync(() -> md5.update(buf, 0, len), executor);
                    hashing.set(i, chain);
                    w.write(ByteBuffer.wrap(buf, 0, len));
                }
                if (len < buf.length) {
                    break;
                }
            }
            chain.join();
            return body.finish(md5.finish());
        } finally {
            chain.exceptionally(t -> null).join();
        }
    }

    /**
     * Copies [offset, offset + length) of a file into a Writer, feeding the bytes to the hashers on the
     * way; returns how many bytes were copied (fewer when the file is shorter than it was).
     */
    static long transfer(FileIo io, Fid from, long offset, long length, FileIo.Writer to, ByteBuffer buf,
                         Hasher... hashers) {
        if (length == 0) {
            return 0;
        }
        long copied = 0;
        try (FileIo.Reader rd = io.openReader(from, offset, length)) {
            while (true) {
                buf.clear();
                if (rd.read(buf) < 0) {
                    return copied;
                }
                buf.flip();
                for (Hasher h : hashers) {
                    h.update(buf.duplicate());
                }
                copied += buf.remaining();
                to.write(buf);
            }
        }
    }

    /** A whole request body read into memory and verified: its bytes and digests. */
    record Small(byte[] data, int length, PayloadVerifier.Digests digests) {
    }

    /**
     * Reads and verifies a body that declared less than one chunk (the usual small PUT), before any of
     * it is stored; null, reading nothing, for a longer body or one of unknown length.
     */
    static Small readSmall(PayloadVerifier body) throws IOException {
        long declared = body.declaredLength();
        if (declared < 0 || declared >= CHUNK) {
            return null;
        }
        byte[] buf = new byte[(int) declared + 1];
        int len = fill(body, buf);
        return new Small(buf, len, body.finish()); // a body longer than declared failed while being read
    }

    /** Writes a small body read by {@link #readSmall} into a (staged) file, durably. */
    static void write(FileIo io, Fid fid, Small small) {
        if (small.length() > 0) {
            io.write(fid, 0, ByteBuffer.wrap(small.data(), 0, small.length()), Durability.STABLE);
        }
    }

    /** Reads until the buffer is full or the body ends; returns the bytes read. */
    private static int fill(PayloadVerifier body, byte[] buf) throws IOException {
        int len = 0;
        int n;
        while (len < buf.length && (n = body.read(buf, len, buf.length - len)) >= 0) {
            len += n;
        }
        return len;
    }

    /** Bytes per read of a GET's body from the file, and how many such reads run ahead of the sending. */
    static final int READ_CHUNK = 4 << 20;
    static final int READS_AHEAD = 4;

    /**
     * A response whose body is [offset, offset + length) of a file. Chunks are read side by side, up to
     * {@link #READS_AHEAD} ahead of the one being sent, each straight into a direct buffer that goes to
     * the connection as is (FileIo reads a chunk within one stripe into it without a copy of its own) and
     * comes back to be read into again ({@link ChunkBuffers}); at most {@link #IN_FLIGHT} chunks wait for
     * the client. The chunks are read through the view of the file the headers were made from, with no
     * metadata call each; before the last chunk goes out the file is checked to be still what the view
     * says (its data version, size and layout), and a file changed meanwhile (written, truncated,
     * restriped, released) aborts the response rather than completing it with bytes of neither version.
     */
    static HttpResponse stream(ResponseHeaders headers, FileIo io, FileIo.ReadView view, long offset, long length,
                               Executor executor) {
        Fid fid = view.attr().fid();
        HttpResponseWriter out = HttpResponse.streaming();
        out.write(headers);
        if (length == 0) {
            out.close();
            return out;
        }
        // Enough buffers for the reads ahead, the chunks waiting for the client and the one being sent.
        ChunkBuffers buffers = new ChunkBuffers(PooledByteBufAllocator.DEFAULT, (int) Math.min(READ_CHUNK, length),
                READS_AHEAD + IN_FLIGHT + 2);
        executor.execute(() -> {
            Deque<CompletableFuture<ByteBuf>> reads = new ArrayDeque<>();
            Deque<CompletableFuture<Void>> sent = new ArrayDeque<>();
            long end = offset + length;
            long next = offset;
            long at = offset;
            try {
                while (at < end) {
                    while (reads.size() < READS_AHEAD && next < end) {
                        long from = next;
                        int want = (int) Math.min(READ_CHUNK, end - from);
                        next += want;
                        reads.add(CompletableFuture.supplyAsync(
                                () -> readChunk(io, view, from, buffers.take(want), want), executor));
                    }
                    ByteBuf chunk = reads.poll().join();
                    int n = chunk.readableBytes();
                    if (n == 0) {
                        chunk.release();
                        break;
                    }
                    if (at + n == end && !io.unchanged(view)) {
                        chunk.release();
                        out.abort(new IOException(fid + " changed while being read; the response is cut short"));
                        return;
                    }
                    if (!out.tryWrite(HttpData.wrap(chunk))) {
                        return; // the client went away (the writer released the chunk)
                    }
                    at += n;
                    if (n < Math.min(READ_CHUNK, end - (at - n))) {
                        break; // short: the file ended early
                    }
                    sent.add(out.whenConsumed());
                    while (sent.size() > IN_FLIGHT) {
                        sent.poll().join();
                    }
                }
                if (at < end) {
                    out.abort(new IOException(fid + " ended " + (end - at) + " bytes before the promised length"));
                    return;
                }
                out.close();
            } catch (RuntimeException e) {
                LOG.debug("GET of {} aborted: {}", fid, e.toString());
                out.abort(e);
            } finally {
                for (CompletableFuture<ByteBuf> r : reads) {
                    r.thenAccept(ByteBuf::release);
                }
                buffers.close();
            }
        });
        return out;
    }

    /** Reads [at, at + want) of a file's view into an empty direct buffer (fewer bytes past the view's end). */
    private static ByteBuf readChunk(FileIo io, FileIo.ReadView view, long at, ByteBuf chunk, int want) {
        try {
            ByteBuffer buf = chunk.nioBuffer(0, want);
            while (buf.hasRemaining()) {
                if (io.read(view, at + buf.position(), buf) <= 0) {
                    break;
                }
            }
            chunk.writerIndex(buf.position());
            return chunk;
        } catch (RuntimeException e) {
            chunk.release();
            throw e;
        }
    }
}
