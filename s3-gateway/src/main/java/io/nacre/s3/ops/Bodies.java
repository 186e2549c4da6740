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

    /** Bytes per write to a file and per HTTP chunk sent. */
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

    /**
     * A response whose body is [offset, offset + length) of a file, read ahead and sent as the client
     * takes it: at most {@link #IN_FLIGHT} chunks wait in memory. A file that turns out shorter than
     * promised (truncated meanwhile) aborts the response rather than sending wrong bytes.
     */
    static HttpResponse stream(ResponseHeaders headers, FileIo io, Fid fid, long offset, long length, Executor executor) {
        HttpResponseWriter out = HttpResponse.streaming();
        out.write(headers);
        if (length == 0) {
            out.close();
            return out;
        }
        executor.execute(() -> {
            Deque<CompletableFuture<Void>> sent = new ArrayDeque<>();
            try (FileIo.Reader r = io.openReader(fid, offset, length)) {
                long remaining = length;
                while (remaining > 0) {
                    // A pooled direct buffer, handed to the connection as is: no copy on the way out.
                    int want = (int) Math.min(CHUNK, remaining);
                    ByteBuf chunk = PooledByteBufAllocator.DEFAULT.directBuffer(want);
                    int n;
                    try {
                        ByteBuffer buf = chunk.nioBuffer(0, want);
                        while (buf.hasRemaining()) {
                            if (r.read(buf) < 0) {
                                break;
                            }
                        }
                        n = buf.position();
                        chunk.writerIndex(n);
                    } catch (RuntimeException e) {
                        chunk.release();
                        throw e;
                    }
                    if (n == 0) {
                        chunk.release();
                        break;
                    }
                    if (!out.tryWrite(HttpData.wrap(chunk))) {
                        return; // the client went away (the writer released the chunk)
                    }
                    remaining -= n;
                    sent.add(out.whenConsumed());
                    while (sent.size() > IN_FLIGHT) {
                        sent.poll().join();
                    }
                }
                if (remaining > 0) {
                    out.abort(new IOException(fid + " ended " + remaining + " bytes before the promised length"));
                    return;
                }
                out.close();
            } catch (RuntimeException e) {
                LOG.debug("GET of {} aborted: {}", fid, e.toString());
                out.abort(e);
            }
        });
        return out;
    }
}
