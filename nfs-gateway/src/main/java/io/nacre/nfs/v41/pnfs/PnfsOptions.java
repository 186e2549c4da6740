package io.nacre.nfs.v41.pnfs;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * How the metadata server hands out pNFS layouts: where the data server of each OST listens, the
 * cluster secret data-server filehandles are signed with (null: the one kept by the MDS, see
 * {@link DsHandles#clusterSecret}), how long a caller that is not an NFS client (restripe, HSM release)
 * waits for a recall before it gets DELAY ({@link MetadataServerRole#recallFor}), how long a conflicting NFS
 * operation waits for one before it answers NFS4ERR_DELAY (the recall grace, see
 * {@link MetadataServerRole#recall}; a layout not returned within a lease is revoked), where revocations go
 * for the data servers to refuse (give the same {@link LayoutFence} to the data servers of the process), and
 * how long a glimpse of a file's objects may take before the MDS answers with the size it has (see
 * {@link MetadataServerRole#glimpse}); the same bound holds for every call to the OSTs an attribute needs
 * (space_used, see {@link io.nacre.nfs.v41.OstCalls}).
 */
public record PnfsOptions(IntFunction<List<InetSocketAddress>> dataServers, byte[] secret, Duration recallTimeout,
                          LayoutFence fence, Duration glimpseTimeout, Duration recallGrace) {

    /** {@link io.nacre.nfs.v41.OstCalls#DEFAULT_TIMEOUT}. */
    public static final Duration DEFAULT_GLIMPSE_TIMEOUT = io.nacre.nfs.v41.OstCalls.DEFAULT_TIMEOUT;
    /** Long enough for a client that answers a recall at once to return its layout, short for a worker thread. */
    public static final Duration DEFAULT_RECALL_GRACE = Duration.ofMillis(150);

    public PnfsOptions(IntFunction<List<InetSocketAddress>> dataServers, byte[] secret, Duration recallTimeout,
                       LayoutFence fence) {
        this(dataServers, secret, recallTimeout, fence, DEFAULT_GLIMPSE_TIMEOUT, DEFAULT_RECALL_GRACE);
    }

    public PnfsOptions {
        requireNonNull(dataServers, "dataServers");
        requireNonNull(recallTimeout, "recallTimeout");
        requireNonNull(fence, "fence");
        requireNonNull(glimpseTimeout, "glimpseTimeout");
        requireNonNull(recallGrace, "recallGrace");
        secret = secret == null ? null : secret.clone();
        if (recallTimeout.isNegative() || recallTimeout.isZero()) {
            throw new IllegalArgumentException("recall timeout " + recallTimeout);
        }
        if (recallGrace.isNegative()) {
            throw new IllegalArgumentException("recall grace " + recallGrace);
        }
        if (glimpseTimeout.isNegative() || glimpseTimeout.isZero()) {
            throw new IllegalArgumentException("glimpse timeout " + glimpseTimeout);
        }
    }

    /** Every OST served by the one data server at {@code address} (all roles in one process). */
    public static PnfsOptions oneDataServer(InetSocketAddress address) {
        requireNonNull(address, "address");
        return new PnfsOptions(ost -> List.of(address), null, Duration.ofSeconds(10), new LayoutFence());
    }

    /** OST index to data-server address; OSTs not in the map get no layouts (their files use the MDS). */
    public static PnfsOptions dataServers(Map<Integer, InetSocketAddress> byOst) {
        Map<Integer, InetSocketAddress> copy = new HashMap<>(byOst);
        return new PnfsOptions(ost -> copy.containsKey(ost) ? List.of(copy.get(ost)) : List.of(), null,
                Duration.ofSeconds(10), new LayoutFence());
    }

    public PnfsOptions withSecret(byte[] s) {
        return new PnfsOptions(dataServers, requireNonNull(s, "secret"), recallTimeout, fence, glimpseTimeout,
                recallGrace);
    }

    public PnfsOptions withRecallTimeout(Duration d) {
        return new PnfsOptions(dataServers, secret, d, fence, glimpseTimeout, recallGrace);
    }

    public PnfsOptions withFence(LayoutFence f) {
        return new PnfsOptions(dataServers, secret, recallTimeout, f, glimpseTimeout, recallGrace);
    }

    public PnfsOptions withGlimpseTimeout(Duration d) {
        return new PnfsOptions(dataServers, secret, recallTimeout, fence, d, recallGrace);
    }

    /** How long a conflicting NFS operation waits for a recall before it answers NFS4ERR_DELAY. */
    public PnfsOptions withRecallGrace(Duration d) {
        return new PnfsOptions(dataServers, secret, recallTimeout, fence, glimpseTimeout, d);
    }
}
