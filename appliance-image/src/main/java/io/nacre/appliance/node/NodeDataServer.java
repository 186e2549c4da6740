package io.nacre.appliance.node;

import io.nacre.engine.store.ObjectStore;
import io.nacre.nfs.ds.DataServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.pnfs.LayoutFence;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.time.Duration;

/** Starting the pNFS data server of a node (the MDS node's own OSTs, or an OSS node's), the same way on both. */
final class NodeDataServer {

    private NodeDataServer() {
    }

    /** Serves {@code objects} on bind:port; a port taken is one clear line naming the option that moves it. */
    static DataServer start(ObjectStore objects, long fsid, byte[] secret, String bind, int port, ExportTable exports,
                            Duration lease, LayoutFence fence) {
        try {
            return DataServer.builder(objects, fsid, secret).bindAddress(bind).port(port).exports(exports)
                    .leaseTime(lease).fence(fence).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the pNFS data server on " + bind + ":" + port
                    + " (--nfs-ds-port moves it): " + e.getMessage(), e);
        }
    }

    /**
     * The address layouts name for it. A wildcard is no address for a client to dial: then this machine's
     * first address as {@link Reach} orders them (global IPv4 first, loopback last), which clients on other
     * machines can reach and local ones too (the server listens on all of them).
     */
    static InetSocketAddress advertised(DataServer ds) {
        InetSocketAddress at = ds.address();
        if (!at.getAddress().isAnyLocalAddress()) {
            return at;
        }
        List<InetAddress> mine = Reach.of(new InetSocketAddress("0.0.0.0", at.getPort()));
        return new InetSocketAddress(mine.isEmpty() ? InetAddress.getLoopbackAddress() : mine.get(0), at.getPort());
    }
}
