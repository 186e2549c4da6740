package io.nacre.appliance.node;

import static java.util.Objects.requireNonNull;

import io.nacre.appliance.hsm.HsmSettings;
import java.nio.file.Path;

/**
 * Where and how a {@link Node} runs: the data directory, the address the client-facing listeners (S3, NFS,
 * admin) bind (127.0.0.1 by default; the appliance image gives 0.0.0.0), the ports (0 = any free one, for
 * tests), the S3 virtual-host domain (null: path style only), the number of OSTs of the embedded default,
 * how NFS is served ({@link NfsOptions}), and the HSM archives and policy to run ({@link HsmSettings#NONE}
 * for none), and the cluster this node belongs to (null: the embedded default, whose one-peer MDS serves this
 * process only and stays on loopback).
 */
public record NodeOptions(Path dataDir, String bind, int adminPort, int mdsPort, int s3Port, String s3Domain,
                          int ostCount, NfsOptions nfs, HsmSettings hsm, ClusterOptions cluster) {

    public static final int DEFAULT_ADMIN_PORT = 9001;
    public static final int DEFAULT_S3_PORT = 9000;
    public static final int DEFAULT_OST_COUNT = 4;

    public NodeOptions {
        requireNonNull(dataDir, "dataDir");
        requireNonNull(bind, "bind");
        checkPort(adminPort, "admin");
        checkPort(mdsPort, "MDS");
        checkPort(s3Port, "S3");
        requireNonNull(nfs, "nfs");
        if (ostCount < 0 || ostCount > 64) {
            throw new IllegalArgumentException("OST count must be 0..64: " + ostCount);
        }
        hsm = hsm == null ? HsmSettings.NONE : hsm;
    }

    private static void checkPort(int port, String what) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " port must be 0..65535: " + port);
        }
    }

    /** The embedded default under {@code dataDir}, listening on the default ports of 127.0.0.1. */
    public static NodeOptions defaults(Path dataDir) {
        return new NodeOptions(dataDir, "127.0.0.1", DEFAULT_ADMIN_PORT, 0, DEFAULT_S3_PORT, null, DEFAULT_OST_COUNT,
                NfsOptions.defaults(), HsmSettings.NONE, null);
    }

    /** Every listener on an ephemeral port (tests). */
    public static NodeOptions ephemeral(Path dataDir) {
        return new NodeOptions(dataDir, "127.0.0.1", 0, 0, 0, null, DEFAULT_OST_COUNT,
                NfsOptions.defaults().withPort(0), HsmSettings.NONE, null);
    }

    /** The address S3, NFS and the admin endpoint listen on: an IP address, or 0.0.0.0 / :: for every one. */
    public NodeOptions withBind(String address) {
        return new NodeOptions(dataDir, address, adminPort, mdsPort, s3Port, s3Domain, ostCount, nfs, hsm, cluster);
    }

    public NodeOptions withAdminPort(int port) {
        return new NodeOptions(dataDir, bind, port, mdsPort, s3Port, s3Domain, ostCount, nfs, hsm, cluster);
    }

    public NodeOptions withS3(int port, String domain) {
        return new NodeOptions(dataDir, bind, adminPort, mdsPort, port, domain, ostCount, nfs, hsm, cluster);
    }

    public NodeOptions withNfs(NfsOptions n) {
        return new NodeOptions(dataDir, bind, adminPort, mdsPort, s3Port, s3Domain, ostCount, n, hsm, cluster);
    }

    /** OSTs of this node (0: every OST is on an OSS node that joins, see {@code nacre oss}). */
    public NodeOptions withOstCount(int n) {
        return new NodeOptions(dataDir, bind, adminPort, mdsPort, s3Port, s3Domain, n, nfs, hsm, cluster);
    }

    /** One node of a cluster (null: the embedded default). */
    public NodeOptions withCluster(ClusterOptions c) {
        return new NodeOptions(dataDir, bind, adminPort, mdsPort, s3Port, s3Domain, ostCount, nfs, hsm, c);
    }

    public NodeOptions withHsm(HsmSettings settings) {
        return new NodeOptions(dataDir, bind, adminPort, mdsPort, s3Port, s3Domain, ostCount, nfs, settings, cluster);
    }
}
