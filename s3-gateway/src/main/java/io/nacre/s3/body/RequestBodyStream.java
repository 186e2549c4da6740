package io.nacre.s3.body;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.SubscriptionOption;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * A request body as a blocking InputStream that reads the connection's own (pooled) buffers: Armeria's
 * {@code toInputStream} copies every piece to the heap first, one more pass over every byte of a PUT
 * (and a GiB of garbage per GiB). At most {@link #PREFETCH} pieces wait here; each is released once
 * read, and whatever is left when the stream closes (or arrives after it closed) is released then.
 */
public final class RequestBodyStream extends InputStream implements Subscriber<HttpObject> {

    /** Pieces of the body requested ahead of the reader. */
    static final int PREFETCH = 16;
    /**
     * Pieces read before more are requested, all at once: a request made off the event loop is a task
     * handed to it (and a wake-up of it), so asking for each piece as it is read cost one such hand-off
     * per piece of 64 KiB or less, some 16 thousand per GiB.
     */
    static final int REQUEST_BATCH = PREFETCH / 2;

    /** Queued after the last piece: the body ended, well or with {@code error}. */
    private record End(Throwable error) {
    }

    private final StreamMessage<? extends HttpObject> source;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile Subscription subscription;
    private volatile boolean closed;
    private boolean subscribed;
    private HttpData current;
    private ByteBuf currentBuf;
    private int offset;
    private End end;
    /** Pieces read since the last request. */
    private int unrequested;

    public RequestBodyStream(StreamMessage<? extends HttpObject> source) {
        this.source = source;
    }

    // ---- the subscriber side, on the connection's event loop ----------------------------------

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
        if (!closed) {
            s.request(PREFETCH);
        }
    }

    @Override
    public void onNext(HttpObject o) {
        if (o instanceof HttpData d && !d.isEmpty()) {
            queue.add(d);
            if (closed) {
                releaseQueued();
            }
        } else {
            if (o instanceof HttpData d) {
                d.close();
            }
            if (!closed) {
                subscription.request(1); // trailers or an empty piece: nothing to read, ask for the next one
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        queue.add(new End(t));
    }

    @Override
    public void onComplete() {
        queue.add(new End(null));
    }

    // ---- the reader side, on the request's (virtual) thread -----------------------------------

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("the request body stream is closed");
        }
        if (len == 0) {
            return 0;
        }
        if (!next()) {
            return -1;
        }
        int n = Math.min(len, current.length() - offset);
        currentBuf.getBytes(currentBuf.readerIndex() + offset, b, off, n);
        offset += n;
        return n;
    }

    /** Makes {@code current} a piece with bytes left to read; false at the end of the body. */
    private boolean next() throws IOException {
        if (current != null && offset < current.length()) {
            return true;
        }
        if (current != null) {
            current.close();
            current = null;
            currentBuf = null;
        }
        if (end == null) {
            if (!subscribed) {
                subscribed = true;
                source.subscribe(this, SubscriptionOption.WITH_POOLED_OBJECTS);
            }
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading the request body", e);
            }
            if (o instanceof HttpData d) {
                current = d;
                currentBuf = d.byteBuf();
                offset = 0;
                if (++unrequested == REQUEST_BATCH) {
                    unrequested = 0;
                    subscription.request(REQUEST_BATCH);
                }
                return true;
            }
            end = (End) o;
        }
        if (end.error() != null) {
            throw new IOException("the request body failed: " + end.error(), end.error());
        }
        return false;
    }

    @Override
    public int available() {
        return current == null ? 0 : current.length() - offset;
    }

    /** Releases every piece held, and any that arrives later; asks for no more. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (current != null) {
            current.close();
            current = null;
            currentBuf = null;
        }
        // No cancel: as with a body nobody reads on, no more is asked for, and the request ends as the
        // server ends it (a cancel would reset it before an error answer is out, see S3Service).
        releaseQueued();
    }

    private void releaseQueued() {
        Object o;
        while ((o = queue.poll()) != null) {
            if (o instanceof HttpData d) {
                d.close();
            }
        }
    }
}
