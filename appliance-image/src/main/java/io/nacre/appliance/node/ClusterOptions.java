package io.nacre.appliance.node;

import static java.util.Objects.requireNonNull;

import io.nacre.meta.Peer;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@link Node} as one node of a cluster: the cluster's name, this node's id, the MDS Raft peers (1, 3 or 5,
 * the same list on every node), the roles this node runs ({@link #ROLES}), the cluster secret every node
 * shares (it signs OSS requests between nodes), the address other nodes reach this node's OSS at, the OSS
 * port, and the index of this node's first OST (indexes are unique in the cluster). This node runs an MDS peer
 * exactly when it has the mds role, and then it is among the peers under its id.
 */
public record ClusterOptions(String name, String nodeId, List<Peer> peers, Set<String> roles, byte[] secret,
                             String advertise, int ossPort, int firstOst) {

    /** The roles a node can run, in the order they start. */
    public static final List<String> ROLES = List.of("mds", "ost", "nfs", "s3");

    public ClusterOptions {
        requireNonNull(name, "name");
        requireNonNull(nodeId, "nodeId");
        peers = List.copyOf(peers);
        roles = Set.copyOf(new LinkedHashSet<>(roles));
        requireNonNull(secret, "secret");
        requireNonNull(advertise, "advertise");
        if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("a cluster name is 1 to 64 of [A-Za-z0-9_.-]: '" + name + "'");
        }
        if (!nodeId.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("a node id is 1 to 64 of [A-Za-z0-9_.-]: '" + nodeId + "'");
        }
        if (peers.size() != 1 && peers.size() != 3 && peers.size() != 5) {
            throw new IllegalArgumentException("an MDS group has 1, 3 or 5 peers (a majority must survive a loss), not "
                    + peers.size() + ": " + peers);
        }
        Set<String> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (Peer p : peers) {
            if (!ids.add(p.id())) {
                throw new IllegalArgumentException("two MDS peers have the id '" + p.id() + "'");
            }
            if (!addresses.add(p.address())) {
                throw new IllegalArgumentException("two MDS peers have the address " + p.address());
            }
            if (p.port() == 0) {
                throw new IllegalArgumentException("MDS peer " + p + " needs a fixed port");
            }
        }
        for (String r : roles) {
            if (!ROLES.contains(r)) {
                throw new IllegalArgumentException("unknown role '" + r + "'; roles are " + ROLES);
            }
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("a node runs at least one role of " + ROLES);
        }
        boolean listed = ids.contains(nodeId);
        if (roles.contains("mds") && !listed) {
            throw new IllegalArgumentException("node '" + nodeId + "' has the mds role but is not among the MDS peers "
                    + peers);
        }
        if (!roles.contains("mds") && listed) {
            throw new IllegalArgumentException("node '" + nodeId + "' is an MDS peer but does not have the mds role");
        }
        if (secret.length < 16) {
            throw new IllegalArgumentException("the cluster secret has " + secret.length + " bytes; it needs at least 16");
        }
        if (ossPort < 0 || ossPort > 65535) {
            throw new IllegalArgumentException("OSS port must be 0..65535: " + ossPort);
        }
        if (firstOst < 0) {
            throw new IllegalArgumentException("the first OST index must be >= 0: " + firstOst);
        }
        secret = secret.clone();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    public boolean runs(String role) {
        return roles.contains(role);
    }

    /** This node's MDS peer (it has the mds role). */
    public Peer self() {
        return peers.stream().filter(p -> p.id().equals(nodeId)).findFirst()
                .orElseThrow(() -> new IllegalStateException("node " + nodeId + " is no MDS peer"));
    }

    @Override
    public String toString() {
        return "ClusterOptions[" + name + ", node " + nodeId + ", peers " + peers + ", roles " + roles + ", advertise "
                + advertise + ", OSS port " + ossPort + ", first OST " + firstOst + "]";
    }
}
