package io.nacre.meta;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * The metadata servers running in this JVM, so that a {@link MetadataClient} next to one (the `nacre up`
 * process, tests) can hand it requests directly instead of over gRPC. A server is here from its start to
 * its close; a client looks it up on every request, so it finds a server that (re)started after it. A peer
 * is known by its group, id and address: two file systems in one JVM (tests, an archive node beside a
 * node) have the same group and peer ids, and must not reach each other's servers.
 */
final class LocalPeers {

    private record Key(RaftGroupId group, RaftPeerId peer, String address) {
    }

    private static final Map<Key, RaftServer> SERVERS = new ConcurrentHashMap<>();

    private LocalPeers() {
    }

    static void add(RaftGroupId group, RaftPeerId peer, String address, RaftServer server) {
        SERVERS.put(new Key(group, peer, address), server);
    }

    static void remove(RaftGroupId group, RaftPeerId peer, String address, RaftServer server) {
        SERVERS.remove(new Key(group, peer, address), server);
    }

    /** The division of the group on this peer, when the peer runs in this JVM and has started; else null. */
    static RaftServer.Division division(RaftGroupId group, RaftPeerId peer, String address) {
        RaftServer s = SERVERS.get(new Key(group, peer, address));
        if (s == null) {
            return null;
        }
        try {
            return s.getDivision(group);
        } catch (IOException e) {
            return null; // closing, or not in the group (yet)
        }
    }
}
