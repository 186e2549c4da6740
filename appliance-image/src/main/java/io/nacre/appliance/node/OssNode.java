package io.nacre.appliance.node;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.nacre.appliance.admin.Json;
import io.nacre.appliance.admin.OssJson;
import io.nacre.appliance.admin.OssSignature;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.store.OstInfo;
import io.nacre.nfs.ds.DataServer;
import io.nacre.nfs.v41.pnfs.LayoutFence;
import io.nacre.ost.LocalObjectStore;
import io.nacre.ost.Ost;
import io.nacre.ost.OstOptions;
import io.nacre.ost.oss.OssServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OSS node ({@code nacre oss}): this machine's OSTs, served to the MDS node over the OSS protocol
 * (HTTP/2, signed with the cluster secret) and to pNFS clients by an NFSv4.1 data server, in one process.
 * It learns the file system and the secrets from the MDS node's admin endpoint (on this machine: the
 * answer carries secrets), then joins, and joins again every few seconds, which tells a restarted MDS
 * node where it is and brings back the layout grants revoked meanwhile.
 */
public final class OssNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OssNode.class);
    private static final Duration HEARTBEAT = Duration.ofSeconds(2);
    /**
     * How long the data server trusts the revocations of its last join: under the 10 s the MDS node waits
     * for a fence call before it gives up on this node (RemoteObjectStore's call timeout), so a node it gave
     * up on has never heard from it recently enough to serve a revoked layout when it runs again.
     */
    static final Duration FENCE_CONFIRMED_WITHIN = Duration.ofSeconds(8);

    private final OssNodeOptions options;
    private final Started toClose = new Started();
    private final List<Ost> osts = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final LayoutFence fence = LayoutFence.confirmedWithin(FENCE_CONFIRMED_WITHIN);
    private OssJson.Cluster cluster;
    private OssServer oss;
    private DataServer dataServer;
    private volatile boolean joined;

    private OssNode(OssNodeOptions options) {
        this.options = options;
    }

    /** Opens the OSTs, waits for the MDS node (up to {@code options.joinWait()}), serves and joins. */
    public static OssNode start(OssNodeOptions options) {
        OssNode n = new OssNode(requireNonNull(options, "options"));
        try {
            n.startAll();
            return n;
        } catch (RuntimeException | Error e) {
            n.close();
            throw e;
        }
    }

    private void startAll() {
        Path data = Started.dataDir(options.dataDir());
        OstOptions ostOptions = OstOptions.builder().bandwidthLimit(options.bandwidthLimit()).build();
        toClose.openOsts(data, options.firstOst(), options.ostCount(), ostOptions, osts);
        LocalObjectStore store = new LocalObjectStore(osts);
        cluster = fetchCluster();
        HexFormat hex = HexFormat.of();
        for (Ost ost : osts) {
            ost.bindFilesystem(cluster.fsid());
        }
        // revocations reach the data server through the OSS protocol, so it exists before the OSS does
        if (options.dsPort() >= 0) {
            dataServer = NodeDataServer.start(store, cluster.fsid(), hex.parseHex(cluster.dsSecret()), options.bind(),
                    options.dsPort(), options.exports(), options.lease(), fence);
            toClose.push(dataServer);
        }
        oss = OssServer.builder(store).address(new InetSocketAddress(options.bind(), options.ossPort()))
                .secret(hex.parseHex(cluster.ossSecret())).fence(fence::revoke).build().start();
        toClose.push(oss);
        untilAvailable(() -> {
            join();
            return null;
        });
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nacre-oss-join");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleWithFixedDelay(this::rejoin, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        toClose.push(heartbeat::shutdownNow);
        LOG.info("OSS node up: OSTs {}, OSS {}, data server {}", osts.size(), oss.uri(), dataServerAddress());
    }

    /** The file system and secrets, from the MDS node; waits for it to come up. */
    private OssJson.Cluster fetchCluster() {
        return untilAvailable(() -> call("GET", "/api/v1/oss/cluster", null, OssJson.Cluster.class));
    }

    /** Runs {@code attempt} again while the MDS node is unavailable (starting, or slow to commit), up to joinWait. */
    private <T> T untilAvailable(java.util.function.Supplier<T> attempt) {
        long deadline = System.nanoTime() + options.joinWait().toNanos();
        while (true) {
            try {
                return attempt.get();
            } catch (NacreException e) {
                if (e.status() != Status.UNAVAILABLE || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.debug("MDS node at {} not available yet: {}", options.join(), e.getMessage());
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(500); // the MDS node starts elsewhere; nothing here to wait on but time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.UNAVAILABLE, "interrupted while waiting for the MDS node");
        }
    }

    private void join() {
        List<Integer> indexes = osts.stream().map(Ost::index).toList();
        InetSocketAddress ds = dataServerAddress();
        String dsAddress = ds == null ? null : ds.getAddress().getHostAddress().contains(":")
                ? "[" + ds.getAddress().getHostAddress() + "]:" + ds.getPort()
                : ds.getAddress().getHostAddress() + ":" + ds.getPort();
        List<String> pools = osts.isEmpty() ? List.of() : List.copyOf(osts.get(0).info().pools());
        OssJson.Join j = new OssJson.Join(oss.uri().toString(), dsAddress, indexes, pools);
        String body;
        try {
            body = Json.MAPPER.writeValueAsString(j);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        long asked = System.nanoTime();
        OssJson.Joined answer = call("POST", "/api/v1/oss/join", body, OssJson.Joined.class);
        for (long grant : answer.revoked()) {
            fence.revoke(grant);
        }
        fence.confirm(asked);
        if (!joined) {
            LOG.info("joined the MDS node at {}", options.join());
        }
        joined = true;
    }

    private void rejoin() {
        try {
            join();
        } catch (RuntimeException e) {
            if (joined) {
                LOG.warn("MDS node at {} unreachable: {} (still serving; joining again in {} s)", options.join(),
                        e.getMessage(), HEARTBEAT.toSeconds());
            }
            joined = false;
        }
    }

    /** A request to the MDS node's admin endpoint, signed when this node has the cluster secret. */
    private <T> T call(String method, String path, String body, Class<T> type) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder req = HttpRequest.newBuilder(options.join().resolve(path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (body != null) {
            req.header("Content-Type", "application/json");
        }
        byte[] secret = options.secret();
        if (secret != null) {
            long now = Instant.now().getEpochSecond();
            req.header(OssSignature.DATE_HEADER, Long.toString(now))
                    .header(OssSignature.SIGNATURE_HEADER, OssSignature.sign(secret, method, path, now, bytes));
        }
        HttpResponse<String> resp;
        try {
            resp = http.send(req.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new NacreException(Status.UNAVAILABLE, "no MDS node admin endpoint at " + options.join());
        } catch (IOException e) {
            throw new NacreException(Status.UNAVAILABLE, "talking to " + options.join() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.UNAVAILABLE, "interrupted");
        }
        if (resp.statusCode() / 100 != 2) {
            Status s = resp.statusCode() == 503 ? Status.UNAVAILABLE : Status.ACCESS;
            throw new NacreException(s, "the MDS node at " + options.join() + " answered " + resp.statusCode() + ": "
                    + resp.body());
        }
        try {
            return Json.MAPPER.readValue(resp.body(), type);
        } catch (IOException e) {
            throw new NacreException(Status.IO, "unexpected answer from " + options.join() + ": " + e.getMessage());
        }
    }

    public List<OstInfo> osts() {
        return osts.stream().map(Ost::info).toList();
    }

    public long fsid() {
        return cluster.fsid();
    }

    public URI ossUri() {
        return oss.uri();
    }

    /** The address layouts name for this node's data server, or null when it runs none. */
    public InetSocketAddress dataServerAddress() {
        if (dataServer == null) {
            return null;
        }
        return NodeDataServer.advertised(dataServer);
    }

    public DataServer.Stats dataServerStats() {
        return dataServer == null ? new DataServer.Stats(0, 0, 0, 0, 0, 0) : dataServer.stats();
    }

    @Override
    public void close() {
        toClose.close();
    }
}
