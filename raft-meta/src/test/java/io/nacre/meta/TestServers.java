package io.nacre.meta;

import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.OstInfo;
import java.nio.file.Path;
import java.util.Set;

/** Real metadata servers for tests, on loopback with ephemeral ports. */
final class TestServers {

    private TestServers() {
    }

    static MetadataServer single(Path dir) {
        return MetadataServer.builder().dataDir(dir).build().start();
    }

    /** Registers OSTs 0..n-1; the first half also in pool "fast". */
    static void registerOsts(MetadataService mds, int n) {
        for (int i = 0; i < n; i++) {
            mds.registerOst(new OstInfo(i, i < n / 2 ? Set.of("fast") : Set.of(), ""));
        }
    }
}
