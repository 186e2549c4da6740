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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The {@link ObjectStore} over this node's own OSTs, found by OST index. Closing it closes the OSTs. */
public final class LocalObjectStore implements ObjectStore {

    private final Map<Integer, Ost> osts;

    public LocalObjectStore(List<Ost> osts) {
        requireNonNull(osts, "osts");
        Map<Integer, Ost> byIndex = new TreeMap<>();
        for (Ost ost : osts) {
            if (byIndex.put(ost.index(), ost) != null) {
                throw new IllegalArgumentException("two OSTs with index " + ost.index());
            }
        }
        this.osts = byIndex;
    }

    /** The OST with this index; NOT_FOUND if this node has none. */
    public Ost ost(int index) {
        Ost ost = osts.get(index);
        if (ost == null) {
            throw new NacreException(Status.NOT_FOUND, "no OST%04x on this node".formatted(index));
        }
        return ost;
    }

    @Override
    public List<OstInfo> osts() {
        return osts.values().stream().map(Ost::info).toList();
    }

    @Override
    public int read(ObjectRef object, long offset, ByteBuffer dst) {
        return ost(object.ost()).read(object.id(), offset, dst);
    }

    @Override
    public long write(ObjectRef object, long offset, ByteBuffer src, Durability durability) {
        return ost(object.ost()).write(object.id(), offset, src, durability);
    }

    @Override
    public long sync(ObjectRef object) {
        return ost(object.ost()).sync();
    }

    @Override
    public void truncate(ObjectRef object, long size) {
        ost(object.ost()).truncate(object.id(), size);
    }

    @Override
    public void destroy(ObjectRef object) {
        ost(object.ost()).destroy(object.id());
    }

    @Override
    public ObjectStat stat(ObjectRef object) {
        return ost(object.ost()).stat(object.id());
    }

    @Override
    public List<ListedObject> list(int ost, long after, int max) {
        return ost(ost).list(after, max);
    }

    @Override
    public OstUsage usage(int ost) {
        return ost(ost).usage();
    }

    @Override
    public long instance(int ost) {
        return ost(ost).instance();
    }

    /** Closes every OST, even if one fails to close; rethrows the first failure. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (Ost ost : osts.values()) {
            try {
                ost.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
