package io.nacre.appliance.admin;

import java.util.List;

/** The documents of the OSS join protocol (an OSS node joining the instance of an MDS node, see {@link OssAdmin}). */
public final class OssJson {

    private OssJson() {
    }

    /**
     * What a joining OSS node needs before it serves: the file system its OSTs belong to, the cluster secret
     * OSS requests are signed with and the one data-server filehandles are signed with (both hex).
     */
    public record Cluster(long fsid, String ossSecret, String dsSecret) {
    }

    /**
     * An OSS node saying where it serves: its OSS endpoint (http://host:port), its pNFS data server
     * (host:port, or null when it runs none), and the OST indexes it holds with their pools.
     */
    public record Join(String oss, String nfsDs, List<Integer> osts, List<String> pools) {
    }

    /** The answer to a join: the layout grants revoked so far, which its data server must refuse. */
    public record Joined(List<Long> revoked) {
    }

    /**
     * A joined OSS node as the MDS node knows it; {@code up} is false while it is taken for down (it missed a
     * deadline and has not answered since: its stripes answer "try again").
     */
    public record Node(String oss, String nfsDs, List<Integer> osts, boolean up) {
    }
}
