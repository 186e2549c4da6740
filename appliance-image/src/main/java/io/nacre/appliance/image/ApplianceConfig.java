package io.nacre.appliance.image;

import static java.util.Objects.requireNonNull;

import io.nacre.appliance.node.ClusterOptions;
import io.nacre.appliance.node.NodeOptions;
import io.nacre.appliance.node.OssNodeOptions;
import io.nacre.meta.Peer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.s3.auth.KeyStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What the appliance runs as, read from its NoCloud seed (or the defaults without one): host name,
 * network, the S3 root key pair (null: the one Nacre generated), listener ports, NFS export rules, the
 * roles this node runs and its cluster peers, and commands to run once Nacre is healthy. Pure: parsing
 * and validation only; {@link ApplianceFiles} renders it into system files.
 *
 * <p>The seed's user-data is cloud-init's {@code #cloud-config} YAML: {@code hostname}, {@code fqdn} and
 * {@code runcmd} keep their cloud-init meaning (runcmd runs at every boot here, once Nacre is healthy), the
 * appliance's own settings sit under {@code nacre:}, and other cloud-init keys are listed as ignored.
 */
public record ApplianceConfig(String instanceId, String hostname, String fqdn, NetworkConfig network, S3 s3,
                              Nfs nfs, int adminPort, List<String> roles, Ost ost, Cluster cluster, List<String> runcmd,
                              List<String> ignored, boolean fromSeed) {

    /** Every role of one node (the all-in-one appliance runs them all; a cluster node any of them). */
    public static final List<String> ALL_ROLES = ClusterOptions.ROLES;
    public static final String DEFAULT_CLUSTER = "nacre";
    public static final int DEFAULT_OSS_PORT = OssNodeOptions.DEFAULT_OSS_PORT;
    public static final String DEFAULT_HOSTNAME = "nacre";
    public static final String DEFAULT_EXPORTS = "/ *(rw)";
    public static final int DEFAULT_S3_PORT = 9000;
    public static final int DEFAULT_ADMIN_PORT = 9001;
    public static final int DEFAULT_NFS_PORT = 2049;

    /** The S3 endpoint: the root key pair (both null when Nacre generates it), virtual-host domain, port. */
    public record S3(String accessKey, String secretKey, String domain, int port) {
        public boolean keyFromSeed() {
            return accessKey != null;
        }
    }

    /** The NFS endpoint: the export rules in exports(5) syntax, one export line, and the port. */
    public record Nfs(String exports, int port) {
    }

    /**
     * This node's OSTs: the index of the first (indexes are unique in a cluster), how many, and the port of the
     * OSS that serves them to the other nodes of a cluster.
     */
    public record Ost(int first, int count, int port) {
        public static final Ost DEFAULT = new Ost(0, NodeOptions.DEFAULT_OST_COUNT, DEFAULT_OSS_PORT);
    }

    /**
     * This node as one of a cluster: the cluster's name, this node's id, the MDS Raft peers (1, 3 or 5; the same
     * on every node), the secret every node shares, and the address the other nodes reach this one at (null:
     * the host of its MDS peer).
     */
    public record Cluster(String name, String node, List<Peer> peers, String secret, String address) {
        public Cluster {
            requireNonNull(name, "name");
            requireNonNull(node, "node");
            peers = List.copyOf(peers);
            requireNonNull(secret, "secret");
        }

        /** The peers as {@code nacre up --peers} takes them. */
        public String peerList() {
            return String.join(",", peers.stream().map(Peer::toString).toList());
        }

        @Override
        public String toString() {
            return "Cluster[" + name + ", node " + node + ", peers " + peers + ", address " + address + "]";
        }
    }

    public ApplianceConfig {
        requireNonNull(hostname, "hostname");
        requireNonNull(network, "network");
        requireNonNull(s3, "s3");
        requireNonNull(nfs, "nfs");
        roles = List.copyOf(roles);
        requireNonNull(ost, "ost");
        runcmd = List.copyOf(runcmd);
        ignored = List.copyOf(ignored);
    }

    /** The appliance without a seed: all-in-one, DHCP, generated S3 key, every NFS client read-write. */
    public static ApplianceConfig defaults() {
        return new ApplianceConfig(null, DEFAULT_HOSTNAME, null, NetworkConfig.dhcp(),
                new S3(null, null, null, DEFAULT_S3_PORT), new Nfs(DEFAULT_EXPORTS, DEFAULT_NFS_PORT), DEFAULT_ADMIN_PORT,
                ALL_ROLES, Ost.DEFAULT, null, List.of(), List.of(), false);
    }

    private static final Set<String> TOP_KEYS = Set.of("hostname", "fqdn", "nacre", "runcmd");
    private static final Set<String> NACRE_KEYS = Set.of("network", "s3", "nfs", "admin", "roles", "peers", "cluster",
            "node", "secret", "address", "ost");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    /** Parses and checks a seed; a {@link SeedException} says what is wrong and where. */
    public static ApplianceConfig from(Seed seed) {
        requireNonNull(seed, "seed");
        SeedYaml md = new SeedYaml("meta-data");
        Map<String, Object> meta = isBlank(seed.metaData()) ? Map.of() : md.map(md.load(seed.metaData()), "the document");
        String instanceId = md.scalar(meta, "instance-id", "meta-data");
        String localHostname = md.string(meta, "local-hostname", "meta-data");

        SeedYaml ud = new SeedYaml("user-data");
        Map<String, Object> user = Map.of();
        if (!isBlank(seed.userData())) {
            String text = seed.userData().stripLeading();
            if (text.startsWith("\uFEFF")) {
                text = text.substring(1);
            }
            if (!text.startsWith("#cloud-config")) {
                throw ud.fail("must start with the line #cloud-config (the appliance reads cloud-config YAML, "
                        + (text.startsWith("#!") ? "not scripts: put commands under runcmd:)" : "not other user-data formats)"));
            }
            user = ud.map(ud.load(text), "the document");
        }
        List<String> ignored = new ArrayList<>(new TreeSet<>(user.keySet()));
        ignored.removeAll(TOP_KEYS);

        String[] names = hostnames(ud, ud.string(user, "hostname", "user-data"), ud.string(user, "fqdn", "user-data"),
                localHostname);

        Map<String, Object> nacre = ud.map(user.get("nacre"), "nacre");
        ud.onlyKeys(nacre, "nacre", NACRE_KEYS);

        NetworkConfig network;
        if (!isBlank(seed.networkConfig())) {
            if (nacre.containsKey("network")) {
                throw ud.fail("nacre.network", "and a network-config file both give the network: keep one");
            }
            network = NetworkConfig.fromNetworkConfig(seed.networkConfig());
        } else if (nacre.get("network") != null) {
            network = NetworkConfig.fromSeedSection(ud, nacre.get("network"), "nacre.network");
        } else {
            network = NetworkConfig.dhcp();
        }

        Map<String, Object> s3 = ud.map(nacre.get("s3"), "nacre.s3");
        ud.onlyKeys(s3, "nacre.s3", Set.of("access_key", "secret_key", "domain", "port"));
        String ak = ud.string(s3, "access_key", "nacre.s3");
        String sk = ud.string(s3, "secret_key", "nacre.s3");
        if ((ak == null) != (sk == null)) {
            throw ud.fail("nacre.s3", "gives access_key and secret_key together, or neither (Nacre then generates the pair)");
        }
        if (ak != null) {
            try {
                new KeyStore.Key(ak, sk, 0, 0, true);
            } catch (IllegalArgumentException e) {
                throw ud.fail("nacre.s3", "has a key pair Nacre refuses: " + e.getMessage());
            }
            if (sk.length() < 8) {
                throw ud.fail("nacre.s3.secret_key", "is shorter than 8 characters");
            }
        }
        String domain = ud.string(s3, "domain", "nacre.s3");
        if (domain != null && !NetworkConfig.isDomain(domain)) {
            throw ud.fail("nacre.s3.domain", "must be a DNS domain, not '" + domain + "'");
        }
        int s3Port = port(ud, s3, "nacre.s3", DEFAULT_S3_PORT);

        Map<String, Object> nfs = ud.map(nacre.get("nfs"), "nacre.nfs");
        ud.onlyKeys(nfs, "nacre.nfs", Set.of("exports", "port"));
        String exports = ud.string(nfs, "exports", "nacre.nfs");
        exports = exports == null ? DEFAULT_EXPORTS : checkExports(ud, exports);
        int nfsPort = port(ud, nfs, "nacre.nfs", DEFAULT_NFS_PORT);

        Map<String, Object> admin = ud.map(nacre.get("admin"), "nacre.admin");
        ud.onlyKeys(admin, "nacre.admin", Set.of("port"));
        int adminPort = port(ud, admin, "nacre.admin", DEFAULT_ADMIN_PORT);
        if (new HashSet<>(List.of(s3Port, nfsPort, adminPort)).size() != 3) {
            throw ud.fail("nacre", "gives two endpoints the same port (S3 " + s3Port + ", NFS " + nfsPort + ", admin "
                    + adminPort + ")");
        }

        Map<String, Object> ostSection = ud.map(nacre.get("ost"), "nacre.ost");
        ud.onlyKeys(ostSection, "nacre.ost", Set.of("first", "count", "port"));
        Integer first = ud.integer(ostSection, "first", "nacre.ost", 0, 65535 - 64);
        Integer count = ud.integer(ostSection, "count", "nacre.ost", 1, 64);
        Ost ost = new Ost(first == null ? 0 : first, count == null ? Ost.DEFAULT.count() : count,
                port(ud, ostSection, "nacre.ost", DEFAULT_OSS_PORT));

        List<String> roles = nacre.containsKey("roles") ? ud.strings(nacre, "roles", "nacre") : ALL_ROLES;
        for (String r : roles) {
            if (!ALL_ROLES.contains(r)) {
                throw ud.fail("nacre.roles", "has an unknown role '" + r + "'; roles are " + ALL_ROLES);
            }
        }
        if (roles.isEmpty()) {
            throw ud.fail("nacre.roles", "is empty: a node runs at least one of " + ALL_ROLES);
        }
        roles = ALL_ROLES.stream().filter(roles::contains).toList();
        Cluster cluster = cluster(ud, nacre, roles);
        if (cluster != null) {
            if (roles.contains("s3") && ak == null) {
                throw ud.fail("nacre.s3", "needs access_key and secret_key in a cluster: every node's S3 gateway"
                        + " serves the same root key, so give the same pair in every node's seed");
            }
            List<Integer> ports = new ArrayList<>(List.of(s3Port, nfsPort, adminPort));
            if (roles.contains("ost") || roles.contains("mds")) {
                ports.add(ost.port());
            }
            cluster.peers().stream().filter(p -> p.id().equals(cluster.node())).forEach(p -> ports.add(p.port()));
            if (new HashSet<>(ports).size() != ports.size()) {
                throw ud.fail("nacre", "gives two endpoints of this node the same port (S3, NFS, admin, nacre.ost.port"
                        + " and its MDS peer's): " + ports);
            }
        } else if (!roles.equals(ALL_ROLES)) {
            throw ud.fail("nacre.roles", "is " + roles + ": without nacre.peers the appliance is all-in-one and runs"
                    + " every role " + ALL_ROLES + "; a node runs some of them as part of a cluster");
        }

        return new ApplianceConfig(instanceId, names[0], names[1], network, new S3(ak, sk, domain, s3Port),
                new Nfs(exports, nfsPort), adminPort, roles, ost, cluster, runcmd(ud, user.get("runcmd")), ignored, true);
    }

    /**
     * The cluster this node is part of, or null (all-in-one) when the seed gives no nacre.peers: then none of
     * the cluster's keys may be there either.
     */
    private static Cluster cluster(SeedYaml y, Map<String, Object> nacre, List<String> roles) {
        if (nacre.get("peers") == null) {
            for (String k : List.of("cluster", "node", "secret", "address")) {
                if (nacre.get(k) != null) {
                    throw y.fail("nacre." + k, "is for a cluster node: give the cluster's MDS peers under nacre.peers");
                }
            }
            return null;
        }
        String name = y.string(nacre, "cluster", "nacre");
        name = name == null ? DEFAULT_CLUSTER : name;
        if (!ID.matcher(name).matches()) {
            throw y.fail("nacre.cluster", "must be 1 to 64 of letters, digits, '_', '.', '-', not '" + name + "'");
        }
        List<Map<String, Object>> items = y.maps(nacre, "peers", "nacre");
        List<Peer> peers = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String key = "nacre.peers[" + i + "]";
            y.onlyKeys(items.get(i), key, Set.of("id", "address"));
            String id = y.scalar(items.get(i), "id", key);
            String address = y.string(items.get(i), "address", key);
            if (id == null || address == null) {
                throw y.fail(key, "needs an id and an address (host:port of its MDS peer)");
            }
            if (!ID.matcher(id).matches()) {
                throw y.fail(key + ".id", "must be 1 to 64 of letters, digits, '_', '.', '-', not '" + id + "'");
            }
            int colon = address.lastIndexOf(':');
            String host = colon > 0 ? address.substring(0, colon) : "";
            String port = colon > 0 ? address.substring(colon + 1) : "";
            if (host.isEmpty() || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535
                    || !(NetworkConfig.isIp(host) || NetworkConfig.isDomain(host))) {
                throw y.fail(key + ".address", "must be host:port (an IP address or host name, a port from 1 to 65535),"
                        + " not '" + address + "'");
            }
            if (!ids.add(id)) {
                throw y.fail(key + ".id", "'" + id + "' is the id of an earlier peer too");
            }
            if (!addresses.add(address)) {
                throw y.fail(key + ".address", address + " is the address of an earlier peer too");
            }
            peers.add(new Peer(id, address));
        }
        if (peers.size() != 1 && peers.size() != 3 && peers.size() != 5) {
            throw y.fail("nacre.peers", "has " + peers.size() + " MDS peers; a group has 1, 3 or 5 (a majority must"
                    + " outlive a lost peer), the same list on every node");
        }
        String node = y.scalar(nacre, "node", "nacre");
        if (node == null) {
            throw y.fail("nacre.node", "is missing: the id of this node in the cluster");
        }
        if (!ID.matcher(node).matches()) {
            throw y.fail("nacre.node", "must be 1 to 64 of letters, digits, '_', '.', '-', not '" + node + "'");
        }
        boolean mds = roles.contains("mds");
        if (mds && !ids.contains(node)) {
            throw y.fail("nacre.node", "'" + node + "' has the mds role but is not among nacre.peers " + ids);
        }
        if (!mds && ids.contains(node)) {
            throw y.fail("nacre.roles", "lacks mds, yet this node '" + node + "' is one of nacre.peers");
        }
        String secret = y.string(nacre, "secret", "nacre");
        if (secret == null) {
            throw y.fail("nacre.secret", "is missing: the nodes of a cluster share a secret (the same in every node's"
                    + " seed, 16 characters or more)");
        }
        secret = secret.strip();
        if (secret.length() < 16 || secret.contains("\n")) {
            throw y.fail("nacre.secret", "must be one line of at least 16 characters");
        }
        String address = y.string(nacre, "address", "nacre");
        if (address != null && !NetworkConfig.isIp(address)) {
            throw y.fail("nacre.address", "must be an IP address of this node, not '" + address + "'");
        }
        if (address == null && !mds) {
            throw y.fail("nacre.address", "is missing: a node that is no MDS peer says the IP address the other nodes"
                    + " reach it at");
        }
        return new Cluster(name, node, peers, secret, address);
    }

    /** [host name, fully qualified name or null] from user-data's hostname/fqdn, else meta-data's local-hostname. */
    private static String[] hostnames(SeedYaml y, String hostname, String fqdn, String localHostname) {
        String given = hostname != null ? hostname : fqdn != null ? fqdn : localHostname;
        if (given == null) {
            return new String[] {DEFAULT_HOSTNAME, null};
        }
        String key = hostname != null ? "hostname" : fqdn != null ? "fqdn" : "local-hostname (meta-data)";
        if (!NetworkConfig.isDomain(given) || given.endsWith(".")) {
            throw y.fail(key, "must be a host name (letters, digits, '-', labels of up to 63), not '" + given + "'");
        }
        String shortName = given.contains(".") ? given.substring(0, given.indexOf('.')) : given;
        String full = fqdn != null ? fqdn : given.contains(".") ? given : null;
        if (!LABEL.matcher(shortName).matches()) {
            throw y.fail(key, "must start with a letter or digit: '" + given + "'");
        }
        if (full != null && (!NetworkConfig.isDomain(full) || full.endsWith("."))) {
            throw y.fail("fqdn", "must be a domain name, not '" + full + "'");
        }
        return new String[] {shortName, full};
    }

    private static int port(SeedYaml y, Map<String, Object> section, String key, int dflt) {
        Integer p = y.integer(section, "port", key, 1, 65535);
        return p == null ? dflt : p;
    }

    /** One export line in exports(5) syntax, checked by the NFS gateway's own parser (what nacre up reads). */
    private static String checkExports(SeedYaml y, String exports) {
        String line = exports.strip();
        if (line.isEmpty() || line.contains("\n")) {
            throw y.fail("nacre.nfs.exports", "must be one export line, like \"/ 192.0.2.0/24(rw) *(ro)\"");
        }
        try {
            ExportTable.parse(line);
        } catch (IllegalArgumentException e) {
            throw y.fail("nacre.nfs.exports", "is not an export line Nacre accepts: " + e.getMessage());
        }
        return line;
    }

    private static List<String> runcmd(SeedYaml y, Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> items)) {
            throw y.fail("runcmd", "must be a list of commands");
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            String line;
            if (item instanceof String s) {
                line = s;
            } else if (item instanceof List<?> argv && !argv.isEmpty()) {
                List<String> words = new ArrayList<>();
                for (Object w : argv) {
                    if (!(w instanceof String || w instanceof Number)) {
                        throw y.fail("runcmd[" + i + "]", "must be a string or a list of strings");
                    }
                    words.add(shellQuote(w.toString()));
                }
                line = String.join(" ", words);
            } else {
                throw y.fail("runcmd[" + i + "]", "must be a string or a list of strings");
            }
            if (line.indexOf('\0') >= 0) {
                throw y.fail("runcmd[" + i + "]", "contains a NUL character");
            }
            lines.add(line);
        }
        return lines;
    }

    /** A word for sh: single-quoted unless it is plainly safe. */
    static String shellQuote(String word) {
        if (word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
