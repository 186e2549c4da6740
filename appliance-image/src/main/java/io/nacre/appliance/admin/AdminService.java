package io.nacre.appliance.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.Attr;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP endpoint: /health, /metrics and the admin verbs under /api/v1 (JSON in, JSON out;
 * file bodies streamed both ways). Work runs on virtual threads; errors are {@link AdminJson.Error}
 * documents with an HTTP status derived from the {@link Status}. The verbs carry no credentials, so they
 * answer callers on the machine itself only (a loopback source address); /health and /metrics answer
 * anyone the endpoint is bound for (the appliance binds every address).
 */
public final class AdminService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminService.class);

    private final AdminOps ops;
    private final Supplier<AdminJson.Health> health;
    private final Supplier<String> metrics;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    public AdminService(AdminOps ops, Supplier<AdminJson.Health> health, Supplier<String> metrics) {
        this.ops = requireNonNull(ops, "ops");
        this.health = requireNonNull(health, "health");
        this.metrics = requireNonNull(metrics, "metrics");
    }

    /** Adds the routes to a server being built. */
    public void addTo(ServerBuilder sb) {
        sb.decorator("prefix:/api/v1/", (delegate, ctx, req) -> {
            // the OSS join routes check their callers themselves (a signed join may come from another machine)
            if (!ctx.path().startsWith("/api/v1/oss/") && !fromThisMachine(ctx.remoteAddress())) {
                return error(new NacreException(Status.ACCESS,
                        "the admin verbs answer on the appliance itself only (127.0.0.1); /health and /metrics answer here"));
            }
            return delegate.serve(ctx, req);
        });
        sb.service("/health", (ctx, req) -> {
            AdminJson.Health h = health.get();
            return json(h.status().equals("ok") ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, h);
        });
        sb.service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK,
                MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), metrics.get()));
        sb.route().post("/api/v1/mkdir").build((ctx, req) -> run(ctx, () -> ops.mkdir(path(ctx), flag(ctx, "parents"))));
        sb.route().get("/api/v1/ls").build((ctx, req) -> run(ctx, () -> ops.ls(path(ctx))));
        sb.route().delete("/api/v1/file").build((ctx, req) -> run(ctx, () ->
                Map.of("removed", ops.rm(path(ctx), flag(ctx, "recursive")))));
        sb.route().post("/api/v1/open-marks/drop").build((ctx, req) -> run(ctx, () ->
                Map.of("dropped", ops.dropOpenMarks(param(ctx, "gateway")))));
        sb.route().get("/api/v1/getstripe").build((ctx, req) -> run(ctx, () -> ops.getstripe(path(ctx))));
        sb.route().get("/api/v1/df").build((ctx, req) -> run(ctx, ops::df));
        // A setstripe on a file with data copies the whole file (lfs migrate): no timeout.
        sb.route().post("/api/v1/setstripe").requestTimeoutMillis(0).build((ctx, req) -> HttpResponse.of(
                req.aggregate().thenApplyAsync(agg -> {
            try {
                List<AdminJson.TemplateInfo> t = Json.MAPPER.readValue(agg.contentUtf8(),
                        new TypeReference<List<AdminJson.TemplateInfo>>() { });
                return respond(() -> ops.setstripe(path(ctx), AdminJson.template(t)));
            } catch (JsonProcessingException | IllegalArgumentException e) {
                return error(new NacreException(Status.INVALID, "bad layout: " + e.getMessage()));
            }
        }, workers)));
        // A scrub reads every OST's object list and the whole namespace: no timeout.
        sb.route().post("/api/v1/scrub").requestTimeoutMillis(0).build((ctx, req) -> HttpResponse.of(
                req.aggregate().thenApplyAsync(agg -> {
            AdminJson.ScrubRequest r;
            try {
                r = agg.content().isEmpty() ? new AdminJson.ScrubRequest(false, null, null)
                        : Json.MAPPER.readValue(agg.contentUtf8(), AdminJson.ScrubRequest.class);
            } catch (JsonProcessingException e) {
                return error(new NacreException(Status.INVALID, "bad scrub request: " + e.getOriginalMessage()));
            }
            return respond(() -> ops.scrub(r));
        }, workers)));
        // File bodies can be any size: no request length limit, no timeout on these two routes.
        sb.route().put("/api/v1/file").maxRequestLength(0).requestTimeoutMillis(0).build((ctx, req) -> {
            InputStream body = req.toInputStream(o -> o instanceof HttpData d ? d : HttpData.empty());
            return HttpResponse.of(CompletableFuture.supplyAsync(() -> respond(() -> {
                try (body) {
                    return ops.put(path(ctx), body);
                } catch (IOException e) {
                    throw new NacreException(Status.IO, "reading the request body: " + e.getMessage(), e);
                }
            }), workers));
        });
        sb.route().get("/api/v1/file").requestTimeoutMillis(0).build((ctx, req) ->
                HttpResponse.of(CompletableFuture.supplyAsync(() -> download(ctx), workers)));
    }

    /** Whether a caller of the admin verbs is on this machine. */
    static boolean fromThisMachine(InetSocketAddress remote) {
        return remote.getAddress() != null && remote.getAddress().isLoopbackAddress();
    }

    private HttpResponse download(ServiceRequestContext ctx) {
        try {
            Attr a = ops.openForRead(path(ctx));
            FileIo.Reader reader = ops.io().openReader(a.fid(), 0, a.size());
            InputStream in = new ReaderInputStream(reader);
            ResponseHeaders headers = ResponseHeaders.builder(HttpStatus.OK)
                    .contentType(MediaType.OCTET_STREAM)
                    .contentLength(a.size())
                    .build();
            return HttpResponse.of(headers, StreamMessage.builder(in).executor(ctx.blockingTaskExecutor())
                    .bufferSize(1 << 20).build());
        } catch (NacreException e) {
            return error(e);
        } catch (RuntimeException e) {
            LOG.error("admin download {} failed", ctx.path(), e);
            return error(new NacreException(Status.IO, String.valueOf(e), e));
        }
    }

    private HttpResponse run(ServiceRequestContext ctx, Supplier<Object> work) {
        return HttpResponse.of(CompletableFuture.supplyAsync(() -> respond(work), workers));
    }

    static HttpResponse respond(Supplier<Object> work) {
        try {
            return json(HttpStatus.OK, work.get());
        } catch (NacreException e) {
            return error(e);
        } catch (IllegalArgumentException e) {
            return error(new NacreException(Status.INVALID, e.getMessage(), e));
        } catch (RuntimeException e) {
            LOG.error("admin request failed", e);
            return error(new NacreException(Status.IO, String.valueOf(e), e));
        }
    }

    /** The required {@code path} query parameter (the HSM routes use it too). */
    static String path(ServiceRequestContext ctx) {
        String p = QueryParams.fromQueryString(ctx.query()).get("path");
        if (p == null || p.isEmpty()) {
            throw new NacreException(Status.INVALID, "missing path parameter");
        }
        return p;
    }

    static String param(ServiceRequestContext ctx, String name) {
        String p = QueryParams.fromQueryString(ctx.query()).get(name);
        if (p == null || p.isEmpty()) {
            throw new NacreException(Status.INVALID, "missing " + name + " parameter");
        }
        return p;
    }

    static boolean flag(ServiceRequestContext ctx, String name) {
        return "true".equals(QueryParams.fromQueryString(ctx.query()).get(name));
    }

    static HttpResponse json(HttpStatus status, Object body) {
        try {
            return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.MAPPER.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    static HttpResponse error(NacreException e) {
        return json(httpStatus(e.status()), new AdminJson.Error(e.status().name(), e.getMessage()));
    }

    /** The HTTP status the admin API answers for a Status. */
    static HttpStatus httpStatus(Status s) {
        return switch (s) {
            case NOT_FOUND, STALE, NO_XATTR -> HttpStatus.NOT_FOUND;
            case EXISTS, NOT_EMPTY, BUSY -> HttpStatus.CONFLICT;
            case INVALID, NOT_DIR, IS_DIR, NAME_TOO_LONG, TOO_MANY_LINKS -> HttpStatus.BAD_REQUEST;
            case ACCESS, PERM, READ_ONLY -> HttpStatus.FORBIDDEN;
            case TOO_BIG -> HttpStatus.REQUEST_ENTITY_TOO_LARGE;
            case NO_SPACE -> HttpStatus.INSUFFICIENT_STORAGE;
            case DELAY, UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            case NOT_SUPPORTED -> HttpStatus.NOT_IMPLEMENTED;
            case CORRUPT, IO -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }

    /** A FileIo.Reader as an InputStream, for Armeria's blocking stream source. */
    private static final class ReaderInputStream extends InputStream {
        private final FileIo.Reader reader;

        ReaderInputStream(FileIo.Reader reader) {
            this.reader = reader;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            try {
                return reader.read(ByteBuffer.wrap(b, off, len));
            } catch (NacreException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            reader.close();
        }
    }
}
