package io.nacre.appliance.node;

import static java.util.Objects.requireNonNull;

import io.nacre.appliance.admin.OssJson;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.OstInfo;
import io.nacre.nfs.v41.pnfs.LayoutFence;
import io.nacre.ost.RoutingObjectStore;
import io.nacre.ost.oss.RemoteObjectStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OSS nodes of an instance, as its MDS node sees them: each joined node's OSTs are registered with the
 * MDS and routed to the node's OSS through a {@link RemoteObjectStore}, and its pNFS data server is the
 * one layouts of those OSTs name. OSTs the MDS knows from an earlier run are routed to their last address
 * at start, so files on them are served (or answer "try later") before their node joins again. Layouts
 * revoked here are fenced on every data server over the OSS protocol.
 */
final class OssNodes implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OssNodes.class);

    private final MetadataService mds;
    private final RoutingObjectStore routes;
    private final Set<Integer> local;
    private final byte[] ossSecret;
    private final byte[] dsSecret;
    private final LayoutFence fence;
    /** OSS endpoint -> its store, and what it said in its last join. */
    private final Map<URI, RemoteObjectStore> stores = new ConcurrentHashMap<>();
    private final Map<URI, OssJson.Join> joins = new ConcurrentHashMap<>();
    private final Map<URI, List<Integer>> served = new ConcurrentHashMap<>();
    private final Map<Integer, InetSocketAddress> dataServers = new ConcurrentHashMap<>();
    private ScheduledExecutorService refresher;

    OssNodes(MetadataService mds, RoutingObjectStore routes, Set<Integer> local, byte[] ossSecret, byte[] dsSecret,
             LayoutFence fence) {
        this.mds = mds;
        this.routes = routes;
        this.local = Set.copyOf(local);
        this.ossSecret = ossSecret.clone();
        this.dsSecret = dsSecret.clone();
        this.fence = fence;
        fence.onRevoke(this::fenceEverywhere);
    }

    /**
     * Routes the OSTs the MDS knows on other nodes to the OSS address they were registered with (their last one:
     * an OSS node that has not joined again yet, or another node of a cluster). Routes that are already right
     * stay as they are.
     */
    synchronized void routeKnown() {
        Map<String, List<Integer>> byNode = new TreeMap<>();
        for (OstInfo info : mds.osts()) {
            if (!local.contains(info.index()) && !info.node().isEmpty()) {
                byNode.computeIfAbsent(info.node(), k -> new ArrayList<>()).add(info.index());
            }
        }
        byNode.forEach((node, indexes) -> {
            URI uri = URI.create(node);
            if (indexes.equals(served.get(uri))) {
                return;
            }
            route(uri, indexes);
            LOG.info("OSTs {} routed to OSS {}", indexes, uri);
        });
    }

    /** Runs {@link #routeKnown} every {@code period}, until closed: OSTs other nodes register reach this one. */
    void routeKnownEvery(Duration period) {
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nacre-ost-routes");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(() -> {
            try {
                routeKnown();
            } catch (RuntimeException e) {
                LOG.debug("refreshing the OST routes: {}", e.getMessage());
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Routes these OSTs to an OSS, forgetting an earlier address that served only them (its store is closed). */
    private void route(URI uri, List<Integer> indexes) {
        served.put(uri, List.copyOf(indexes));
        routes.add(store(uri), indexes);
        for (URI other : List.copyOf(served.keySet())) {
            if (!other.equals(uri) && indexes.containsAll(served.get(other))) {
                served.remove(other);
                joins.remove(other);
                stores.remove(other);
            }
        }
    }

    OssJson.Cluster cluster() {
        HexFormat hex = HexFormat.of();
        return new OssJson.Cluster(mds.fsid(), hex.formatHex(ossSecret), hex.formatHex(dsSecret));
    }

    /** An OSS node joins (or says it is still there): register and route its OSTs, note its data server. */
    synchronized OssJson.Joined join(OssJson.Join j) {
        requireNonNull(j, "join");
        URI uri = ossUri(j.oss());
        if (j.osts() == null || j.osts().isEmpty()) {
            throw new NacreException(Status.INVALID, "an OSS node joins with at least one OST");
        }
        for (int index : j.osts()) {
            if (index < 0 || local.contains(index)) {
                throw new NacreException(Status.EXISTS, "OST%04x is served by the MDS node itself".formatted(index));
            }
        }
        InetSocketAddress ds = j.nfsDs() == null ? null : hostPort(j.nfsDs());
        OssJson.Join before = joins.put(uri, j);
        Set<String> pools = j.pools() == null ? Set.of() : new HashSet<>(j.pools());
        Set<OstInfo> known = new HashSet<>(mds.osts());
        for (int index : j.osts()) {
            OstInfo info = new OstInfo(index, pools, uri.toString());
            if (!known.contains(info)) {
                mds.registerOst(info);
            }
            if (ds == null) {
                dataServers.remove(index);
            } else {
                dataServers.put(index, ds);
            }
        }
        route(uri, j.osts());
        if (!j.equals(before)) {
            LOG.info("OSS node {} joined: OSTs {}, pNFS data server {}", uri, j.osts(), ds);
        }
        return new OssJson.Joined(List.copyOf(fence.revoked()));
    }

    List<OssJson.Node> nodes() {
        return joins.entrySet().stream().map(e -> {
            RemoteObjectStore store = stores.get(e.getKey());
            OssJson.Join j = e.getValue();
            return new OssJson.Node(j.oss(), j.nfsDs(), j.osts(), store == null || store.isUp());
        }).toList();
    }

    /** The data server of an OST on a joined node; empty when it has none (its files go through the MDS). */
    List<InetSocketAddress> dataServer(int ost) {
        InetSocketAddress a = dataServers.get(ost);
        return a == null ? List.of() : List.of(a);
    }

    /**
     * Tells every joined data server to refuse a revoked grant, and waits for each. One that cannot be
     * reached serves nothing meanwhile, and gets the grant with the answer to its next join.
     */
    private void fenceEverywhere(long grant) {
        for (OssJson.Join j : List.copyOf(joins.values())) {
            if (j.nfsDs() == null) {
                continue;
            }
            URI uri = ossUri(j.oss());
            try {
                store(uri).fence(grant);
            } catch (NacreException e) {
                LOG.warn("fencing layout grant {} on {}: {}", grant, uri, e.getMessage());
            }
        }
    }

    private RemoteObjectStore store(URI uri) {
        return stores.computeIfAbsent(uri, u -> RemoteObjectStore.builder(u).secret(ossSecret).build());
    }

    private static URI ossUri(String s) {
        try {
            URI u = URI.create(requireNonNull(s, "oss"));
            if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() <= 0) {
                throw new IllegalArgumentException("not http://host:port");
            }
            return URI.create("http://" + u.getRawAuthority());
        } catch (IllegalArgumentException e) {
            throw new NacreException(Status.INVALID, "bad OSS address " + s + ": " + e.getMessage());
        }
    }

    private static InetSocketAddress hostPort(String s) {
        int colon = s.lastIndexOf(':');
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            String host = s.substring(0, colon).replace("[", "").replace("]", "");
            if (colon <= 0 || port <= 0 || port > 65535) {
                throw new IllegalArgumentException();
            }
            InetSocketAddress a = new InetSocketAddress(host, port);
            if (a.isUnresolved()) {
                throw new IllegalArgumentException();
            }
            return a;
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
            throw new NacreException(Status.INVALID, "bad data-server address (want IP:port) " + s);
        }
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
        stores.values().forEach(RemoteObjectStore::close);
        stores.clear();
    }
}
