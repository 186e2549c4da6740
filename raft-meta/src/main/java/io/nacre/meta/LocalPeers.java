package io.nacre.meta;

import static java.util.Objects.requireNonNull;

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

    /**
     * Which server: group, peer id and address. Equality written out, with the hash computed once, rather
     * than a record's: a record's equals and hashCode go through method handles that C1 (the JIT of a
     * small guest) does not inline, and a client looks a key up on every request. A client keeps its keys.
     */
    static final class Key {
        private final RaftGroupId group;
        private final RaftPeerId peer;
        private final String address;
        private final int hash;

        Key(RaftGroupId group, RaftPeerId peer, String address) {
            this.group = requireNonNull(group, "group");
            this.peer = requireNonNull(peer, "peer");
            this.address = requireNonNull(address, "address");
            this.hash = (group.hashCode() * 31 + peer.hashCode()) * 31 + address.hashCode();
        }

        RaftGroupId group() {
            return group;
        }

        @Override
        public boolean equals(Object o) {
            return o == this || o instanceof Key k && hash == k.hash && group.equals(k.group) && peer.equals(k.peer)
                    && address.equals(k.address);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public String toString() {
            return group + "/" + peer + "@" + address;
        }
    }

    /** A server running here, with its division of the key's group once found (a server has one for its life). */
    private static final class Local {
        final RaftServer server;
        volatile RaftServer.Division division;

        Local(RaftServer server) {
            this.server = server;
        }
    }

    private static final Map<Key, Local> SERVERS = new ConcurrentHashMap<>();

    private LocalPeers() {
    }

    static void add(RaftGroupId group, RaftPeerId peer, String address, RaftServer server) {
        SERVERS.put(new Key(group, peer, address), new Local(server));
    }

    /** Forgets the server (before it closes: no client here finds its division after that). */
    static void remove(RaftGroupId group, RaftPeerId peer, String address, RaftServer server) {
        SERVERS.computeIfPresent(new Key(group, peer, address), (k, l) -> l.server == server ? null : l);
    }

    /**
     * The division of the group on this peer, when the peer runs in this JVM and has started; else null. Found
     * once per server: Ratis's {@code getDivision} goes through a synchronized map and a future on every call,
     * and a client asks on every request.
     */
    static RaftServer.Division division(Key key) {
        Local l = SERVERS.get(key);
        if (l == null) {
            return null;
        }
        RaftServer.Division d = l.division;
        if (d == null) {
            try {
                d = l.server.getDivision(key.group());
            } catch (IOException e) {
                return null; // closing, or not in the group (yet)
            }
            l.division = d;
        }
        return d;
    }
}
