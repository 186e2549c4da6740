package io.nacre.meta.testkit;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.meta.MetadataClient;
import io.nacre.meta.MetadataServer;
import io.nacre.ost.LocalObjectStore;
import io.nacre.ost.Ost;
import io.nacre.ost.OstOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real core for other modules' tests: one metadata server peer (on loopback, an ephemeral port kept
 * across restarts) and {@code ostCount} local OSTs under one directory, the OSTs registered with the MDS.
 * Starting again on the same directory brings every file and byte back.
 *
 * <pre>{@code
 * try (EmbeddedCore core = EmbeddedCore.start(dir)) {
 *     MetadataService mds = core.metadata();
 *     ObjectStore objects = core.objects();
 * }
 * }</pre>
 */
public final class EmbeddedCore implements AutoCloseable {

    /** The OSTs {@link #start(Path)} makes, as {@code nacre up} does. */
    public static final int DEFAULT_OSTS = 4;

    private final List<Ost> osts = new ArrayList<>();
    private LocalObjectStore store;
    private MetadataServer server;
    private MetadataClient client;

    private EmbeddedCore() {
    }

    public static EmbeddedCore start(Path dir) {
        return start(dir, DEFAULT_OSTS);
    }

    public static EmbeddedCore start(Path dir, int ostCount) {
        requireNonNull(dir, "dir");
        if (ostCount < 1) {
            throw new IllegalArgumentException("an embedded core needs at least one OST: " + ostCount);
        }
        EmbeddedCore core = new EmbeddedCore();
        try {
            for (int i = 0; i < ostCount; i++) {
                core.osts.add(Ost.open(dir.resolve("ost").resolve("OST%04x".formatted(i)), i, OstOptions.defaults()));
            }
            core.store = new LocalObjectStore(core.osts);
            core.server = MetadataServer.builder().dataDir(dir.resolve("mdt")).objectStore(core.store).build().start();
            core.client = MetadataClient.connect(core.server.peers());
            List<OstInfo> registered = core.client.osts();
            for (Ost ost : core.osts) {
                if (!registered.contains(ost.info())) {
                    core.client.registerOst(ost.info());
                }
            }
            return core;
        } catch (RuntimeException | Error e) {
            core.close();
            throw e;
        }
    }

    /** The namespace, through a real client of the real MDS. */
    public MetadataService metadata() {
        return client;
    }

    /** The MDS peer itself (its applied log index counts the replicated changes requests cost). */
    public MetadataServer metadataServer() {
        return server;
    }

    /** The OSTs, as this node reaches them. */
    public ObjectStore objects() {
        return store;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
        if (store != null) {
            store.close();
            store = null;
        } else {
            for (Ost ost : osts) {
                ost.close();
            }
        }
        osts.clear();
    }
}
