package io.nacre.ost;

import io.nacre.engine.store.ObjectStore;
import java.nio.file.Path;
import java.util.List;

/** The contract against this node's own OSTs. */
class LocalObjectStoreTest extends ObjectStoreContract {

    private LocalObjectStore local;

    @Override
    protected ObjectStore open(Path root) {
        local = new LocalObjectStore(List.of(Ost.open(root.resolve("ost0"), 0, options()),
                Ost.open(root.resolve("ost3"), 3, options())));
        return local;
    }

    @Override
    protected void closeAll() {
        local.close();
    }
}
