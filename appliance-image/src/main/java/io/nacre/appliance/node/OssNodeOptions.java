package io.nacre.appliance.node;

import static java.util.Objects.requireNonNull;

import io.nacre.nfs.export.ExportTable;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how an {@link OssNode} runs: its data directory, the MDS node's admin endpoint it joins, the
 * address and ports it serves on (0 = any free one; a data-server port of -1 runs no data server), its
 * OSTs (indexes {@code firstOst .. firstOst + ostCount - 1}, unique in the instance), their bandwidth limit
 * in bytes per second (0 = none; a test knob), the data server's export table and lease, and how long to
 * wait for the MDS node at start, and the cluster secret its requests to the MDS node are signed with (null:
 * none, it joins a node on its own machine).
 */
public record OssNodeOptions(Path dataDir, URI join, String bind, int ossPort, int dsPort, int firstOst, int ostCount,
                             long bandwidthLimit, ExportTable exports, Duration lease, Duration joinWait, byte[] secret) {

    public static final int DEFAULT_OSS_PORT = 9002;

    public OssNodeOptions {
        requireNonNull(dataDir, "dataDir");
        requireNonNull(join, "join");
        requireNonNull(bind, "bind");
        if (ossPort < 0 || ossPort > 65535) {
            throw new IllegalArgumentException("OSS port must be 0..65535: " + ossPort);
        }
        if (dsPort < -1 || dsPort > 65535) {
            throw new IllegalArgumentException("NFS data-server port must be 0..65535 (-1: none): " + dsPort);
        }
        if (firstOst < 0 || ostCount < 1 || ostCount > 64) {
            throw new IllegalArgumentException("OSTs: first index >= 0 and 1..64 of them: " + firstOst + ", " + ostCount);
        }
        if (bandwidthLimit < 0) {
            throw new IllegalArgumentException("bandwidth limit must be >= 0: " + bandwidthLimit);
        }
        exports = exports == null ? ExportTable.parse(NfsOptions.DEFAULT_EXPORTS) : exports;
        lease = lease == null ? NfsOptions.DEFAULT_LEASE : lease;
        joinWait = joinWait == null ? Duration.ofMinutes(5) : joinWait;
        secret = secret == null ? null : secret.clone();
    }

    @Override
    public byte[] secret() {
        return secret == null ? null : secret.clone();
    }
}
