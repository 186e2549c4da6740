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
 * its callers a bounded wait, never the caller's whole request: short ones ({@link Builder#callTimeout})
 * for stat, usage, fencing and the like; data transfers are bounded by progress ({@link
 * Builder#progressTimeout}: a read fails when no byte came for that long; a write gets that plus the time
 * its bytes take at {@link #MIN_RATE}). A node that missed a deadline is down: calls fail at once with
 * UNAVAILABLE (NFS answers NFS4ERR_DELAY, the client tries again) while a probe asks it every second
 * whether it answers again, and the first answer brings it back.
 */
public final class RemoteObjectStore implements ObjectStore {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteObjectStore.class);
    /** The slowest transfer a write deadline allows for: 1 MiB/s. */
    static final long MIN_RATE = 1 << 20;
    private static final Duration PROBE_EVERY = Duration.ofSeconds(1);

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
        HttpResponse res = client.execute(HttpRequest.of(headers(HttpMethod.PUT, path, length), body));
        AggregatedHttpResponse r = await(res, res.aggregate(),
                progressTimeout.plusMillis(length * 1000L / MIN_RATE), object);
        check(r);
        src.position(src.position() + length);
        return longHeader(r, OssProtocol.INSTANCE);
    }

    @Override
    public long sync(ObjectRef object) {
        requireNonNull(object, "object");
        return longHeader(call(HttpMethod.POST, OssProtocol.objectPath(object.ost(), object.id()) + "/sync",
                progressTimeout), OssProtocol.INSTANCE);
    }

    @Override
    public void truncate(ObjectRef object, long size) {
        requireNonNull(object, "object");
        call(HttpMethod.POST, OssProtocol.objectPath(object.ost(), object.id()) + "/truncate?size=" + size,
                progressTimeout);
    }

    @Override
    public void destroy(ObjectRef object) {
        requireNonNull(object, "object");
        call(HttpMethod.DELETE, OssProtocol.objectPath(object.ost(), object.id()), progressTimeout);
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

    private AggregatedHttpResponse call(HttpMethod method, String pathAndQuery) {
        return call(method, pathAndQuery, callTimeout);
    }

    private AggregatedHttpResponse call(HttpMethod method, String pathAndQuery, Duration timeout) {
        checkUp(pathAndQuery);
        HttpResponse res = client.execute(headers(method, pathAndQuery, -1));
        AggregatedHttpResponse r = await(res, res.aggregate(), timeout, pathAndQuery);
        check(r);
        return r;
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

        /** The deadline of short calls: stat, usage, instance, fence, the OST list (default 10 s). */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = positive(timeout);
            return this;
        }

        /**
         * How long a transfer may go without progress (default 20 s): a read without a byte, a write beyond
         * this plus its bytes at 1 MiB/s; also sync, truncate and destroy, which may take a while on a busy disk.
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
