package io.nacre.ost;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ListedObject;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.engine.store.OstUsage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The {@link ObjectStore} of a cluster node: each OST index goes to the store that reaches it (this
 * node's {@link LocalObjectStore}, or a remote one for another node's OSS). Routes can be added while it
 * is in use ({@link #add}: an OSS node joining or moving). Closing it closes them all.
 */
public final class RoutingObjectStore implements ObjectStore {

    private final Map<Integer, ObjectStore> routes;

    /** {@code routes} maps each OST index to the store serving it; one store may serve many indexes. */
    public RoutingObjectStore(Map<Integer, ObjectStore> routes) {
        requireNonNull(routes, "routes");
        this.routes = new ConcurrentSkipListMap<>(routes);
    }

    /**
     * Routes these OST indexes to {@code store} from now on (an OSS node that joined, or moved to another
     * address); a store that no longer serves any index is closed.
     */
    public synchronized void add(ObjectStore store, Collection<Integer> indexes) {
        requireNonNull(store, "store");
        Set<ObjectStore> replaced = new HashSet<>();
        for (int index : indexes) {
            ObjectStore old = routes.put(index, store);
            if (old != null && old != store) {
                replaced.add(old);
            }
        }
        replaced.removeAll(routes.values());
        replaced.forEach(ObjectStore::close);
    }

    /** The store an OST index is routed to, or null. */
    public ObjectStore routeOf(int ost) {
        return routes.get(ost);
    }

    /** Routes every OST each store reports through {@link ObjectStore#osts()}; an index twice is an error. */
    public static RoutingObjectStore of(List<ObjectStore> stores) {
        requireNonNull(stores, "stores");
        Map<Integer, ObjectStore> routes = new TreeMap<>();
        for (ObjectStore s : stores) {
            for (OstInfo info : s.osts()) {
                if (routes.put(info.index(), s) != null) {
                    throw new IllegalArgumentException("two stores serve " + info.name());
                }
            }
        }
        return new RoutingObjectStore(routes);
    }

    private ObjectStore route(int ost) {
        ObjectStore s = routes.get(ost);
        if (s == null) {
            throw new NacreException(Status.NOT_FOUND, "no route to OST%04x".formatted(ost));
        }
        return s;
    }

    @Override
    public List<OstInfo> osts() {
        List<OstInfo> all = new ArrayList<>();
        for (ObjectStore s : new LinkedHashSet<>(routes.values())) {
            for (OstInfo info : s.osts()) {
                if (routes.get(info.index()) == s) {
                    all.add(info);
                }
            }
        }
        all.sort((a, b) -> Integer.compare(a.index(), b.index()));
        return all;
    }

    @Override
    public int read(ObjectRef object, long offset, ByteBuffer dst) {
        return route(object.ost()).read(object, offset, dst);
    }

    @Override
    public long write(ObjectRef object, long offset, ByteBuffer src, Durability durability) {
        return route(object.ost()).write(object, offset, src, durability);
    }

    @Override
    public long sync(ObjectRef object) {
        return route(object.ost()).sync(object);
    }

    @Override
    public void truncate(ObjectRef object, long size) {
        route(object.ost()).truncate(object, size);
    }

    @Override
    public void destroy(ObjectRef object) {
        route(object.ost()).destroy(object);
    }

    @Override
    public ObjectStat stat(ObjectRef object) {
        return route(object.ost()).stat(object);
    }

    @Override
    public List<ListedObject> list(int ost, long after, int max) {
        return route(ost).list(ost, after, max);
    }

    @Override
    public OstUsage usage(int ost) {
        return route(ost).usage(ost);
    }

    @Override
    public long instance(int ost) {
        return route(ost).instance(ost);
    }

    @Override
    public void close() {
        new LinkedHashSet<>(routes.values()).forEach(ObjectStore::close);
    }
}
