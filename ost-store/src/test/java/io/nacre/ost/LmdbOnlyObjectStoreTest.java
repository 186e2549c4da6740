package io.nacre.ost;

import io.nacre.engine.store.ObjectStore;
import java.nio.file.Path;
import java.util.List;

/** The contract against OSTs opened without the WAL (every group one synchronous LMDB commit), still selectable. */
class LmdbOnlyObjectStoreTest extends ObjectStoreContract {

    private LocalObjectStore local;

    @Override
    protected ObjectStore open(Path root) {
        OstOptions lmdbOnly = OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).wal(false).build();
        local = new LocalObjectStore(List.of(Ost.open(root.resolve("ost0"), 0, lmdbOnly),
                Ost.open(root.resolve("ost3"), 3, lmdbOnly)));
        return local;
    }

    @Override
    protected void closeAll() {
        local.close();
    }
}
