package io.nacre.ost.oss;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.engine.store.OstUsage;
import io.nacre.ost.LocalObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OSS operations (see {@link OssProtocol} for the paths): each runs on Armeria's blocking executor
 * against the node's {@link ObjectStore}. Reads and writes stream in {@link OssProtocol#PIECE}-sized pieces
 * with backpressure, so a request holds at most one piece in memory whatever the object's size.
 */
final class OssService {

    private static final Logger LOG = LoggerFactory.getLogger(OssService.class);
    /** Hit on the blocking executor before each operation but reads and writes (tests slow the node with it). */
    static final String FAULT_SERVE = "oss.serve";

    private final ObjectStore store;
    private final LongConsumer fence;

    private OssService(ObjectStore store, LongConsumer fence) {
        this.store = store;
        this.fence = fence;
    }

    /** @param fence where layout revocations go (the node's pNFS data server), or null when it has none */
    static void register(ServerBuilder sb, ObjectStore store, LongConsumer fence) {
        OssService s = new OssService(store, fence);
        String p = OssProtocol.PREFIX;
        sb.service(p + "/fence", s.blocking(s::fence));
        sb.service(p + "/osts", s.blocking(s::listOsts));
        sb.service(p + "/{ost}/instance", s.blocking(s::instance));
        sb.service(p + "/{ost}/usage", s.blocking(s::usage));
        sb.service(p + "/{ost}/objects", s.blocking(s::list));
        sb.service(p + "/{ost}/objects/{id}", s::object);
        sb.service(p + "/{ost}/objects/{id}/sync", s.blocking(s::sync));
        sb.service(p + "/{ost}/objects/{id}/truncate", s.blocking(s::truncate));
        sb.service(p + "/{ost}/objects/{id}/stat", s.blocking(s::stat));
    }

    private interface Operation {
        HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception;
    }

    /** Runs a short operation off the event loop and turns its failure into an error answer. */
    private HttpService blocking(Operation op) {
        return (ctx, req) -> run(ctx, req, () -> op.serve(ctx, req));
    }

    private HttpResponse run(ServiceRequestContext ctx, HttpRequest req, Callable<HttpResponse> work) {
        return keptAlive(ctx, req, HttpResponse.of(CompletableFuture.supplyAsync(() -> {
            try {
                Faults.hit(FAULT_SERVE);
                return work.call();
            } catch (Throwable t) {
                return error(t);
            }
        }, ctx.blockingTaskExecutor())));
    }

    /**
     * When the client asked for keep-alives, sends a {@code 102 Processing} (with the OST's backlog) every
     * period until {@code answer} is ready, then the answer: a node that works slowly (a long sync on a
     * busy disk) is told from one that stopped.
     */
    private HttpResponse keptAlive(ServiceRequestContext ctx, HttpRequest req, HttpResponse answer) {
        if (req.headers().get(OssProtocol.KEEPALIVE) == null) {
            return answer;
        }
        HttpResponseWriter out = HttpResponse.streaming();
        Beats beats = new Beats(ctx, req, out);
        answer.aggregate().handle((r, t) -> {
            beats.close(t == null ? r : errorAnswer(t));
            return null;
        });
        return out;
    }

    /**
     * The keep-alives of one request (none if it asked for none): a {@code 102 Processing} every period
     * from the event loop until the answer's headers go out, never after them. Each beat also stretches the
     * server's request timeout as the client stretches its deadline (its base, plus the largest backlog
     * reported and the request's bytes at {@link OssProtocol#MIN_RATE}), so that the server never cuts off
     * an answer the client still waits for: a sync behind 512 MiB of backlog may take 20 s + 8.5 min.
     */
    private final class Beats {
        private final ServiceRequestContext ctx;
        private final HttpResponseWriter out;
        private final ScheduledFuture<?> task;
        private final long baseMillis;
        private final long bytes;
        private long backlog;
        private boolean answered;

        Beats(ServiceRequestContext ctx, HttpRequest req, HttpResponseWriter out) {
            this.ctx = ctx;
            this.out = out;
            this.baseMillis = ctx.requestTimeoutMillis();
            this.bytes = req.headers().contentLength();
            String asked = req.headers().get(OssProtocol.KEEPALIVE);
            if (asked == null) {
                answered = true;
                task = null;
                return;
            }
            long period = Math.clamp(OssProtocol.parseLong(OssProtocol.KEEPALIVE, asked),
                    OssProtocol.MIN_KEEPALIVE_MILLIS, OssProtocol.MAX_KEEPALIVE_MILLIS);
            task = ctx.eventLoop().scheduleAtFixedRate(this::beat, period, period, TimeUnit.MILLISECONDS);
        }

        private synchronized void beat() {
            if (answered) {
                return;
            }
            long now = backlog(ctx);
            backlog = Math.max(backlog, now);
            if (baseMillis > 0) {
                ctx.setRequestTimeoutMillis(TimeoutMode.SET_FROM_START,
                        OssProtocol.boundMillis(baseMillis, backlog + Math.max(0, bytes)));
            }
            out.tryWrite(ResponseHeaders.builder(HttpStatus.PROCESSING)
                    .add(OssProtocol.BACKLOG, Long.toString(now)).build());
        }

        private synchronized void stop() {
            answered = true;
            if (task != null) {
                task.cancel(false);
            }
        }

        /** Sends the answer's headers (no beat after them); false if the client went away. */
        synchronized boolean answer(ResponseHeaders headers) {
            stop();
            return out.tryWrite(headers);
        }

        /** Sends a whole answer and ends the response. */
        synchronized void close(AggregatedHttpResponse r) {
            stop();
            out.close(r);
        }
    }

    /** What the request's OST may have to flush or checkpoint first (0 when it names none or is not local). */
    private long backlog(ServiceRequestContext ctx) {
        String ost = ctx.pathParam("ost");
        if (ost == null || !(store instanceof LocalObjectStore local)) {
            return 0;
        }
        try {
            return local.ost(ost(ctx)).backlog();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    static HttpResponse error(Throwable t) {
        return errorAnswer(t).toHttpResponse();
    }

    static AggregatedHttpResponse errorAnswer(Throwable t) {
        NacreException e = asNacre(t);
        if (e.status() == Status.IO || e.status() == Status.CORRUPT) {
            LOG.warn("OSS request failed: {}", e.toString(), e);
        } else {
            LOG.debug("OSS request refused: {}", e.toString());
        }
        ResponseHeaders headers = ResponseHeaders.builder(OssProtocol.httpStatus(e.status()))
                .add(OssProtocol.STATUS, e.status().name())
                .contentType(MediaType.PLAIN_TEXT_UTF_8).build();
        return AggregatedHttpResponse.of(headers, HttpData.ofUtf8(String.valueOf(e.getMessage())));
    }

    private static NacreException asNacre(Throwable t) {
        if (t instanceof IllegalArgumentException) {
            return new NacreException(Status.INVALID, t.getMessage(), t);
        }
        return NacreException.from(t);
    }

    private static ResponseHeadersBuilder ok() {
        return ResponseHeaders.builder(HttpStatus.OK);
    }

    private static int ost(ServiceRequestContext ctx) {
        long v = OssProtocol.parseLong("ost", ctx.pathParam("ost"));
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new NacreException(Status.INVALID, "bad OST index " + v);
        }
        return (int) v;
    }

    private static ObjectRef ref(ServiceRequestContext ctx) {
        return new ObjectRef(ost(ctx), OssProtocol.parseLong("id", ctx.pathParam("id")));
    }

    private static void requireMethod(HttpRequest req, String method) {
        if (!req.method().name().equals(method)) {
            throw new NacreException(Status.INVALID, "use " + method + " for " + req.path());
        }
    }

    // ---- operations -------------------------------------------------------------------------------------

    private HttpResponse listOsts(ServiceRequestContext ctx, HttpRequest req) {
        requireMethod(req, "GET");
        StringBuilder body = new StringBuilder();
        for (OstInfo info : store.osts()) {
            body.append(info.index()).append('\t').append(String.join(",", info.pools())).append('\n');
        }
        return HttpResponse.of(ok().contentType(MediaType.PLAIN_TEXT_UTF_8).build(), HttpData.ofUtf8(body.toString()));
    }

    private HttpResponse instance(ServiceRequestContext ctx, HttpRequest req) {
        requireMethod(req, "GET");
        return HttpResponse.of(ok().add(OssProtocol.INSTANCE, Long.toString(store.instance(ost(ctx)))).build());
    }

    private HttpResponse usage(ServiceRequestContext ctx, HttpRequest req) {
        requireMethod(req, "GET");
        OstUsage u = store.usage(ost(ctx));
        ResponseHeadersBuilder h = ok()
                .add(OssProtocol.BYTES_TOTAL, Long.toString(u.bytesTotal()))
                .add(OssProtocol.BYTES_USED, Long.toString(u.bytesUsed()))
                .add(OssProtocol.BYTES_FREE, Long.toString(u.bytesFree()))
                .add(OssProtocol.OBJECTS, Long.toString(u.objects()))
                .add(OssProtocol.BYTES_FREEING, Long.toString(u.bytesFreeing()));
        if (!u.device().isEmpty()) {
            h.add(OssProtocol.DEVICE, u.device()).add(OssProtocol.GROWTH, Long.toString(u.growth()))
                    .add(OssProtocol.DEVICE_FREE, Long.toString(u.deviceFree()));
        }
        return HttpResponse.of(h.build());
    }

    /**
     * A layout the MDS revoked (RFC 8881 §12.5.5): the data server of this node refuses its handles from now on.
     * Answered only once the fence is in place, so the MDS may go on with what needed the revocation.
     */
    private HttpResponse fence(ServiceRequestContext ctx, HttpRequest req) {
        requireMethod(req, "POST");
        if (fence == null) {
            throw new NacreException(Status.NOT_SUPPORTED, "this OSS serves no pNFS data server");
        }
        fence.accept(OssProtocol.parseLong("grant", ctx.queryParam("grant")));
        return HttpResponse.of(HttpStatus.NO_CONTENT);
    }

    private HttpResponse sync(ServiceRequestContext ctx, HttpRequest req) {
        requireMethod(req, "POST");
        return HttpResponse.of(ok().add(OssProtocol.INSTANCE, Long.toString(store.sync(ref(ctx)))).build());
    }

    private HttpResponse truncate(ServiceRequestContext ctx, HttpRequest req) {
        requireMethod(req, "POST");
        store.truncate(ref(ctx), OssProtocol.parseLong("size", ctx.queryParam("size")));
        return HttpResponse.of(HttpStatus.NO_CONTENT);
    }

    private HttpResponse list(ServiceRequestContext ctx, HttpRequest req) {
        requireMethod(req, "GET");
        long max = OssProtocol.parseLong("max", ctx.queryParam("max"));
        if (max < 1 || max > ObjectStore.LIST_MAX) {
            throw new NacreException(Status.INVALID, "a listing takes 1 to " + ObjectStore.LIST_MAX + " objects, not " + max);
        }
        byte[] body = OssProtocol.encodeListing(store.list(ost(ctx), OssProtocol.parseLong("after", ctx.queryParam("after")),
                (int) max));
        return HttpResponse.of(ok().contentType(MediaType.OCTET_STREAM).build(), HttpData.wrap(body));
    }

    private HttpResponse stat(ServiceRequestContext ctx, HttpRequest req) {
        requireMethod(req, "GET");
        ObjectStat st = store.stat(ref(ctx));
        return HttpResponse.of(ok().add(OssProtocol.SIZE, Long.toString(st.size()))
                .add(OssProtocol.BYTES_USED, Long.toString(st.bytesUsed())).build());
    }

    private HttpResponse object(ServiceRequestContext ctx, HttpRequest req) {
        return switch (req.method()) {
            case GET -> read(ctx, req);
            case PUT -> write(ctx, req);
            case DELETE -> run(ctx, req, () -> {
                store.destroy(ref(ctx));
                return HttpResponse.of(HttpStatus.NO_CONTENT);
            });
            default -> error(new NacreException(Status.INVALID, "use GET, PUT or DELETE on " + req.path()));
        };
    }

    /**
     * Streams the object's bytes piece by piece, each read only once the previous one was consumed. Until
     * the first piece is ready (a read may queue behind slow syncs for the blocking threads) it sends the
     * keep-alives the client asked for; afterwards each piece restarts the request timeout, which so bounds
     * the wait for the next piece, not the whole transfer (the client's rule too: progress, not total).
     */
    private HttpResponse read(ServiceRequestContext ctx, HttpRequest req) {
        HttpResponseWriter out = HttpResponse.streaming();
        Beats beats = new Beats(ctx, req, out);
        long pieceMillis = ctx.requestTimeoutMillis();
        ctx.blockingTaskExecutor().execute(() -> {
            boolean started = false;
            try {
                ObjectRef ref = ref(ctx);
                long offset = OssProtocol.parseLong("offset", ctx.queryParam("offset"));
                long length = OssProtocol.parseLong("length", ctx.queryParam("length"));
                if (length < 0) {
                    throw new NacreException(Status.INVALID, "negative length " + length);
                }
                long done = 0;
                do {
                    int want = (int) Math.min(OssProtocol.PIECE, length - done);
                    byte[] piece = new byte[want];
                    int n = store.read(ref, offset + done, ByteBuffer.wrap(piece));
                    if (!started) {
                        started = true;
                        if (!beats.answer(ok().contentType(MediaType.OCTET_STREAM).build())) {
                            return;
                        }
                    }
                    if (n > 0) {
                        if (!out.tryWrite(HttpData.wrap(piece, 0, n))) {
                            return;
                        }
                        out.whenConsumed().join();
                        if (pieceMillis > 0) {
                            ctx.setRequestTimeoutMillis(TimeoutMode.SET_FROM_NOW, pieceMillis);
                        }
                    }
                    done += n;
                    if (n < want) {
                        break;
                    }
                } while (done < length);
                out.tryWrite(HttpHeaders.of(OssProtocol.STATUS, OssProtocol.OK));
                out.close();
            } catch (Throwable t) {
                if (started) {
                    NacreException e = asNacre(t);
                    LOG.warn("OSS read failed mid-stream: {}", e.toString());
                    out.tryWrite(HttpHeaders.of(OssProtocol.STATUS, e.status().name()));
                    out.close();
                } else {
                    beats.close(errorAnswer(t));
                }
            }
        });
        return out;
    }

    private HttpResponse write(ServiceRequestContext ctx, HttpRequest req) {
        try {
            return keptAlive(ctx, req, OssWrite.serve(ctx, req, store, ref(ctx),
                    OssProtocol.parseLong("offset", ctx.queryParam("offset")),
                    parseDurability(ctx.queryParam("durability"))));
        } catch (RuntimeException e) {
            return error(e);
        }
    }

    private static Durability parseDurability(String s) {
        if (s == null) {
            return Durability.STABLE;
        }
        try {
            return Durability.valueOf(s);
        } catch (IllegalArgumentException e) {
            throw new NacreException(Status.INVALID, "durability must be STABLE or UNSTABLE: " + s);
        }
    }
}
