package io.nacre.s3;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.SmallFile;
import io.nacre.s3.auth.Authenticator;
import io.nacre.s3.auth.KeyStore;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.MetaStore;
import io.nacre.s3.fs.Namespace;
import io.nacre.s3.fs.Uploads;
import io.nacre.s3.ops.Gateway;
import io.nacre.s3.ops.Responses;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 API server: Armeria on a bind address, over a MetadataService and a FileIo, with SigV4 keys
 * from a {@link KeyStore}. Built with {@link #builder()}, then {@link #start()}ed and {@link #close()}d.
 *
 * <pre>{@code
 * S3Server s3 = S3Server.builder()
 *         .bind(new InetSocketAddress("127.0.0.1", 9000))
 *         .metadata(mds).fileIo(io).keys(KeyStore.open(dataDir))
 *         .build();
 * s3.start();
 * }</pre>
 */
public final class S3Server implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(S3Server.class);

    private final Builder config;
    private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService cleaner = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("s3-cleaner").daemon(true).factory());
    private Server server;
    private Gateway gateway;

    private S3Server(Builder b) {
        this.config = b;
    }

    /** Objects up to 64 KiB keep their bytes on the MDT by default (see {@link Builder#dataOnMdtLimit}). */
    public static final int DEFAULT_DATA_ON_MDT_LIMIT = 64 << 10;

    /** Objects of 64 MiB and more are striped over every OST where no layout is set (see {@link Builder#wideStripeFrom}). */
    public static final long DEFAULT_WIDE_STRIPE_FROM = 64L << 20;

    public static Builder builder() {
        return new Builder();
    }

    /** Starts serving; returns once the port is bound. */
    public synchronized S3Server start() {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        KeyStore keys = config.keys != null ? config.keys : KeyStore.open(config.dataDir);
        Namespace ns = Namespace.open(config.mds, config.io);
        MetaStore meta = new MetaStore(config.mds, config.io);
        gateway = new Gateway(ns, meta, new Uploads(ns, meta), new Authenticator(keys, config.clock), config.region,
                config.clock, blocking, config.restoreWait, config.dataOnMdtLimit,
                config.wideStripeFrom);
        server = Server.builder()
                .http(config.bind)
                .serviceUnder("/", new S3Service(gateway, config.virtualHostDomain))
                .maxRequestLength(0)
                .requestTimeoutMillis(0)
                .idleTimeout(Duration.ofMinutes(5))
                .http1MaxInitialLineLength(16 * 1024)
                .http1MaxHeaderSize(16 * 1024)
                // Bigger body pieces than Netty's 8 KiB default: far fewer hand-offs per uploaded GiB.
                .http1MaxChunkSize(256 * 1024)
                .http2MaxHeaderListSize(16 * 1024)
                .setHeader("server", "Nacre")
                .errorHandler(new S3ErrorHandler())
                .build();
        server.start().join();
        long period = Math.max(1, config.cleanInterval.toSeconds());
        cleaner.scheduleWithFixedDelay(this::clean, period, period, TimeUnit.SECONDS);
        LOG.info("S3 gateway listening on {}", server.activePort().localAddress());
        return this;
    }

    /** The bound port (useful when bound to port 0). */
    public int port() {
        return server.activePort().localAddress().getPort();
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return server.activePort().localAddress();
    }

    /** Removes multipart uploads older than the expiry and staged files left by interrupted requests. */
    public void clean() {
        try {
            long now = config.clock.millis() * 1_000_000L;
            int uploads = gateway.uploads().abortStartedBefore(now - config.uploadExpiry.toNanos());
            int staged = gateway.namespace().removeStagedBefore(now - config.stagingExpiry.toNanos());
            if (uploads + staged > 0) {
                LOG.info("cleaned {} abandoned multipart uploads and {} abandoned staged files", uploads, staged);
            }
        } catch (RuntimeException e) {
            LOG.warn("cleaning abandoned uploads failed (will retry)", e);
        }
    }

    /**
     * Stops accepting requests at once and lets running ones finish (up to the graceful-shutdown timeout); the
     * future completes when the server is down, about 2 s later whatever it serves (Netty's acceptor waits out a
     * quiet period). {@link #close()} waits for it, then frees the rest: a node stops its servers this way all
     * at once before closing them one by one.
     */
    public synchronized CompletableFuture<Void> stopAsync() {
        return server == null ? CompletableFuture.completedFuture(null) : server.stop();
    }

    @Override
    public synchronized void close() {
        cleaner.shutdownNow();
        if (server != null) {
            server.stop().join();
            server = null;
        }
        blocking.shutdownNow();
    }

    /** Renders Armeria's own refusals (bad request targets, oversized headers) as S3 error documents. */
    private static final class S3ErrorHandler implements ServerErrorHandler {
        @Override
        public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
            S3Exception e = ErrorMapping.toS3(cause, ErrorMapping.Target.OBJECT);
            return Responses.error(e, ctx.path(), S3Service.newRequestId(), false);
        }

        @Override
        public AggregatedHttpResponse onProtocolViolation(ServiceConfig config, RequestHeaders headers, HttpStatus status,
                                                          String description, Throwable cause) {
            S3Error code = switch (status.code()) {
                case 431 -> S3Error.REQUEST_HEADER_SECTION_TOO_LARGE;
                case 413 -> S3Error.ENTITY_TOO_LARGE;
                case 408 -> S3Error.REQUEST_TIMEOUT;
                case 414 -> S3Error.KEY_TOO_LONG;
                default -> status.code() >= 500 ? S3Error.INTERNAL_ERROR : S3Error.INVALID_URI;
            };
            String msg = code == S3Error.INVALID_URI
                    ? "Couldn't parse the specified URI (keys cannot contain '.' or '..' segments, or NUL)"
                    : description == null ? code.code() : description;
            String path = headers == null ? "/" : headers.path();
            return Responses.error(new S3Exception(code, msg), path, S3Service.newRequestId(),
                    headers != null && headers.method() == com.linecorp.armeria.common.HttpMethod.HEAD).aggregate().join();
        }
    }

    /** Configures an S3Server; bind address, MetadataService, FileIo and keys (or a data dir) are required. */
    public static final class Builder {
        private InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 9000);
        private MetadataService mds;
        private FileIo io;
        private KeyStore keys;
        private Path dataDir;
        private String region = "us-east-1";
        private String virtualHostDomain;
        private Clock clock = Clock.systemUTC();
        private Duration uploadExpiry = Duration.ofDays(7);
        private Duration stagingExpiry = Duration.ofDays(1);
        private Duration cleanInterval = Duration.ofHours(1);
        private Duration restoreWait = Duration.ofSeconds(15);
        private int dataOnMdtLimit = DEFAULT_DATA_ON_MDT_LIMIT;
        private long wideStripeFrom = DEFAULT_WIDE_STRIPE_FROM;

        private Builder() {
        }

        /** Where to listen (default 127.0.0.1:9000; port 0 for an ephemeral port). */
        public Builder bind(InetSocketAddress address) {
            this.bind = requireNonNull(address, "address");
            return this;
        }

        public Builder metadata(MetadataService m) {
            this.mds = requireNonNull(m, "mds");
            return this;
        }

        public Builder fileIo(FileIo f) {
            this.io = requireNonNull(f, "io");
            return this;
        }

        /** The access keys; when not given, {@code KeyStore.open(dataDir)}. */
        public Builder keys(KeyStore k) {
            this.keys = requireNonNull(k, "keys");
            return this;
        }

        /** The data directory (the key store lives in its s3/ subdirectory). */
        public Builder dataDir(Path dir) {
            this.dataDir = requireNonNull(dir, "dataDir");
            return this;
        }

        /** The region this server reports and accepts as a location (default us-east-1). */
        public Builder region(String r) {
            this.region = requireNonNull(r, "region");
            return this;
        }

        /** Serve virtual-host style requests for {@code <bucket>.<domain>} (default: path style only). */
        public Builder virtualHostDomain(String domain) {
            this.virtualHostDomain = domain;
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = requireNonNull(c, "clock");
            return this;
        }

        /** Multipart uploads not completed within this time are removed (default 7 days). */
        public Builder uploadExpiry(Duration d) {
            this.uploadExpiry = requireNonNull(d, "uploadExpiry");
            return this;
        }

        /** Staged files of requests that died are removed after this time (default 1 day). */
        public Builder stagingExpiry(Duration d) {
            this.stagingExpiry = requireNonNull(d, "stagingExpiry");
            return this;
        }

        /** How often the cleaner runs (default hourly). */
        public Builder cleanInterval(Duration d) {
            this.cleanInterval = requireNonNull(d, "cleanInterval");
            return this;
        }

        /**
         * How long a GET of an object released to the HSM archive waits for its restore before answering
         * 503 SlowDown with Retry-After (default 15 s; buckets in glacier mode never wait).
         */
        public Builder restoreWait(Duration d) {
            requireNonNull(d, "restoreWait");
            if (d.isNegative()) {
                throw new IllegalArgumentException("restore wait must be >= 0: " + d);
            }
            this.restoreWait = d;
            return this;
        }

        /**
         * Objects up to this size are written in one metadata change with their bytes on the MDT
         * (data-on-MDT, as Lustre's DoM) and read back in one metadata read; larger ones go to the OSTs.
         * A multiple of 64 KiB up to 1 MiB, or 0 to keep every object on the OSTs; default 64 KiB.
         */
        public Builder dataOnMdtLimit(int bytes) {
            if (bytes < 0 || bytes > SmallFile.MAX_DOM_SIZE
                    || bytes % Placement.STRIPE_ALIGN != 0) {
                throw new IllegalArgumentException("the data-on-MDT limit must be 0 or a multiple of 64 KiB up to 1 MiB: "
                        + bytes);
            }
            this.dataOnMdtLimit = bytes;
            return this;
        }

        /**
         * Objects PUT with a declared length of at least this many bytes are striped over every OST (1 MiB
         * stripes) when neither their directory nor the file system sets a default layout, so that their
         * bytes move through all OSTs side by side; 0 keeps the default of defaults (one stripe); default
         * 64 MiB. A layout set with setstripe always wins.
         */
        public Builder wideStripeFrom(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("wideStripeFrom must be >= 0: " + bytes);
            }
            this.wideStripeFrom = bytes;
            return this;
        }

        public S3Server build() {
            requireNonNull(mds, "metadata(...) is required");
            requireNonNull(io, "fileIo(...) is required");
            if (keys == null && dataDir == null) {
                throw new NullPointerException("keys(...) or dataDir(...) is required");
            }
            return new S3Server(this);
        }
    }
}
