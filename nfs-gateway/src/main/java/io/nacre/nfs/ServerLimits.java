package io.nacre.nfs;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** The bounds of the knobs NFS servers share (the MDS role's {@link NfsServer}, the data server's). */
public final class ServerLimits {

    private ServerLimits() {
    }

    /** A TCP port, 0 for any free one. */
    public static int port(int p) {
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port " + p);
        }
        return p;
    }

    /** A lease of 1 s to 1 h. */
    public static Duration lease(Duration d) {
        requireNonNull(d, "lease");
        if (d.toSeconds() < 1 || d.toSeconds() > 3600) {
            throw new IllegalArgumentException("lease of " + d);
        }
        return d;
    }

    /** The largest READ and WRITE: 4 KiB to 16 MiB. */
    public static int ioSize(int bytes) {
        if (bytes < 4096 || bytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("I/O size " + bytes);
        }
        return bytes;
    }
}
