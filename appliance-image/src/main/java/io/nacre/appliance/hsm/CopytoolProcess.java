package io.nacre.appliance.hsm;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.io.FileIo;
import io.nacre.meta.MetadataClient;
import io.nacre.meta.Peer;
import io.nacre.ost.oss.RemoteObjectStore;
import java.net.URI;
import java.util.HexFormat;

/**
 * A copytool as its own process ({@code nacre copytool}): it reaches the instance's MDS (Raft client) and
 * OSTs (through the OSS, requests signed with the cluster secret) over the network, and runs an agent and
 * an S3 copytool for each configured archive. Several such processes share the work: the coordinator
 * hands each request to one of them.
 */
public final class CopytoolProcess implements AutoCloseable {

    private final MetadataClient mds;
    private final RemoteObjectStore objects;
    private final FileIo io;
    private final HsmRole role;

    private CopytoolProcess(MetadataClient mds, RemoteObjectStore objects, FileIo io, HsmRole role) {
        this.mds = mds;
        this.objects = objects;
        this.io = io;
        this.role = role;
    }

    /**
     * @param cluster  the Raft group's cluster name (null: the default, an all-in-one instance's)
     * @param mdsPeers the MDS peers, "id=host:port,..."
     * @param oss      the OSS serving the OSTs
     * @param secret   the cluster secret, hex
     */
    public static CopytoolProcess start(String cluster, String mdsPeers, URI oss, String secret, HsmSettings settings) {
        requireNonNull(settings, "settings");
        if (settings.archives().isEmpty()) {
            throw new IllegalArgumentException("no archive configured: give --config FILE or --archive s3://BUCKET/PREFIX");
        }
        MetadataClient.Builder client = MetadataClient.builder().peers(Peer.parseList(mdsPeers));
        if (cluster != null) {
            client.cluster(cluster);
        }
        MetadataClient mds = client.build();
        RemoteObjectStore objects = null;
        FileIo io = null;
        try {
            RemoteObjectStore.Builder b = RemoteObjectStore.builder(oss);
            if (secret != null && !secret.isEmpty()) {
                b.secret(HexFormat.of().parseHex(secret));
            }
            objects = b.build();
            io = new FileIo(mds, objects);
            HsmRole role = HsmRole.start(mds, io, objects, settings, false);
            return new CopytoolProcess(mds, objects, io, role);
        } catch (RuntimeException | Error e) {
            if (io != null) {
                io.close();
            }
            if (objects != null) {
                objects.close();
            }
            mds.close();
            throw e;
        }
    }

    public HsmRole role() {
        return role;
    }

    @Override
    public void close() {
        role.close();
        io.close();
        objects.close();
        mds.close();
    }
}
