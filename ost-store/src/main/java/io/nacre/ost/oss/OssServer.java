package io.nacre.ost.oss;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.store.ObjectStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The object storage server: serves an {@link ObjectStore} (a node's own OSTs) to other nodes over
 * HTTP/2 (cleartext h2c; HTTP/1.1 also answers). With a cluster secret every request must carry its
 * signature (see {@link RemoteObjectStore.Builder#secret}). Closing the server leaves the store open.
 */
public final class OssServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OssServer.class);

    private final Server server;

    private OssServer(Builder b) {
        ServerBuilder sb = Server.builder()
                .http(b.address)
                .maxRequestLength(0)
                .http2MaxFrameSize(OssProtocol.MAX_FRAME)
                .http2InitialStreamWindowSize(OssProtocol.STREAM_WINDOW)
                .http2InitialConnectionWindowSize(OssProtocol.CONNECTION_WINDOW)
                .requestTimeout(b.requestTimeout)
                // No quiet period: stop accepting at once, give running requests up to 10 s to finish.
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(10))
                // Streams already started finish anyway; new ones on a closing connection go elsewhere at once.
                .connectionDrainDuration(Duration.ZERO)
                // Its own (empty) meter registry: with Armeria's default one, shared by every server in the
                // process, the S3 gateway's blocking executor registered the same meters again (a WARN per start).
                .meterRegistry(new CompositeMeterRegistry())
                .blockingTaskExecutor(b.threads);
        if (b.secret != null) {
            OssAuth auth = new OssAuth(b.secret, Clock.systemUTC());
            sb.decorator((delegate, ctx, req) -> {
                try {
                    auth.verify(req.method().name(), req.path(), req.headers().get(OssProtocol.AUTH));
                } catch (NacreException e) {
                    return OssService.error(e);
                }
                return delegate.serve(ctx, req);
            });
        }
        OssService.register(sb, b.store, b.fence);
        this.server = sb.build();
    }

    public static Builder builder(ObjectStore store) {
        return new Builder(store);
    }

    /** Starts listening; returns once the port is bound. */
    public OssServer start() {
        server.start().join();
        LOG.info("OSS listening on {}", uri());
        return this;
    }

    public int port() {
        return server.activeLocalPort();
    }

    /** The address other nodes use, e.g. {@code http://127.0.0.1:9002}. */
    public URI uri() {
        InetSocketAddress a = server.activePort() == null ? null : server.activePort().localAddress();
        if (a == null) {
            throw new NacreException(Status.UNAVAILABLE, "OSS is not started");
        }
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort());
    }

    /**
     * Stops accepting requests at once and lets running ones finish; the future completes when the server
     * is fully down (about 2 s: Netty's acceptor waits out a quiet period), which {@link #close()} waits for.
     */
    public CompletableFuture<Void> closeAsync() {
        return server.stop();
    }

    @Override
    public void close() {
        server.stop().join();
        server.close();
    }

    public static final class Builder {
        private final ObjectStore store;
        private InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
        private byte[] secret;
        private Duration requestTimeout = Duration.ofMinutes(5);
        private int threads = 64;
        private LongConsumer fence;

        private Builder(ObjectStore store) {
            this.store = requireNonNull(store, "store");
        }

        /** Where to listen; port 0 picks a free one. Default 127.0.0.1, port 0. */
        public Builder address(InetSocketAddress address) {
            this.address = requireNonNull(address, "address");
            return this;
        }

        public Builder port(int port) {
            return address(new InetSocketAddress(address.getAddress(), port));
        }

        /** The cluster secret (at least 16 bytes); without one, requests are not authenticated (tests only). */
        public Builder secret(byte[] secret) {
            this.secret = requireNonNull(secret, "secret").clone();
            return this;
        }

        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /** Threads serving blocking OST calls at once. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1: " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Where layout revocations of the MDS go ({@code POST /ost/v1/fence}): the pNFS data server of this
         * node, which must refuse the revoked grant's handles before the call returns. Without one, fencing
         * answers NOT_SUPPORTED.
         */
        public Builder fence(LongConsumer revoke) {
            this.fence = requireNonNull(revoke, "revoke");
            return this;
        }

        public OssServer build() {
            if (secret != null && secret.length < 16) {
                throw new IllegalArgumentException("the cluster secret must be at least 16 bytes");
            }
            return new OssServer(this);
        }
    }
}
