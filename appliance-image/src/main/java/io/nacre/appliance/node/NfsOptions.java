package io.nacre.appliance.node;

import io.nacre.nfs.export.ExportTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How a {@link Node} serves NFSv4.1: the port (2049; 0 = any free one, for tests), the export table, and
 * the lease (also the grace period after a restart), and whether pNFS is on (off by default) with the port
 * of its data server.
 *
 * <p>The default export is the namespace root to 127.0.0.1 only, read-write, {@code no_root_squash}: the
 * embedded appliance listens on loopback, so its only clients are users of this machine, and root there
 * administers Nacre anyway; root squashing would only make {@code sudo cp} onto the mount fail. Another
 * table comes from an exports(5)-style file with one export line ({@link ExportTable#parse}).
 */
public record NfsOptions(int port, ExportTable exports, Duration lease, boolean pnfs, int dsPort) {

    public static final int DEFAULT_PORT = 2049;
    /** Where the pNFS data server listens when {@link #pnfs()} is on. */
    public static final int DEFAULT_DS_PORT = 2050;
    public static final String DEFAULT_EXPORTS = "/ 127.0.0.1(rw,no_root_squash)";
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(90);

    public NfsOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("NFS port must be 0..65535: " + port);
        }
        if (exports == null) {
            exports = ExportTable.parse(DEFAULT_EXPORTS);
        }
        if (lease == null) {
            lease = DEFAULT_LEASE;
        }
        if (lease.toSeconds() < 1 || lease.toSeconds() > 3600) {
            throw new IllegalArgumentException("NFS lease must be 1..3600 s: " + lease.toSeconds());
        }
        if (dsPort < 0 || dsPort > 65535) {
            throw new IllegalArgumentException("NFS data-server port must be 0..65535: " + dsPort);
        }
    }

    /** Without pNFS (the default). */
    public NfsOptions(int port, ExportTable exports, Duration lease) {
        this(port, exports, lease, false, DEFAULT_DS_PORT);
    }

    public static NfsOptions defaults() {
        return new NfsOptions(DEFAULT_PORT, null, null);
    }

    /** The export table of an exports(5)-style file; a bad line fails with the file's name. */
    public static ExportTable readExports(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the NFS exports file " + file, e);
        }
        try {
            return ExportTable.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public NfsOptions withPort(int p) {
        return new NfsOptions(p, exports, lease, pnfs, dsPort);
    }

    /**
     * pNFS on: one data server in this process serves every OST on {@code port} (0 = any free one), and
     * the MDS hands out file layouts that point clients at it.
     */
    public NfsOptions withPnfs(int port) {
        return new NfsOptions(this.port, exports, lease, true, port);
    }
}
