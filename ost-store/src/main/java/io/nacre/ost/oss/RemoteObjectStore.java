package io.nacre.ost.oss;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
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
import com.linecorp.armeria.common.SplitHttpResponse;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.engine.store.OstUsage;
import io.netty.buffer.Unpooled;
import java.net.ConnectException;
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
import java.util.function.Function;
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
 * for a dead one. Calls but reads ask the OSS for keep-alives (a {@code 102 Processing} every quarter of
 * {@link Builder#callTimeout} while it works on them); a node from which neither the answer nor a
 * keep-alive came for the call timeout is down: calls fail at once with UNAVAILABLE (NFS answers
 * NFS4ERR_DELAY, the client tries again) while a probe asks it every second whether it answers again, and
 * the first answer brings it back. A call the node keeps working on gives up after its own bound
 * ({@link Builder#progressTimeout}, plus for sync, truncate, destroy and writes the node's reported backlog
 * and the write's bytes at {@link #MIN_RATE}) with UNAVAILABLE, and the node stays up. A read fails when
 * no byte came for the progress timeout.
 */
public final class RemoteObjectStore implements ObjectStore {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteObjectStore.class);
    /** The slowest transfer a write deadline allows for: 1 MiB/s. */
    static final long MIN_RATE = 1 << 20;
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
        HttpResponse res = client.execute(headers(HttpMethod.GET, path, -1));
        SplitHttpResponse split = res.split();
        ResponseHeaders head = await(res, split.headers().thenApply(Function.identity()), progressTimeout, object);
        if (!head.status().equals(HttpStatus.OK)) {
            AggregatedHttpResponse r = await(res, split.body().collect().thenApply(
                    parts -> AggregatedHttpResponse.of(head, HttpData.wrap(concat(parts)))), progressTimeout, object);
            throw failure(r);
        }
        int start = dst.position();
        BodyCopier copier = new BodyCopier(dst.duplicate(), length);
        split.body().subscribe(copier);
        int n = awaitProgress(res, copier, object);
        dst.position(start + n);
        HttpHeaders trailers = await(res, split.trailers(), progressTimeout, object);
        String status = trailers.get(OssProtocol.STATUS);
        if (status == null || !status.equals(OssProtocol.OK)) {
            dst.position(start);
            Status s = OssProtocol.status(status, HttpStatus.INTERNAL_SERVER_ERROR);
            throw new NacreException(s, object + ": read failed on " + node + " (" + status + ")");
        }
        return dst.position() - start;
    }

    /**
     * Copies the response body into the caller's buffer as it arrives, on the event loop (no hand-off per
     * frame); the caller waits on {@link #done} and touches its buffer only after. Never holds more
     * than one frame: the answer is at most the buffer's size, more is a protocol error.
     */
    private static final class BodyCopier implements Subscriber<HttpData> {
        private final ByteBuffer dst;
        private final int length;
        private final CompletableFuture<Integer> done = new CompletableFuture<>();
        private Subscription subscription;
        private int copied;
        /** Frames received so far, read by the waiting caller to tell a slow node from a stalled one. */
        private volatile long frames;

        BodyCopier(ByteBuffer dst, int length) {
            this.dst = dst;
            this.length = length;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(HttpData d) {
            int n = d.length();
            if (copied + n > length) {
                subscription.cancel();
                done.completeExceptionally(new NacreException(Status.IO, "OSS sent more than " + length + " bytes"));
                return;
            }
            dst.put(d.array(), 0, n);
            copied += n;
            frames++;
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(new NacreException(Status.IO, "read broke off: " + t, t));
        }

        @Override
        public void onComplete() {
            done.complete(copied);
        }
    }

    private static byte[] concat(List<HttpData> parts) {
        int total = 0;
        for (HttpData d : parts) {
            total += Math.min(d.length(), OssProtocol.MAX_MESSAGE);
        }
        byte[] all = new byte[Math.min(total, OssProtocol.MAX_MESSAGE)];
        int at = 0;
        for (HttpData d : parts) {
            int n = Math.min(d.length(), all.length - at);
            System.arraycopy(d.array(), 0, all, at, n);
            at += n;
        }
        return all;
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
        AggregatedHttpResponse r = awaitWorking(res, progressTimeout.plusMillis(length * 1000L / MIN_RATE), true,
                object);
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
    public OstUsage usage(int ost) {
        AggregatedHttpResponse r = call(HttpMethod.GET, OssProtocol.PREFIX + "/" + ost + "/usage");
        String device = r.headers().get(OssProtocol.DEVICE, "");
        return new OstUsage(ost, longHeader(r, OssProtocol.BYTES_TOTAL), longHeader(r, OssProtocol.BYTES_USED),
                longHeader(r, OssProtocol.BYTES_FREE), longHeader(r, OssProtocol.OBJECTS), device,
                device.isEmpty() ? 0 : longHeader(r, OssProtocol.GROWTH),
                device.isEmpty() ? 0 : longHeader(r, OssProtocol.DEVICE_FREE));
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

    /** {@code grows}: the work grows with the OST's backlog, whose flush at {@link #MIN_RATE} is added. */
    private AggregatedHttpResponse call(HttpMethod method, String pathAndQuery, Duration bound, boolean grows) {
        checkUp(pathAndQuery);
        HttpResponse res = client.execute(keepAlive(headers(method, pathAndQuery, -1)));
        AggregatedHttpResponse r = awaitWorking(res, bound, grows, pathAndQuery);
        check(r);
        return r;
    }

    /**
     * Waits for the answer of a request that asked for keep-alives. The node is down (as in {@link #await})
     * only when neither the answer nor a keep-alive came for {@link #callTimeout}: a node that works slowly
     * (a sync flushing a large backlog on a busy disk) is not. The call itself gives up after {@code bound},
     * plus, when its work {@code grows} with the backlog, the largest backlog the node reported at {@link
     * #MIN_RATE}: then it fails with UNAVAILABLE but the node, still answering, stays up.
     */
    private AggregatedHttpResponse awaitWorking(HttpResponse res, Duration bound, boolean grows, Object what) {
        long start = System.nanoTime();
        AnswerCollector answer = new AnswerCollector(start, grows);
        res.subscribe(answer);
        long quiet = callTimeout.toNanos();
        while (true) {
            long giveUp = start + bound.toNanos() + TimeUnit.SECONDS.toNanos(1) * answer.backlog / MIN_RATE;
            long wait = Math.min(answer.lastSign + quiet, giveUp) - System.nanoTime();
            try {
                return join(answer.done.copy().orTimeout(Math.max(1, wait), TimeUnit.NANOSECONDS), what);
            } catch (StalledException e) {
                long now = System.nanoTime();
                if (now - answer.lastSign >= quiet) {
                    throw stalled(res, what, "no answer nor keep-alive within " + callTimeout);
                }
                if (now - giveUp >= 0) {
                    res.abort();
                    throw new NacreException(Status.UNAVAILABLE, what + ": OSS " + node + " still working on it after "
                            + Duration.ofNanos(now - start).toMillis() + " ms; try again");
                }
            }
        }
    }

    private void checkUp(Object what) {
        String why = down.get();
        if (why != null) {
            throw new NacreException(Status.UNAVAILABLE, what + ": OSS " + node + " is down (" + why + ")");
        }
    }

    /** Waits for {@code f} at most {@code timeout}; past it, aborts the request and marks the node down. */
    private <T> T await(HttpResponse res, CompletableFuture<T> f, Duration timeout, Object what) {
        try {
            return join(f.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS), what);
        } catch (StalledException e) {
            throw stalled(res, what, "no answer within " + timeout);
        }
    }

    /** Waits for a read's body while frames keep coming, each within the progress timeout. */
    private int awaitProgress(HttpResponse res, BodyCopier copier, Object what) {
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
     * Collects a short answer (headers, a body of at most {@link #MAX_ANSWER} bytes) as it
     * arrives, noting when each keep-alive came (an aggregating subscriber sees informational headers only
     * at the end).
     */
    private static final class AnswerCollector implements Subscriber<HttpObject> {
        private final boolean grows;
        private final CompletableFuture<AggregatedHttpResponse> done = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        private ResponseHeaders headers;
        /** When the request was sent or the last keep-alive came (System.nanoTime()). */
        private volatile long lastSign;
        /** The largest backlog a keep-alive reported, when the work grows with it. */
        private volatile long backlog;

        AnswerCollector(long start, boolean grows) {
            this.lastSign = start;
            this.grows = grows;
        }

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(HttpObject o) {
            if (o instanceof ResponseHeaders h && headers == null) {
                if (h.status().isInformational()) {
                    lastSign = System.nanoTime();
                    if (grows) {
                        backlog = Math.max(backlog, h.getLong(OssProtocol.BACKLOG, 0L));
                    }
                } else {
                    headers = h;
                }
            } else if (o instanceof HttpData d) {
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
            if (c instanceof UnprocessedRequestException || c instanceof ResponseTimeoutException
                    || c instanceof ConnectException) {
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
