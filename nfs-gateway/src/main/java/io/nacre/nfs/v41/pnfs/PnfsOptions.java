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
 * {@link DsHandles#clusterSecret}), how long a recall waits for the client's LAYOUTRETURN before
 * the layout is revoked, where revocations go for the data servers to refuse (give the same
 * {@link LayoutFence} to the data servers of the process), and how long a glimpse of a file's objects may
 * take before the MDS answers with the size it has (see {@link MetadataServerRole#glimpse}); the same bound
 * holds for every call to the OSTs an attribute needs (space_used, see {@link io.nacre.nfs.v41.OstCalls}).
 */
public record PnfsOptions(IntFunction<List<InetSocketAddress>> dataServers, byte[] secret, Duration recallTimeout,
                          LayoutFence fence, Duration glimpseTimeout) {

    /** {@link io.nacre.nfs.v41.OstCalls#DEFAULT_TIMEOUT}. */
    public static final Duration DEFAULT_GLIMPSE_TIMEOUT = io.nacre.nfs.v41.OstCalls.DEFAULT_TIMEOUT;

    public PnfsOptions(IntFunction<List<InetSocketAddress>> dataServers, byte[] secret, Duration recallTimeout,
                       LayoutFence fence) {
        this(dataServers, secret, recallTimeout, fence, DEFAULT_GLIMPSE_TIMEOUT);
    }

    public PnfsOptions {
        requireNonNull(dataServers, "dataServers");
        requireNonNull(recallTimeout, "recallTimeout");
        requireNonNull(fence, "fence");
        requireNonNull(glimpseTimeout, "glimpseTimeout");
        secret = secret == null ? null : secret.clone();
        if (recallTimeout.isNegative() || recallTimeout.isZero()) {
            throw new IllegalArgumentException("recall timeout " + recallTimeout);
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
        return new PnfsOptions(dataServers, requireNonNull(s, "secret"), recallTimeout, fence, glimpseTimeout);
    }

    public PnfsOptions withRecallTimeout(Duration d) {
        return new PnfsOptions(dataServers, secret, d, fence, glimpseTimeout);
    }

    public PnfsOptions withFence(LayoutFence f) {
        return new PnfsOptions(dataServers, secret, recallTimeout, f, glimpseTimeout);
    }

    public PnfsOptions withGlimpseTimeout(Duration d) {
        return new PnfsOptions(dataServers, secret, recallTimeout, fence, d);
    }
}
