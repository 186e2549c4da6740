package io.nacre.appliance.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The admin routes OSS nodes join through: on the machine itself, like every admin verb (the answer carries
 * the cluster secrets), or from another machine with requests signed with the cluster secret (a cluster
 * node's, {@link OssSignature}). {@code GET /api/v1/oss/cluster}, {@code POST /api/v1/oss/join} (again every
 * few seconds: a heartbeat that also brings a restarted MDS node up to date), {@code GET /api/v1/oss/nodes}.
 */
public final class OssAdmin implements AutoCloseable {

    private final Supplier<OssJson.Cluster> cluster;
    private final Function<OssJson.Join, OssJson.Joined> join;
    private final Supplier<List<OssJson.Node>> nodes;
    private final byte[] secret;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * {@code secret}: the cluster secret OSS nodes on other machines sign with ({@link OssSignature}), or null
     * when only this machine's may join.
     */
    public OssAdmin(Supplier<OssJson.Cluster> cluster, Function<OssJson.Join, OssJson.Joined> join,
                    Supplier<List<OssJson.Node>> nodes, byte[] secret) {
        this.cluster = requireNonNull(cluster, "cluster");
        this.join = requireNonNull(join, "join");
        this.nodes = requireNonNull(nodes, "nodes");
        this.secret = secret == null ? null : secret.clone();
    }

    public void addTo(ServerBuilder sb) {
        sb.route().get("/api/v1/oss/cluster").build((ctx, req) -> guarded(ctx, req, body -> AdminService.respond(cluster::get)));
        sb.route().get("/api/v1/oss/nodes").build((ctx, req) -> guarded(ctx, req, body -> AdminService.respond(nodes::get)));
        // registering OSTs is a Raft commit: on a slow machine (a TCG guest) more than the default 10 s
        sb.route().post("/api/v1/oss/join").requestTimeoutMillis(120_000).build((ctx, req) -> guarded(ctx, req, body -> {
            OssJson.Join j;
            try {
                j = Json.MAPPER.readValue(body, OssJson.Join.class);
            } catch (JsonProcessingException e) {
                return AdminService.error(new NacreException(Status.INVALID, "bad join: " + e.getOriginalMessage()));
            } catch (IOException e) {
                return AdminService.error(new NacreException(Status.INVALID, "bad join: " + e.getMessage()));
            }
            return AdminService.respond(() -> join.apply(j));
        }));
    }

    /**
     * Serves a request from this machine, or one signed with the cluster secret; a signature, when there is one,
     * is checked wherever the request comes from.
     */
    private HttpResponse guarded(ServiceRequestContext ctx, HttpRequest req, Function<byte[], HttpResponse> handler) {
        return HttpResponse.of(req.aggregate().thenApplyAsync(agg -> {
            String signature = agg.headers().get(OssSignature.SIGNATURE_HEADER);
            byte[] body = agg.content().array();
            String refused = null;
            if (signature != null || !AdminService.fromThisMachine(ctx.remoteAddress())) {
                refused = secret == null ? "this node takes OSS nodes from its own machine only (it is no cluster node)"
                        : OssSignature.check(secret, ctx.method().name(), ctx.path(),
                        agg.headers().get(OssSignature.DATE_HEADER), signature, body, Instant.now());
            }
            if (refused != null) {
                return AdminService.error(new NacreException(Status.ACCESS, "OSS join refused: "
                        + (refused.startsWith("this node") ? refused
                        : "a node from another machine signs with the cluster secret, and this request is " + refused)));
            }
            return handler.apply(body);
        }, workers));
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
