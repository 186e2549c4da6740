package io.nacre.appliance.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServerBuilder;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The admin routes OSS nodes join through (on the machine itself only, like every admin verb: the answer
 * carries the cluster secrets). {@code GET /api/v1/oss/cluster}, {@code POST /api/v1/oss/join} (again every
 * few seconds: a heartbeat that also brings a restarted MDS node up to date), {@code GET /api/v1/oss/nodes}.
 */
public final class OssAdmin implements AutoCloseable {

    private final Supplier<OssJson.Cluster> cluster;
    private final Function<OssJson.Join, OssJson.Joined> join;
    private final Supplier<List<OssJson.Node>> nodes;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    public OssAdmin(Supplier<OssJson.Cluster> cluster, Function<OssJson.Join, OssJson.Joined> join,
                    Supplier<List<OssJson.Node>> nodes) {
        this.cluster = requireNonNull(cluster, "cluster");
        this.join = requireNonNull(join, "join");
        this.nodes = requireNonNull(nodes, "nodes");
    }

    public void addTo(ServerBuilder sb) {
        sb.route().get("/api/v1/oss/cluster").build((ctx, req) -> HttpResponse.of(
                CompletableFuture.supplyAsync(() -> AdminService.respond(cluster::get), workers)));
        sb.route().get("/api/v1/oss/nodes").build((ctx, req) -> HttpResponse.of(
                CompletableFuture.supplyAsync(() -> AdminService.respond(nodes::get), workers)));
        // registering OSTs is a Raft commit: on a slow machine (a TCG guest) more than the default 10 s
        sb.route().post("/api/v1/oss/join").requestTimeoutMillis(120_000).build((ctx, req) -> HttpResponse.of(req.aggregate().thenApplyAsync(agg -> {
            OssJson.Join j;
            try {
                j = Json.MAPPER.readValue(agg.contentUtf8(), OssJson.Join.class);
            } catch (JsonProcessingException e) {
                return AdminService.error(new NacreException(Status.INVALID, "bad join: " + e.getOriginalMessage()));
            }
            return AdminService.respond(() -> join.apply(j));
        }, workers)));
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
