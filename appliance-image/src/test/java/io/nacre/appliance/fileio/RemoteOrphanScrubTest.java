package io.nacre.appliance.fileio;

import io.nacre.engine.store.ObjectStore;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.ost.oss.OssServer;
import io.nacre.ost.oss.RemoteObjectStore;
import java.nio.charset.StandardCharsets;

/** The orphan scrub's tests with the OSTs reached through a real OSS on 127.0.0.1 (signed requests), as another node does. */
class RemoteOrphanScrubTest extends OrphanScrubTest {

    private static final byte[] SECRET = "a test cluster secret".getBytes(StandardCharsets.UTF_8);

    private OssServer oss;
    private RemoteObjectStore remote;

    @Override
    ObjectStore binding(EmbeddedCore core) {
        oss = OssServer.builder(core.objects()).secret(SECRET).build().start();
        remote = RemoteObjectStore.builder(oss.uri()).secret(SECRET).build();
        return remote;
    }

    @Override
    void closeBinding() {
        remote.close();
        oss.close();
    }
}
