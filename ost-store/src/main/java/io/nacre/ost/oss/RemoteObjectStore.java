package io.nacre.ost.oss;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ListedObject;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.engine.store.OstUsage;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ObjectStore} of another node's OSTs, reached through its {@link OssServer} over HTTP/2
 * (h2c). Writes send the caller's buffer as the request body without copying it; reads copy the
 * response body into the caller's buffer as it arrives. Errors come back with the Status the OSS gave.
 *
 * <p>Every call has a deadline, so a node that hangs without dying (stopped, swapping, partitioned) costs
 * its callers a bounded wait, never the caller's whole request, while a node that is only slow is not taken
 * for a dead one. Calls ask the OSS for keep-alives (a {@code 102 Processing} every quarter of
 * {@link Builder#callTimeout} while it works on them, for a read until its first bytes); a node from which neither the answer nor a
 * keep-alive came for the call timeout is down: calls fail at once with UNAVAILABLE (NFS answers
 * NFS4ERR_DELAY, the client tries again) while a probe asks it every second whether it answers again, and
 * the first answer brings it back. A call the node keeps working on gives up after its own bound
 * ({@link Builder#progressTimeout}, plus for sync, truncate, destroy and writes the node's reported backlog
 * and the write's bytes at {@link OssProtocol#MIN_RATE}) with UNAVAILABLE, and the node stays up; so does a
 * read whose first bytes do not come within the progress timeout. Once its bytes flow, a read fails (and
 * the node is down) when no more came for the progress timeout. A node that refuses the connection or
 * drops it (killed) fails the call with UNAVAILABLE too: I/O errors are for bad data, not absent nodes.
 */
public final class RemoteObjectStore implements ObjectStore {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteObjectStore.class);
    private static final Duration PROBE_EVERY = Duration.ofSeconds(1);
    /** The longest answer body kept of calls other than reads (the OST list, error messages). */
    private static final int MAX_ANSWER = 1 << 20;

    private final URI node;
    private final ClientFactory factory;
    private final WebClient client;
    private final OssAuth auth;
    private final Duration callTimeout;
    private final Duration progressTimeout;
    private volatile List<OstInfo> osts;
    /** Why the node is down (it missed a deadline), or null while it answers. */
    private final AtomicReference<String> down = new AtomicReference<>();
    private volatile boolean closed;

    private RemoteObjectStore(Builder b) {
        this.node = b.node;
        String scheme = switch (b.node.getScheme()) {
            case "http", "h2c" -> "h2c";
            case "https", "h2" -> "h2";
            default -> throw new IllegalArgumentException("OSS address must be http:// or https://: " + b.node);
        };
        // Its own connection pool (on Armeria's shared event loops), so that close() releases its connections.
        this.factory = ClientFactory.builder()
                .http2MaxFrameSize(OssProtocol.MAX_FRAME)
                .http2InitialStreamWindowSize(OssProtocol.STREAM_WINDOW)
                .http2InitialConnectionWindowSize(OssProtocol.CONNECTION_WINDOW)
                .build();
        this.client = WebClient.builder(scheme + "://" + b.node.getRawAuthority())
                .factory(factory)
                .responseTimeout(Duration.ZERO) // the deadlines are this class's own (await)
                .maxResponseLength(0)
                .build();
        this.auth = b.secret == null ? null : new OssAuth(b.secret, Clock.systemUTC());
        this.callTimeout = b.callTimeout;
        this.progressTimeout = b.progressTimeout;
    }

    public static Builder builder(URI node) {
        return new Builder(node);
    }

    public URI node() {
        return node;
    }

    /** False while the node is down: it missed a deadline and has not answered a probe since. */
    public boolean isUp() {
        return down.get() == null;
    }

    // ---- operations -------------------------------------------------------------------------------------

    @Override
    public List<OstInfo> osts() {
        List<OstInfo> known = osts;
        if (known == null) {
            AggregatedHttpResponse r = call(HttpMethod.GET, OssProtocol.PREFIX + "/osts");
            List<OstInfo> list = new ArrayList<>();
            for (String line : r.contentUtf8().split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                var pools = new HashSet<>(Arrays.asList(f.length > 1 ? f[1].split(",") : new String[0]));
                pools.remove("");
                list.add(new OstInfo(Integer.parseInt(f[0]), pools, node.toString()));
            }
            known = List.copyOf(list);
            osts = known;
        }
        return known;
    }

    @Override
    public int read(ObjectRef object, long offset, ByteBuffer dst) {
        requireNonNull(object, "object");
        requireNonNull(dst, "dst");
        int length = dst.remaining();
        String path = OssProtocol.objectPath(object.ost(), object.id()) + "?offset=" + offset + "&length=" + length;
        checkUp(object);
        long start = System.nanoTime();
        HttpResponse res = client.execute(keepAlive(headers(HttpMethod.GET, path, -1)));
        ReadCollector answer = new ReadCollector(dst.duplicate(), length, start);
        res.subscribe(answer);
        // Until the first bytes the node sends keep-alives (the read may queue behind slow syncs there).
        ResponseHeaders head = awaitWorking(res, answer.head, answer, start, progressTimeout, object);
        int n = awaitProgress(res, answer, object);
        if (!head.status().equals(HttpStatus.OK)) {
            throw failure(AggregatedHttpResponse.of(head, HttpData.wrap(answer.error.toByteArray())));
        }
        String status = answer.trailers.get(OssProtocol.STATUS);
        if (status == null || !status.equals(OssProtocol.OK)) {
            Status s = OssProtocol.status(status, HttpStatus.INTERNAL_SERVER_ERROR);
            throw new NacreException(s, object + ": read failed on " + node + " (" + status + ")");
        }
        dst.position(dst.position() + n);
        return n;
    }

    /**
     * What a caller waiting for an answer learns as it comes in: when the request was sent or the last
     * keep-alive came, and the largest backlog a keep-alive reported (when the call's work grows with it).
     */
    private abstract static class Watched implements Subscriber<HttpObject> {
        private final boolean grows;
        /** When the request was sent or the last keep-alive came (System.nanoTime()). */
        volatile long lastSign;
        /** The largest backlog a keep-alive reported, when the work grows with it. */
        volatile long backlog;
        /** The answer's (final) headers, once they came (event loop). */
        ResponseHeaders headers;

        Watched(long start, boolean grows) {
            this.lastSign = start;
            this.grows = grows;
        }

        /** Notes a keep-alive, or the answer's headers; false if {@code o} is neither (event loop). */
        boolean tookHeaders(HttpObject o) {
            if (!(o instanceof ResponseHeaders h) || headers != null) {
                return false;
            }
            if (h.status().isInformational()) {
                lastSign = System.nanoTime();
                if (grows) {
                    backlog = Math.max(backlog, h.getLong(OssProtocol.BACKLOG, 0L));
                }
            } else {
                headers = h;
            }
            return true;
        }
    }

    /**
     * A read's answer: keep-alives until the headers; then the body, copied into the caller's buffer as it
     * arrives, on the event loop (no hand-off per frame), one frame asked for at a time; the caller touches
     * its buffer only once {@link #done}. The answer is at most the buffer's size, more is a protocol
     * error. An error answer's body is kept (its message) instead.
     */
    private static final class ReadCollector extends Watched {
        private final ByteBuffer dst;
        private final int length;
        final CompletableFuture<ResponseHeaders> head = new CompletableFuture<>();
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        final java.io.ByteArrayOutputStream error = new java.io.ByteArrayOutputStream();
        /** Read by the caller once {@link #done}. */
        HttpHeaders trailers = HttpHeaders.of();
        private Subscription subscription;
        private int copied;
        /** Frames received so far, read by the waiting caller to tell a slow node from a stalled one. */
        volatile long frames;

        ReadCollector(ByteBuffer dst, int length, long start) {
            super(start, false);
            this.dst = dst;
            this.length = length;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(HttpObject o) {
            if (tookHeaders(o)) {
                if (headers != null) {
                    head.complete(headers);
                }
            } else if (o instanceof HttpData d) {
                int n = d.length();
                if (headers == null || !headers.status().equals(HttpStatus.OK)) {
                    error.write(d.array(), 0, Math.min(n, Math.max(0, OssProtocol.MAX_MESSAGE - error.size())));
                } else if (copied + n > length) {
                    subscription.cancel();
                    done.completeExceptionally(new NacreException(Status.IO, "OSS sent more than " + length + " bytes"));
                    return;
                } else {
                    dst.put(d.array(), 0, n);
                    copied += n;
                }
                frames++;
            } else if (o instanceof HttpHeaders h) {
                trailers = h;
            }
            subscription.request(1);
        }

        /**
         * The failure as it came, for {@link #join} to map: a node that refuses connections or dropped this
         * one is UNAVAILABLE (NFS4ERR_DELAY, try again), not an I/O error (a data error to the application).
         */
        @Override
        public void onError(Throwable t) {
            head.completeExceptionally(t);
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            head.completeExceptionally(new NacreException(Status.IO, "OSS answer ended without headers"));
            done.complete(copied);
        }
    }

    @Override
    public long write(ObjectRef object, long offset, ByteBuffer src, Durability durability) {
        requireNonNull(object, "object");
        requireNonNull(src, "src");
        requireNonNull(durability, "durability");
        int length = src.remaining();
        String path = OssProtocol.objectPath(object.ost(), object.id()) + "?offset=" + offset
                + "&durability=" + durability.name();
        HttpData body = HttpData.wrap(Unpooled.wrappedBuffer(src.duplicate()));
        checkUp(object);
        HttpResponse res = client.execute(HttpRequest.of(keepAlive(headers(HttpMethod.PUT, path, length)), body));
        long sent = System.nanoTime();
        AnswerCollector answer = new AnswerCollector(sent, true);
        res.subscribe(answer);
        AggregatedHttpResponse r = awaitWorking(res, answer.done, answer, sent,
                Duration.ofMillis(OssProtocol.boundMillis(progressTimeout.toMillis(), length)), object);
        check(r);
        src.position(src.position() + length);
        return longHeader(r, OssProtocol.INSTANCE);
    }

    @Override
    public long sync(ObjectRef object) {
        requireNonNull(object, "object");
        return longHeader(call(HttpMethod.POST, OssProtocol.objectPath(object.ost(), object.id()) + "/sync",
                progressTimeout, true), OssProtocol.INSTANCE);
    }

    @Override
    public void truncate(ObjectRef object, long size) {
        requireNonNull(object, "object");
        call(HttpMethod.POST, OssProtocol.objectPath(object.ost(), object.id()) + "/truncate?size=" + size,
                progressTimeout, true);
    }

    @Override
    public void destroy(ObjectRef object) {
        requireNonNull(object, "object");
        call(HttpMethod.DELETE, OssProtocol.objectPath(object.ost(), object.id()), progressTimeout, true);
    }

    @Override
    public ObjectStat stat(ObjectRef object) {
        requireNonNull(object, "object");
        AggregatedHttpResponse r = call(HttpMethod.GET, OssProtocol.objectPath(object.ost(), object.id()) + "/stat");
        return new ObjectStat(longHeader(r, OssProtocol.SIZE), longHeader(r, OssProtocol.BYTES_USED));
    }

    @Override
    public List<ListedObject> list(int ost, long after, int max) {
        if (max < 1 || max > LIST_MAX) {
            throw new NacreException(Status.INVALID, "a listing takes 1 to " + LIST_MAX + " objects, not " + max);
        }
        AggregatedHttpResponse r = call(HttpMethod.GET, OssProtocol.listPath(ost, after, max));
        List<ListedObject> page = OssProtocol.decodeListing(r.content().array());
        if (page.size() > max) {
            throw new NacreException(Status.IO, "OSS " + node + " listed " + page.size() + " objects, more than " + max);
        }
        return page;
    }

    @Override
    public OstUsage usage(int ost) {
        AggregatedHttpResponse r = call(HttpMethod.GET, OssProtocol.PREFIX + "/" + ost + "/usage");
        String device = r.headers().get(OssProtocol.DEVICE, "");
        return new OstUsage(ost, longHeader(r, OssProtocol.BYTES_TOTAL), longHeader(r, OssProtocol.BYTES_USED),
                longHeader(r, OssProtocol.BYTES_FREE), longHeader(r, OssProtocol.OBJECTS), device,
                device.isEmpty() ? 0 : longHeader(r, OssProtocol.GROWTH),
                device.isEmpty() ? 0 : longHeader(r, OssProtocol.DEVICE_FREE),
                r.headers().contains(OssProtocol.BYTES_FREEING) ? longHeader(r, OssProtocol.BYTES_FREEING) : 0);
    }

    @Override
    public long instance(int ost) {
        return longHeader(call(HttpMethod.GET, OssProtocol.PREFIX + "/" + ost + "/instance"), OssProtocol.INSTANCE);
    }

    /**
     * Tells the node's pNFS data server to refuse the data-server handles of a revoked layout grant; returns
     * once it does. NOT_SUPPORTED when the node serves no data server.
     */
    public void fence(long grant) {
        call(HttpMethod.POST, OssProtocol.PREFIX + "/fence?grant=" + grant);
    }

    /** Closes this store's connections; calls after close fail with UNAVAILABLE. */
    @Override
    public void close() {
        closed = true;
        factory.close();
    }

    // ---- plumbing ---------------------------------------------------------------------------------------

    private RequestHeaders headers(HttpMethod method, String pathAndQuery, long contentLength) {
        RequestHeadersBuilder h = RequestHeaders.builder(method, pathAndQuery);
        if (contentLength >= 0) {
            h.contentLength(contentLength);
        }
        if (auth != null) {
            h.add(OssProtocol.AUTH, auth.sign(method.name(), pathAndQuery));
        }
        return h.build();
    }

    /** Asks the OSS for a keep-alive every quarter of the call timeout while it works on the request. */
    private RequestHeaders keepAlive(RequestHeaders h) {
        return h.toBuilder().add(OssProtocol.KEEPALIVE, Long.toString(Math.max(OssProtocol.MIN_KEEPALIVE_MILLIS,
                callTimeout.toMillis() / 4))).build();
    }

    /** A short call: it has {@link #progressTimeout} (while the node keeps showing it works on it). */
    private AggregatedHttpResponse call(HttpMethod method, String pathAndQuery) {
        return call(method, pathAndQuery, progressTimeout, false);
    }

    /** {@code grows}: the work grows with the OST's backlog, whose flush at {@link OssProtocol#MIN_RATE} is added. */
    private AggregatedHttpResponse call(HttpMethod method, String pathAndQuery, Duration bound, boolean grows) {
        checkUp(pathAndQuery);
        long start = System.nanoTime();
        HttpResponse res = client.execute(keepAlive(headers(method, pathAndQuery, -1)));
        AnswerCollector answer = new AnswerCollector(start, grows);
        res.subscribe(answer);
        AggregatedHttpResponse r = awaitWorking(res, answer.done, answer, start, bound, pathAndQuery);
        check(r);
        return r;
    }

    /**
     * Waits for {@code f}, part of the answer of a request that asked for keep-alives. The node is down (calls
     * fail at once until a probe gets an answer) only when neither that nor a keep-alive came for {@link #callTimeout}: a node that
     * works slowly (a sync flushing a large backlog on a busy disk) is not. The call itself gives up after
     * {@code bound}, plus the largest backlog the node reported at {@link OssProtocol#MIN_RATE} when its work
     * grows with it: then it fails with UNAVAILABLE but the node, still answering, stays up.
     */
    private <T> T awaitWorking(HttpResponse res, CompletableFuture<T> f, Watched answer, long start, Duration bound,
                               Object what) {
        long quiet = callTimeout.toNanos();
        while (true) {
            long wait = Math.min(answer.lastSign + quiet, giveUp(start, bound, answer)) - System.nanoTime();
            try {
                return join(f.copy().orTimeout(Math.max(1, wait), TimeUnit.NANOSECONDS), what);
            } catch (StalledException e) {
                long now = System.nanoTime();
                if (now - answer.lastSign >= quiet) {
                    throw stalled(res, what, "no answer nor keep-alive within " + callTimeout);
                }
                // With the backlog the keep-alives reported meanwhile (not only before the wait).
                if (now - giveUp(start, bound, answer) >= 0) {
                    res.abort();
                    throw new NacreException(Status.UNAVAILABLE, what + ": OSS " + node + " still working on it after "
                            + Duration.ofNanos(now - start).toMillis() + " ms; try again");
                }
            }
        }
    }

    private static long giveUp(long start, Duration bound, Watched answer) {
        return start + TimeUnit.MILLISECONDS.toNanos(OssProtocol.boundMillis(bound.toMillis(), answer.backlog));
    }

    private void checkUp(Object what) {
        String why = down.get();
        if (why != null) {
            throw new NacreException(Status.UNAVAILABLE, what + ": OSS " + node + " is down (" + why + ")");
        }
    }

    /** Waits for a read's body while frames keep coming, each within the progress timeout. */
    private int awaitProgress(HttpResponse res, ReadCollector copier, Object what) {
        long seen = -1;
        while (true) {
            try {
                return join(copier.done.copy().orTimeout(progressTimeout.toNanos(), TimeUnit.NANOSECONDS), what);
            } catch (StalledException e) {
                long now = copier.frames;
                if (now == seen) {
                    throw stalled(res, what, "no data for " + progressTimeout);
                }
                seen = now;
            }
        }
    }

    private NacreException stalled(HttpResponse res, Object what, String why) {
        res.abort();
        markDown(why);
        return new NacreException(Status.UNAVAILABLE, what + ": OSS " + node + " did not answer: " + why);
    }

    /** The node missed a deadline: calls fail at once until a probe gets an answer again. */
    private void markDown(String why) {
        if (closed || !down.compareAndSet(null, why)) {
            return;
        }
        LOG.warn("OSS {} is down: {}; its OSTs answer UNAVAILABLE until it answers again", node, why);
        Thread.ofVirtual().name("nacre-oss-probe").start(this::probeUntilUp);
    }

    private void probeUntilUp() {
        while (!closed) {
            LockSupport.parkNanos(PROBE_EVERY.toNanos());
            HttpResponse res = client.execute(headers(HttpMethod.GET, OssProtocol.PREFIX + "/osts", -1));
            try {
                AggregatedHttpResponse r = res.aggregate().orTimeout(callTimeout.toNanos(), TimeUnit.NANOSECONDS)
                        .join();
                if (r.status().code() < 500) {
                    down.set(null);
                    LOG.info("OSS {} answers again", node);
                    return;
                }
            } catch (CompletionException e) {
                res.abort();
                LOG.debug("OSS {} still down: {}", node, e.getCause() == null ? e : e.getCause());
            }
        }
    }

    /**
     * Collects a short answer (headers, a body of at most {@link #MAX_ANSWER} bytes) as it arrives, noting
     * when each keep-alive came (an aggregating subscriber sees informational headers only at the end).
     */
    private static final class AnswerCollector extends Watched {
        private final CompletableFuture<AggregatedHttpResponse> done = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();

        AnswerCollector(long start, boolean grows) {
            super(start, grows);
        }

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(HttpObject o) {
            if (tookHeaders(o)) {
                return;
            }
            if (o instanceof HttpData d) {
                if (body.size() + d.length() > MAX_ANSWER) {
                    done.completeExceptionally(new NacreException(Status.IO, "OSS answer longer than " + MAX_ANSWER));
                } else {
                    body.write(d.array(), 0, d.length());
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            if (headers == null) {
                done.completeExceptionally(new NacreException(Status.IO, "OSS answer ended without headers"));
            } else {
                done.complete(AggregatedHttpResponse.of(headers, HttpData.wrap(body.toByteArray())));
            }
        }
    }

    /** A deadline passed (the future timed out). */
    private static final class StalledException extends RuntimeException {
        StalledException(Throwable cause) {
            super(cause);
        }
    }

    private void check(AggregatedHttpResponse r) {
        if (r.status().code() >= 300) {
            throw failure(r);
        }
    }

    private NacreException failure(AggregatedHttpResponse r) {
        Status s = OssProtocol.status(r.headers().get(OssProtocol.STATUS), r.status());
        String text = new String(r.content().array(), 0, Math.min(r.content().length(), OssProtocol.MAX_MESSAGE),
                StandardCharsets.UTF_8);
        return new NacreException(s, text.isBlank() ? node + " answered " + r.status() : text);
    }

    private static long longHeader(AggregatedHttpResponse r, String name) {
        String v = r.headers().get(name);
        if (v == null) {
            throw new NacreException(Status.IO, "OSS answer lacks " + name);
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new NacreException(Status.IO, "OSS answer has a bad " + name + ": " + v);
        }
    }

    private <T> T join(CompletableFuture<T> f, Object what) {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof NacreException ne) {
                throw ne;
            }
            if (c instanceof TimeoutException) {
                throw new StalledException(c);
            }
            // The node refused the connection, dropped it (killed: reset) or the transport failed: the
            // node is unreachable, try again (NFS4ERR_DELAY); never an I/O error, which means bad data.
            if (c instanceof UnprocessedRequestException || c instanceof ResponseTimeoutException
                    || c instanceof IOException || c instanceof ClosedSessionException
                    || c instanceof ClosedStreamException) {
                throw new NacreException(Status.UNAVAILABLE, what + ": OSS " + node + " did not answer: " + c, c);
            }
            throw new NacreException(Status.IO, what + ": OSS " + node + " failed: " + c, c);
        }
    }

    public static final class Builder {
        private final URI node;
        private byte[] secret;
        private Duration callTimeout = Duration.ofSeconds(10);
        private Duration progressTimeout = Duration.ofSeconds(20);

        private Builder(URI node) {
            this.node = requireNonNull(node, "node");
        }

        /** The cluster secret the OSS expects (at least 16 bytes); without one, requests go unsigned. */
        public Builder secret(byte[] secret) {
            requireNonNull(secret, "secret");
            if (secret.length < 16) {
                throw new IllegalArgumentException("the cluster secret must be at least 16 bytes");
            }
            this.secret = secret.clone();
            return this;
        }

        /**
         * How long the node may stay silent (no answer, no keep-alive) before it is down (default 10 s); the
         * probe's deadline too.
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = positive(timeout);
            return this;
        }

        /**
         * How long a call may take while the node keeps working on it (default 20 s): short calls this, a
         * write this plus its bytes and the node's backlog at 1 MiB/s, sync, truncate and destroy this plus
         * the backlog at 1 MiB/s; and how long a read may go without a byte.
         */
        public Builder progressTimeout(Duration timeout) {
            this.progressTimeout = positive(timeout);
            return this;
        }

        private static Duration positive(Duration d) {
            requireNonNull(d, "timeout");
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("a timeout must be positive: " + d);
            }
            return d;
        }

        public RemoteObjectStore build() {
            return new RemoteObjectStore(this);
        }
    }
}
